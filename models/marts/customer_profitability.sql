-- grain: one row per customer and segment (service, project) with revenue or direct cost in the insight window
-- unique: company_code, customer_code, segment
-- not_null: company_code, customer_code, segment, revenue, labor_cost, labor_burden, unprocessed_labor_cost, other_direct_cost, direct_cost, gross_profit, is_unprofitable
-- check revenue_ties_to_spectrum:
--   select 1
--   from (select coalesce(sum(revenue), 0) as mart from {{ this }}) m,
--        (select coalesce(sum(case when h.transaction_type = 'C' then -abs(coalesce(h.invoice_extension, 0)) + abs(coalesce(h.sales_tax_amount, 0))
--                                  else coalesce(h.invoice_extension, 0) - coalesce(h.sales_tax_amount, 0) end), 0) as spectrum
--         from staging.stg_spectrum__invoice_headers h
--         where h.transaction_type in ('I', 'C') and h.customer_code is not null
--           and h.invoice_date > cast({{ as_of }} - {{ window_months }} * interval '1 month' as date) and h.invoice_date <= {{ as_of }}) s
--   where abs(m.mart - s.spectrum) > 0.01
-- check labor_ties_to_payroll:
--   select 1
--   from (select coalesce(sum(labor_cost), 0) as labor, coalesce(sum(labor_burden), 0) as burden from {{ this }}) m,
--        (select coalesce(sum(amount), 0) as labor, coalesce(sum(burden_amount), 0) as burden
--         from staging.stg_spectrum__time_cards
--         where job_number is not null
--           and work_date > cast({{ as_of }} - {{ window_months }} * interval '1 month' as date) and work_date <= {{ as_of }}) p
--   where abs(m.labor - p.labor) > 0.01 or abs(m.burden - p.burden) > 0.01
-- check figures_add_up:
--   select 1 from {{ this }}
--   where direct_cost <> labor_cost + labor_burden + unprocessed_labor_cost + other_direct_cost
--      or gross_profit <> revenue - direct_cost
--      or net_profit <> gross_profit - overhead_allocated
--      or (revenue = 0 and (gross_margin is not null or net_margin is not null))
-- Is each customer profitable after labor burden and overhead? (contracts: "CFO insights"). The
-- window is the insights.window_months months ending on the as-of date (as-of − N months < date
-- ≤ as-of). Revenue is the Spectrum invoices' extension net of sales tax (credit memos subtract);
-- cost is read from payroll (wages and burden), BuildOps labor payroll has not costed yet, and
-- the other job cost (never PR rows, which payroll already gives). A job's customer is the
-- Spectrum job's. Overhead is insights.overhead_rate × burdened labor, rounded to cents once;
-- with no rate configured it is null, and so are net profit and margin. Decisions:
-- models/marts/README.md.
with bounds as (
  select cast({{ as_of }} - {{ window_months }} * interval '1 month' as date) as window_start
),

revenue as (
  select i.company_code, i.customer_code, i.segment, sum(i.revenue) as revenue
  from intermediate.int_revenue_invoices_signed i
  cross join bounds b
  where i.customer_code is not null and i.invoice_date > b.window_start and i.invoice_date <= {{ as_of }}
  group by i.company_code, i.customer_code, i.segment
),

labor as (
  select j.company_code, j.customer_code, j.segment, sum(t.amount) as labor_cost, sum(coalesce(t.burden_amount, 0)) as labor_burden
  from staging.stg_spectrum__time_cards t
  join intermediate.int_jobs_segmented j on j.company_code = t.company_code and j.job_number = t.job_number
  cross join bounds b
  where j.customer_code is not null and t.work_date > b.window_start and t.work_date <= {{ as_of }}
  group by j.company_code, j.customer_code, j.segment
),

payroll as (
  select company_code, max(work_date) as payroll_through
  from staging.stg_spectrum__time_cards
  where work_date <= {{ as_of }}
  group by company_code
),

-- Approved labor after payroll_through, costed per timesheet at its item's burdened rate, to
-- the cent, as wip_schedule costs it (an item with no rate costs 0).
unprocessed_timesheets as (
  select
    j.company_code,
    j.customer_code,
    j.segment,
    round(coalesce(t.hours, 0) * r.burdened_rate, 2) as labor_cost,
    case when {{ company_code }} = '' or j.company_code = {{ company_code }} then 1 else 0 end as in_tenant
  from staging.stg_buildops__timesheets t
  join intermediate.int_jobs_segmented j on j.job_number = t.job_number
  left join payroll pr on pr.company_code = j.company_code
  left join staging.stg_buildops__products p on p.buildops_product_id = t.product_id
  left join staging.stg_mappings__labor_rates r on r.item_code = p.item_code
  where t.approved_status = 'Approved'
    and t.work_date <= {{ as_of }}
    and (pr.payroll_through is null or t.work_date > pr.payroll_through)
    and j.customer_code is not null
),

unprocessed as (
  select company_code, customer_code, segment, sum(coalesce(labor_cost, 0)) as unprocessed_labor_cost
  from unprocessed_timesheets
  where in_tenant = 1
  group by company_code, customer_code, segment
),

other as (
  select j.company_code, j.customer_code, j.segment, sum(c.tran_amount) as other_direct_cost
  from staging.stg_spectrum__job_cost_transactions c
  join intermediate.int_jobs_segmented j on j.company_code = c.company_code and j.job_number = c.job_number
  cross join bounds b
  where coalesce(c.tran_type_code, '') not in ('AR', 'PR')
    and j.customer_code is not null
    and c.tran_date > b.window_start and c.tran_date <= {{ as_of }}
  group by j.company_code, j.customer_code, j.segment
),

keys as (
  select company_code, customer_code, segment from revenue
  union
  select company_code, customer_code, segment from labor
  union
  select company_code, customer_code, segment from unprocessed
  union
  select company_code, customer_code, segment from other
),

summed as (
  select
    k.company_code,
    k.customer_code,
    k.segment,
    cast(coalesce(rv.revenue, 0) as decimal(18, 2)) as revenue,
    cast(coalesce(l.labor_cost, 0) as decimal(18, 2)) as labor_cost,
    cast(coalesce(l.labor_burden, 0) as decimal(18, 2)) as labor_burden,
    cast(coalesce(u.unprocessed_labor_cost, 0) as decimal(18, 2)) as unprocessed_labor_cost,
    cast(coalesce(o.other_direct_cost, 0) as decimal(18, 2)) as other_direct_cost
  from keys k
  left join revenue rv on rv.company_code = k.company_code and rv.customer_code = k.customer_code and rv.segment = k.segment
  left join labor l on l.company_code = k.company_code and l.customer_code = k.customer_code and l.segment = k.segment
  left join unprocessed u on u.company_code = k.company_code and u.customer_code = k.customer_code and u.segment = k.segment
  left join other o on o.company_code = k.company_code and o.customer_code = k.customer_code and o.segment = k.segment
),

profits as (
  select
    s.*,
    cast(s.labor_cost + s.labor_burden + s.unprocessed_labor_cost + s.other_direct_cost as decimal(18, 2)) as direct_cost,
    cast(s.revenue - (s.labor_cost + s.labor_burden + s.unprocessed_labor_cost + s.other_direct_cost) as decimal(18, 2)) as gross_profit,
    cast(round({{ overhead_rate }} * cast(s.labor_cost + s.labor_burden + s.unprocessed_labor_cost as decimal(38, 2)), 2) as decimal(18, 2)) as overhead_allocated
  from summed s
),

netted as (
  select p.*, cast(p.gross_profit - p.overhead_allocated as decimal(18, 2)) as net_profit
  from profits p
  where p.revenue <> 0 or p.direct_cost <> 0
)

select
  n.company_code,
  n.customer_code,
  c.customer_name,
  n.segment,
  n.revenue,
  n.labor_cost,
  n.labor_burden,
  n.unprocessed_labor_cost,
  n.other_direct_cost,
  n.direct_cost,
  n.gross_profit,
  {{ exact_ratio(n.gross_profit, n.revenue, 4) }} as gross_margin,
  n.overhead_allocated,
  n.net_profit,
  {{ exact_ratio(n.net_profit, n.revenue, 4) }} as net_margin,
  case when coalesce(n.net_profit, n.gross_profit) < 0 then true else false end as is_unprofitable
from netted n
left join staging.stg_spectrum__customers c on c.company_code = n.company_code and c.customer_code = n.customer_code
