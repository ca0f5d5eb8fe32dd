-- grain: one row per open Spectrum AP item (VN_OPEN_ITEMS_MC)
-- unique: company_code, vendor_code, invoice_number
-- not_null: company_code, vendor_code, invoice_number
select
  trim(company_code) as company_code,
  trim(vendor_code) as vendor_code,
  trim(invoice_number) as invoice_number,
  nullif(trim(job_number), '') as job_number,
  cast(invoice_date as date) as invoice_date,
  cast(open_amount as decimal(18, 2)) as open_amount,
  _loaded_at
from raw.spectrum__vn_open_items_mc
