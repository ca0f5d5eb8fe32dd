-- grain: one row per open Spectrum AR item (CR_OPEN_ITEM_MC): invoice, credit memo, unapplied payment or adjustment
-- unique: company_code, customer_code, invoice_number
-- not_null: company_code, customer_code, invoice_number, transaction_type, invoice_balance
select
  trim(company_code) as company_code,
  trim(customer_code) as customer_code,
  trim(invoice_or_transaction) as invoice_number,
  nullif(trim(job_number), '') as job_number,
  upper(trim(transaction_type)) as transaction_type,
  cast(invoice_date as date) as invoice_date,
  cast(due_date as date) as due_date,
  cast(invoice_balance as decimal(18, 2)) as invoice_balance,
  _loaded_at
from raw.spectrum__cr_open_item_mc
