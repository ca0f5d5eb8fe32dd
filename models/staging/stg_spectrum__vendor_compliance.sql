-- grain: one row per Spectrum vendor compliance document (VN_COMPLIANCE_MC); the table has no key
-- not_null: company_code, vendor_code, compliance_type
-- A blank Job_Number (NULL or spaces) is a document for every job of the vendor: it becomes
-- NULL here. compliance_type is COI, W9 or LIEN_WAIVER (upper-cased). A lien waiver with no
-- received_date was requested, not received.
select
  trim(company_code) as company_code,
  trim(vendor_code) as vendor_code,
  upper(trim(compliance_type)) as compliance_type,
  nullif(trim(job_number), '') as job_number,
  cast(expiration_date as date) as expiration_date,
  cast(received_date as date) as received_date,
  -- the insured limit of a COI (to confirm per installation); blank = unknown
  cast(coverage_amount as decimal(18, 2)) as coverage_amount,
  _loaded_at
from raw.spectrum__vn_compliance_mc
