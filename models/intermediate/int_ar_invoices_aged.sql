-- grain: one row per posted Spectrum AR invoice (header Transaction_Type I), paid-off ones included
-- unique: company_code, invoice_number
-- not_null: company_code, customer_code, invoice_number, retainage_billed, retainage_paid, open_total
-- Every join stays within one company. Open items and pay history are keyed by Spectrum's
-- (company, customer, invoice). The BuildOps match is intermediate.int_invoices_matched's
-- (Remarks `BO:<id>` first, else the same invoice number; rules in models/marts/README.md).
with headers as (
  select h.*
  from staging.stg_spectrum__invoice_headers h
  where h.transaction_type = 'I'
),

matched as (
  select company_code, invoice_number, buildops_invoice_id
  from intermediate.int_invoices_matched
  where spectrum_source = 'posted'
),

open_items as (
  select company_code, customer_code, invoice_number, sum(invoice_balance) as open_total
  from staging.stg_spectrum__open_items
  where transaction_type = 'I'
  group by company_code, customer_code, invoice_number
),

retainage_payments as (
  select company_code, customer_code, invoice_number, sum(amount) as retainage_paid
  from staging.stg_spectrum__pay_adjustments
  where invoice_type = 'R'
  group by company_code, customer_code, invoice_number
),

joined as (
  select
    h.company_code,
    h.customer_code,
    c.customer_name,
    h.job_number,
    h.invoice_number,
    m.buildops_invoice_id,
    h.invoice_date,
    coalesce(h.due_date, h.invoice_date + 30) as due_date,
    coalesce(h.invoice_extension, 0) as gross_amount,
    coalesce(h.retention_amount, 0) as retainage_billed,
    coalesce(r.retainage_paid, 0) as retainage_paid,
    coalesce(o.open_total, 0) as open_total
  from headers h
  left join staging.stg_spectrum__customers c
    on c.company_code = h.company_code and c.customer_code = h.customer_code
  left join matched m
    on m.company_code = h.company_code and m.invoice_number = h.invoice_number
  left join open_items o
    on o.company_code = h.company_code and o.customer_code = h.customer_code and o.invoice_number = h.invoice_number
  left join retainage_payments r
    on r.company_code = h.company_code and r.customer_code = h.customer_code and r.invoice_number = h.invoice_number
),

measured as (
  select
    j.*,
    cast(j.retainage_billed - j.retainage_paid as decimal(18, 2)) as retainage_open,
    cast({{ as_of }} - j.due_date as integer) as days_past_due
  from joined j
)

select
  m.company_code,
  m.customer_code,
  m.customer_name,
  m.job_number,
  m.invoice_number,
  m.buildops_invoice_id,
  m.invoice_date,
  m.due_date,
  cast(m.gross_amount as decimal(18, 2)) as gross_amount,
  cast(m.retainage_billed as decimal(18, 2)) as retainage_billed,
  cast(m.retainage_paid as decimal(18, 2)) as retainage_paid,
  m.retainage_open,
  cast(m.open_total as decimal(18, 2)) as open_total,
  cast(m.open_total - m.retainage_open as decimal(18, 2)) as open_net_of_retainage,
  m.days_past_due,
  case
    when m.days_past_due is null then null
    when m.days_past_due <= 0 then 'current'
    when m.days_past_due <= 30 then '1-30'
    when m.days_past_due <= 60 then '31-60'
    when m.days_past_due <= 90 then '61-90'
    else '90+'
  end as aging_bucket
from measured m
