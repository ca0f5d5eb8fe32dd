-- grain: one row per month end of the insight window, and the as-of date as the last row
-- unique: company_code, period_end
-- not_null: company_code, period_end, ar_open, retainage_open, billings_90, retainage_billed_90
-- check one_row_per_month_and_as_of:
--   select 1 from (select company_code, count(*) as n, max(period_end) as last_end from {{ this }} group by company_code) t
--   where t.last_end <> {{ as_of }} or t.n > {{ window_months }} + 1
-- check ratios_follow_the_sums:
--   select 1 from {{ this }}
--   where (dso_gross is null) <> (billings_90 = 0)
--      or (dso_net_of_retainage is null) <> (billings_90 - retainage_billed_90 = 0)
-- DSO month by month, gross and net of retainage, rebuilt from Spectrum's invoice and payment
-- history (contracts: "CFO insights"). For a date D: AR open = Σ invoice extensions (types I and
-- C, credits −|amount|) dated ≤ D − Σ pay history applied to them dated ≤ D; retainage open
-- likewise with header retention and the payments with Invoice_Type R; billings_90 = the
-- extensions dated in (D − 90 days, D]. DSO = AR ÷ billings_90 × 90, one decimal, rounded once
-- from the exact sums; null when the divisor is 0.
with bounds as (
  select cast({{ as_of }} - {{ window_months }} * interval '1 month' as date) as window_start
),

month_ends as (
  select cast(cast(date_trunc('month', {{ as_of }}) as date) - g.n * interval '1 month' - interval '1 day' as date) as period_end
  from generate_series(0, {{ window_months }} - 1) as g(n)
  union
  select {{ as_of }} as period_end
),

invoices as (
  select company_code, customer_code, invoice_number, invoice_date, gross, retention
  from intermediate.int_revenue_invoices_signed
),

periods as (
  select c.company_code, e.period_end
  from month_ends e
  cross join bounds b
  cross join (select distinct company_code from invoices) c
  where e.period_end > b.window_start and e.period_end <= {{ as_of }}
),

payments as (
  select p.company_code, p.transaction_date, p.amount, case when p.invoice_type = 'R' then p.amount else 0 end as retention_paid
  from staging.stg_spectrum__pay_adjustments p
  join invoices i on i.company_code = p.company_code and i.customer_code = p.customer_code and i.invoice_number = p.invoice_number
),

billed as (
  select
    p.company_code,
    p.period_end,
    sum(i.gross) as gross_billed,
    sum(i.retention) as retention_billed,
    sum(case when i.invoice_date > p.period_end - 90 then i.gross else 0 end) as billings_90,
    sum(case when i.invoice_date > p.period_end - 90 then i.retention else 0 end) as retainage_billed_90
  from periods p
  join invoices i on i.company_code = p.company_code and i.invoice_date <= p.period_end
  group by p.company_code, p.period_end
),

paid as (
  select p.company_code, p.period_end, sum(y.amount) as paid, sum(y.retention_paid) as retention_paid
  from periods p
  join payments y on y.company_code = p.company_code and y.transaction_date <= p.period_end
  group by p.company_code, p.period_end
),

sums as (
  select
    p.company_code,
    p.period_end,
    cast(coalesce(b.gross_billed, 0) - coalesce(y.paid, 0) as decimal(18, 2)) as ar_open,
    cast(coalesce(b.retention_billed, 0) - coalesce(y.retention_paid, 0) as decimal(18, 2)) as retainage_open,
    cast(coalesce(b.billings_90, 0) as decimal(18, 2)) as billings_90,
    cast(coalesce(b.retainage_billed_90, 0) as decimal(18, 2)) as retainage_billed_90
  from periods p
  left join billed b on b.company_code = p.company_code and b.period_end = p.period_end
  left join paid y on y.company_code = p.company_code and y.period_end = p.period_end
),

nets as (
  select
    s.*,
    cast(s.ar_open - s.retainage_open as decimal(18, 2)) as ar_net,
    cast(s.billings_90 - s.retainage_billed_90 as decimal(18, 2)) as billings_90_net
  from sums s
)

select
  company_code,
  period_end,
  ar_open,
  retainage_open,
  billings_90,
  retainage_billed_90,
  {{ exact_ratio(ar_open * 90, billings_90, 1) }} as dso_gross,
  {{ exact_ratio(ar_net * 90, billings_90_net, 1) }} as dso_net_of_retainage
from nets
