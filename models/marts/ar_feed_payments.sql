-- grain: one row per Spectrum AR payment application (CR_PAY_ADJUST_HISTORY_MC row): a payment or adjustment applied to one invoice
-- unique: company_code, transaction_date, day_seq
-- not_null: company_code, customer_code, payment_id, invoice_number, transaction_date, transaction_type, portion, amount
-- check amounts_tie_out:
--   select 1
--   from (select coalesce(sum(amount), 0) as fed from {{ this }}) a,
--        (select coalesce(sum(amount), 0) as held from staging.stg_spectrum__pay_adjustments) p
--   where abs(a.fed - p.held) > 0.01
-- check portion_known:
--   select 1 from {{ this }} where portion not in ('regular', 'retainage')
-- The payments and applications of the AR-automation feed (reports/feed reads marts only).
-- Spectrum is the system of record for cash applied. A payment is one check (or one
-- adjustment) of one customer on one day: payment_id = customer:type:check:date, and when
-- Spectrum has no check number each history row is a payment of its own (its day_seq stands
-- in for the check). Amounts are positive (a payment reduces the balance); portion `retainage`
-- is the retention portion (Invoice_Type R), `regular` the rest.
select
  p.company_code,
  p.customer_code,
  c.customer_name,
  p.customer_code || ':' || p.transaction_type || ':' || coalesce(p.check_number, '#' || cast(p.day_seq as varchar)) || ':' || cast(p.transaction_date as varchar) as payment_id,
  p.check_number,
  p.transaction_date,
  p.transaction_type,
  p.day_seq,
  p.invoice_number,
  a.job_number,
  a.buildops_invoice_id,
  case when p.invoice_type = 'R' then 'retainage' else 'regular' end as portion,
  p.amount
from staging.stg_spectrum__pay_adjustments p
left join staging.stg_spectrum__customers c
  on c.company_code = p.company_code and c.customer_code = p.customer_code
left join intermediate.int_ar_invoices_aged a
  on a.company_code = p.company_code and a.customer_code = p.customer_code and a.invoice_number = p.invoice_number
