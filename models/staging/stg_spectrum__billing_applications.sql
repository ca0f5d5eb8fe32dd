-- grain: one row per Spectrum AIA progress-billing application (CR_BILLING_HEADER_MC)
-- unique: company_code, job_number, application_number
-- not_null: company_code, job_number, application_number
select
  trim(company_code) as company_code,
  trim(job_number) as job_number,
  cast(application_number as integer) as application_number,
  cast(period_end_date as date) as period_end_date,
  cast(revised_contract_amount as decimal(18, 2)) as revised_contract_amount,
  cast(complete_to_date as decimal(18, 2)) as complete_to_date,
  cast(previous_billed as decimal(18, 2)) as previous_billed,
  cast(amount_due as decimal(18, 2)) as amount_due,
  cast(retention_amount as decimal(18, 2)) as retention_amount,
  nullif(trim(invoice_or_transaction), '') as invoice_number,
  _loaded_at
from raw.spectrum__cr_billing_header_mc
