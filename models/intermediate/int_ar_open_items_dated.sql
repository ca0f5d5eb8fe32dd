-- grain: one row per open Spectrum AR item of the run's company dated on or before as-of (invoices, credit memos, unapplied payments, adjustments)
-- unique: company_code, customer_code, invoice_number
-- not_null: company_code, customer_code, invoice_number, transaction_type, invoice_balance
-- Spectrum's open AR as of the as-of date: every open item dated <= as-of, signed as Spectrum
-- holds it (credits and unapplied payments negative). An item with no date counts. The run's
-- company is the configured one (or the only one loaded), as in int_invoices_matched.
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__open_items)) as company_code
)

select
  o.company_code,
  o.customer_code,
  o.invoice_number,
  o.job_number,
  o.transaction_type,
  o.invoice_date,
  o.due_date,
  o.invoice_balance
from staging.stg_spectrum__open_items o
where o.company_code = (select company_code from run_company)
  and (o.invoice_date is null or o.invoice_date <= {{ as_of }})
