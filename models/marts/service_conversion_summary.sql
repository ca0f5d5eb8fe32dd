-- grain: one row per project origin (converted, de_novo; or not_available when the source does not say)
-- unique: company_code, origin
-- not_null: company_code, origin, projects, revenue_to_date, cost_to_date
-- check ties_to_service_conversion:
--   select 1
--   from (select count(*) as n, coalesce(sum(revenue_to_date), 0) as r, coalesce(sum(cost_to_date), 0) as c from marts.service_conversion) d,
--        (select coalesce(sum(projects), 0) as n, coalesce(sum(revenue_to_date), 0) as r, coalesce(sum(cost_to_date), 0) as c from {{ this }}) s
--   where d.n <> s.n or d.r <> s.r or d.c <> s.c
-- The two groups of marts.service_conversion side by side: projects, revenue, cost, and the
-- weighted gross margin (Σ revenue − Σ cost) ÷ Σ revenue, 4 decimals (null when Σ revenue is 0).
with groups as (
  select
    company_code,
    origin,
    count(*) as projects,
    cast(sum(revenue_to_date) as decimal(18, 2)) as revenue_to_date,
    cast(sum(cost_to_date) as decimal(18, 2)) as cost_to_date
  from marts.service_conversion
  group by company_code, origin
)

select
  company_code,
  origin,
  projects,
  revenue_to_date,
  cost_to_date,
  cast(revenue_to_date - cost_to_date as decimal(18, 2)) as gross_profit,
  {{ exact_ratio(revenue_to_date - cost_to_date, revenue_to_date, 4) }} as weighted_gross_margin
from groups
