-- grain: one row per BuildOps invoice counted in BuildOps' open AR (status not Draft or Void, issued on or before as-of), with its Spectrum match
-- unique: buildops_invoice_id
-- not_null: company_code, buildops_invoice_id, buildops_total, buildops_paid, buildops_open
-- BuildOps open AR of an invoice = totalAmount − Σ payments[].appliedAmount applied <= as-of.
-- The Spectrum side is the invoice's match as intermediate.int_buildops_invoices_matched
-- chooses it (the one rule, which invoice_status reads too).
-- spectrum_open is Σ the matched invoice's open items dated <= as-of (0 when it has none: paid).
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__invoice_headers)) as company_code
),

paid as (
  select buildops_invoice_id, sum(applied_amount) as buildops_paid
  from staging.stg_buildops__invoice_payments
  where applied_date <= {{ as_of }}
  group by buildops_invoice_id
),

counted as (
  select i.*
  from staging.stg_buildops__invoices i
  where i.status not in ('Draft', 'Void') and i.issued_date <= {{ as_of }}
),

matches as (
  select * from intermediate.int_buildops_invoices_matched
),

posted_matches as (
  select * from matches where spectrum_source = 'posted'
),

open_items as (
  select company_code, customer_code, invoice_number, sum(invoice_balance) as open_total
  from intermediate.int_ar_open_items_dated
  group by company_code, customer_code, invoice_number
),

posted as (
  select
    p.buildops_invoice_id,
    p.customer_code,
    h.invoice_extension as spectrum_gross,
    coalesce(o.open_total, 0) as spectrum_open
  from posted_matches p
  inner join staging.stg_spectrum__invoice_headers h
    on h.company_code = p.company_code and h.invoice_number = p.invoice_number
  left join open_items o
    on o.company_code = p.company_code and o.customer_code = p.customer_code and o.invoice_number = p.invoice_number
)

select
  coalesce(m.company_code, (select company_code from run_company)) as company_code,
  c.buildops_invoice_id,
  c.invoice_number as buildops_invoice_number,
  m.invoice_number as spectrum_invoice_number,
  coalesce(m.invoice_number, c.invoice_number) as invoice_number,
  coalesce(m.customer_code, bc.accounting_ref_id) as customer_code,
  coalesce(m.job_number, c.job_number) as job_number,
  coalesce(m.spectrum_source, 'none') as spectrum_source,
  cast(coalesce(c.total_amount, 0) as decimal(18, 2)) as buildops_total,
  cast(coalesce(pd.buildops_paid, 0) as decimal(18, 2)) as buildops_paid,
  cast(coalesce(c.total_amount, 0) - coalesce(pd.buildops_paid, 0) as decimal(18, 2)) as buildops_open,
  cast(ps.spectrum_gross as decimal(18, 2)) as spectrum_gross,
  cast(ps.spectrum_open as decimal(18, 2)) as spectrum_open
from counted c
left join paid pd on pd.buildops_invoice_id = c.buildops_invoice_id
left join matches m on m.buildops_invoice_id = c.buildops_invoice_id
left join posted ps on ps.buildops_invoice_id = c.buildops_invoice_id
left join staging.stg_buildops__customers bc on bc.buildops_customer_id = c.customer_id
