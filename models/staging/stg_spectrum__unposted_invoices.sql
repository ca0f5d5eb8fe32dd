-- grain: one row per imported Spectrum AR invoice waiting in an entry batch (CR_UNPOSTED_INVOICE_MC)
-- unique: company_code, invoice_number
-- not_null: company_code, invoice_number
select
  trim(company_code) as company_code,
  trim(invoice_or_transaction) as invoice_number,
  nullif(trim(customer_code), '') as customer_code,
  nullif(trim(job_number), '') as job_number,
  cast(invoice_date as date) as invoice_date,
  cast(invoice_extension as decimal(18, 2)) as invoice_extension,
  cast(retention_amount as decimal(18, 2)) as retention_amount,
  nullif(trim(batch_code), '') as batch_code,
  nullif(trim(remarks), '') as remarks,
  entered_date,
  _loaded_at
from raw.spectrum__cr_unposted_invoice_mc
