-- grain: one row per posted Spectrum AR invoice or credit memo header (CR_INVOICE_HEADER_MC)
-- unique: company_code, invoice_number
-- not_null: company_code, invoice_number, customer_code, transaction_type
-- Credit memos (type C) reduce receivables however the installation stores them: some keep
-- their amounts negative, some positive, so a credit memo's amounts are −|amount| here.
select
  trim(company_code) as company_code,
  trim(invoice_or_transaction) as invoice_number,
  trim(customer_code) as customer_code,
  nullif(trim(job_number), '') as job_number,
  cast(invoice_date as date) as invoice_date,
  cast(due_date as date) as due_date,
  case when upper(trim(transaction_type)) = 'C' then -abs(cast(invoice_extension as decimal(18, 2))) else cast(invoice_extension as decimal(18, 2)) end as invoice_extension,
  case when upper(trim(transaction_type)) = 'C' then -abs(cast(sales_tax_amount as decimal(18, 2))) else cast(sales_tax_amount as decimal(18, 2)) end as sales_tax_amount,
  case when upper(trim(transaction_type)) = 'C' then -abs(cast(retention_amount as decimal(18, 2))) else cast(retention_amount as decimal(18, 2)) end as retention_amount,
  cast(retention_percent as decimal(9, 4)) as retention_percent,
  nullif(trim(batch_code), '') as batch_code,
  nullif(trim(ar_gl_account), '') as ar_gl_account,
  nullif(trim(cost_center), '') as cost_center,
  nullif(trim(terms_code), '') as terms_code,
  nullif(trim(remarks), '') as remarks,
  upper(trim(transaction_type)) as transaction_type,
  _loaded_at
from raw.spectrum__cr_invoice_header_mc
