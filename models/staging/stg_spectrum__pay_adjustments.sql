-- grain: one row per Spectrum AR payment or adjustment applied to an invoice (CR_PAY_ADJUST_HISTORY_MC)
-- unique: company_code, transaction_date, day_seq
-- not_null: company_code, customer_code, invoice_number, transaction_date, transaction_type, amount
-- Amounts are positive (a payment reduces the balance). A blank Invoice_Type (regular
-- portion) is NULL here, whether Spectrum gave NULL or spaces; 'R' = the retention portion.
select
  trim(company_code) as company_code,
  trim(customer_code) as customer_code,
  trim(invoice_or_transaction) as invoice_number,
  cast(transaction_date as date) as transaction_date,
  upper(trim(transaction_type)) as transaction_type,
  nullif(upper(trim(invoice_type)), '') as invoice_type,
  cast(amount as decimal(18, 2)) as amount,
  nullif(trim(check_number), '') as check_number,
  day_seq,
  _loaded_at
from raw.spectrum__cr_pay_adjust_history_mc
