-- grain: one row per company, as of the as-of date
-- unique: company_code
-- not_null: company_code, as_of, ar_open, retainage_open, billings_90, retainage_billed_90, ap_open, ap_cost_90, over_under_billing
-- check dso_equals_the_trend_last_row:
--   select 1 from {{ this }} c
--   left join (select * from marts.dso_trend where period_end = {{ as_of }}) t on t.company_code = c.company_code
--   where t.company_code is null
--      or t.ar_open <> c.ar_open or t.retainage_open <> c.retainage_open
--      or coalesce(t.dso_gross, -999999) <> coalesce(c.dso_gross, -999999)
--      or coalesce(t.dso_net_of_retainage, -999999) <> coalesce(c.dso_net_of_retainage, -999999)
-- The true cash conversion cycle, net of retainage (contracts: "CFO insights"): DSO gross and
-- net of retainage as of the as-of date (the same sums as dso_trend's last row, computed here
-- on their own), retainage_days = their difference from the unrounded values, DPO = Σ open AP
-- ÷ AP job cost of the last 90 days × 90, billing_days = − Σ wip_schedule.over_under_billing ÷
-- (billings_90 ÷ 90). Each ratio is rounded once, to one decimal, from exact sums;
-- cash_conversion_days = dso_net_of_retainage + billing_days − dpo is the sum of the three
-- exact to 6 decimals, rounded to one (null when any of them is).
with invoices as (
  select company_code, customer_code, invoice_number, invoice_date, gross, retention
  from intermediate.int_revenue_invoices_signed
  where invoice_date <= {{ as_of }}
),

billed as (
  select
    company_code,
    sum(gross) as gross_billed,
    sum(retention) as retention_billed,
    sum(case when invoice_date > {{ as_of }} - 90 then gross else 0 end) as billings_90,
    sum(case when invoice_date > {{ as_of }} - 90 then retention else 0 end) as retainage_billed_90
  from invoices
  group by company_code
),

paid as (
  select p.company_code, sum(p.amount) as paid, sum(case when p.invoice_type = 'R' then p.amount else 0 end) as retention_paid
  from staging.stg_spectrum__pay_adjustments p
  join invoices i on i.company_code = p.company_code and i.customer_code = p.customer_code and i.invoice_number = p.invoice_number
  where p.transaction_date <= {{ as_of }}
  group by p.company_code
),

ap_open as (
  select company_code, sum(open_amount) as ap_open
  from staging.stg_spectrum__vendor_open_items
  group by company_code
),

ap_cost as (
  select company_code, sum(tran_amount) as ap_cost_90
  from staging.stg_spectrum__job_cost_transactions
  where tran_type_code = 'AP' and tran_date > {{ as_of }} - 90 and tran_date <= {{ as_of }}
  group by company_code
),

wip as (
  select company_code, sum(over_under_billing) as over_under_billing
  from marts.wip_schedule
  where over_under_billing is not null
  group by company_code
),

sums as (
  select
    b.company_code,
    cast(b.gross_billed - coalesce(y.paid, 0) as decimal(18, 2)) as ar_open,
    cast(b.retention_billed - coalesce(y.retention_paid, 0) as decimal(18, 2)) as retainage_open,
    cast(b.billings_90 as decimal(18, 2)) as billings_90,
    cast(b.retainage_billed_90 as decimal(18, 2)) as retainage_billed_90,
    cast(coalesce(a.ap_open, 0) as decimal(18, 2)) as ap_open,
    cast(coalesce(c.ap_cost_90, 0) as decimal(18, 2)) as ap_cost_90,
    cast(coalesce(w.over_under_billing, 0) as decimal(18, 2)) as over_under_billing
  from (select distinct company_code from marts.dso_trend) k
  join billed b on b.company_code = k.company_code
  left join paid y on y.company_code = b.company_code
  left join ap_open a on a.company_code = b.company_code
  left join ap_cost c on c.company_code = b.company_code
  left join wip w on w.company_code = b.company_code
),

nets as (
  select
    s.*,
    -- widened: the retainage days multiply two amounts
    cast(s.ar_open as decimal(38, 2)) as ar_open_wide,
    cast(s.billings_90 as decimal(38, 2)) as billings_90_wide,
    cast(s.ar_open - s.retainage_open as decimal(38, 2)) as ar_net,
    cast(s.billings_90 - s.retainage_billed_90 as decimal(38, 2)) as billings_90_net
  from sums s
),

parts as (
  select
    n.*,
    {{ exact_ratio(n.ar_open * 90, n.billings_90, 1) }} as dso_gross,
    {{ exact_ratio(n.ar_net * 90, n.billings_90_net, 1) }} as dso_net_of_retainage,
    {{ exact_ratio(90 * (n.ar_open_wide * n.billings_90_net - n.ar_net * n.billings_90_wide), n.billings_90_wide * n.billings_90_net, 1) }} as retainage_days,
    {{ exact_ratio(n.ap_open * 90, n.ap_cost_90, 1) }} as dpo,
    {{ exact_ratio(-n.over_under_billing * 90, n.billings_90, 1) }} as billing_days,
    {{ exact_ratio(n.ar_net * 90, n.billings_90_net, 6) }} as dso_net_6,
    {{ exact_ratio(-n.over_under_billing * 90, n.billings_90, 6) }} as billing_days_6,
    {{ exact_ratio(n.ap_open * 90, n.ap_cost_90, 6) }} as dpo_6
  from nets n
)

select
  company_code,
  {{ as_of }} as as_of,
  ar_open,
  retainage_open,
  billings_90,
  retainage_billed_90,
  dso_gross,
  dso_net_of_retainage,
  retainage_days,
  ap_open,
  ap_cost_90,
  dpo,
  over_under_billing,
  billing_days,
  cast(round(dso_net_6 + billing_days_6 - dpo_6, 1) as decimal(18, 1)) as cash_conversion_days
from parts
