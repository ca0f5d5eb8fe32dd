-- grain: one row per invoice (or Spectrum open item) on a line of the bridge from BuildOps' open AR to Spectrum's; a matched invoice may sit on two lines (amount and payment)
-- unique: company_code, line, customer_code, invoice_number, buildops_invoice_id
-- not_null: company_code, line, invoice_number, amount
-- check bridge_ties_out:
--   select b.buildops_open_ar, l.lines, s.spectrum_open_ar, s.spectrum_open_ar - b.buildops_open_ar - l.lines as residual
--   from (select coalesce(sum(buildops_open), 0) as buildops_open_ar from intermediate.int_buildops_invoices_bridged) b,
--        (select coalesce(sum(amount), 0) as lines from {{ this }}) l,
--        (select coalesce(sum(invoice_balance), 0) as spectrum_open_ar from intermediate.int_ar_open_items_dated) s
--   where s.spectrum_open_ar - b.buildops_open_ar - l.lines <> 0
-- From BuildOps' AR to Spectrum's, every dollar explained (docs/marts.md): BuildOps open AR
-- + Σ amount = Spectrum open AR, to the cent (the check above names the residual). amount is
-- what the row adds on the way: Spectrum minus BuildOps. Every cent counts on the bridge (a
-- 0.01 difference is a row), or it could not tie. Rules the contract leaves open:
-- models/marts/README.md.
with bridged as (
  select * from intermediate.int_buildops_invoices_bridged
),

counted_posted as (
  select distinct b.company_code, b.customer_code, b.spectrum_invoice_number as invoice_number
  from bridged b
  where b.spectrum_source = 'posted'
),

spectrum_only as (
  select o.*
  from intermediate.int_ar_open_items_dated o
  left join counted_posted c
    on c.company_code = o.company_code and c.customer_code = o.customer_code and c.invoice_number = o.invoice_number
  where c.invoice_number is null
),

lines as (
  select company_code, 'not_in_spectrum' as line, buildops_invoice_id, invoice_number, customer_code, job_number,
    buildops_open, cast(null as decimal(18, 2)) as spectrum_open, -buildops_open as amount
  from bridged
  where spectrum_source = 'none'
  union all
  select company_code, 'awaiting_posting' as line, buildops_invoice_id, invoice_number, customer_code, job_number,
    buildops_open, cast(null as decimal(18, 2)) as spectrum_open, -buildops_open as amount
  from bridged
  where spectrum_source = 'unposted'
  union all
  select company_code, 'amount_difference' as line, buildops_invoice_id, invoice_number, customer_code, job_number,
    buildops_open, spectrum_open, spectrum_gross - buildops_total as amount
  from bridged
  where spectrum_source = 'posted' and spectrum_gross <> buildops_total
  union all
  select company_code, 'payment_timing' as line, buildops_invoice_id, invoice_number, customer_code, job_number,
    buildops_open, spectrum_open, -((spectrum_gross - spectrum_open) - buildops_paid) as amount
  from bridged
  where spectrum_source = 'posted' and spectrum_gross - spectrum_open <> buildops_paid
  union all
  select company_code, 'spectrum_only' as line, cast(null as varchar) as buildops_invoice_id, invoice_number, customer_code, job_number,
    cast(null as decimal(18, 2)) as buildops_open, invoice_balance as spectrum_open, invoice_balance as amount
  from spectrum_only
)

select
  l.company_code,
  l.line,
  l.buildops_invoice_id,
  l.invoice_number,
  l.customer_code,
  c.customer_name,
  l.job_number,
  cast(l.buildops_open as decimal(18, 2)) as buildops_open,
  cast(l.spectrum_open as decimal(18, 2)) as spectrum_open,
  cast(l.amount as decimal(18, 2)) as amount
from lines l
left join staging.stg_spectrum__customers c on c.company_code = l.company_code and c.customer_code = l.customer_code
