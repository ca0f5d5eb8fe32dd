-- grain: one row per phase code + cost type with a finding (over budget, trending over, no estimate) on any active job
-- unique: company_code, phase_code, cost_type
-- not_null: company_code, jobs_over_budget, jobs_trending_over, jobs_no_estimate, overrun_amount, projected_overrun_amount
-- check sums_tie_to_phase_budgets:
--   select 1
--   from (select coalesce(sum(overrun_amount), 0) as o, coalesce(sum(projected_overrun_amount), 0) as p from {{ this }}) m,
--        (select coalesce(sum(case when finding = 'over_budget' then overrun end), 0) as o,
--                coalesce(sum(case when finding = 'trending_over' then overrun end), 0) as p
--         from marts.phase_budgets) b
--   where m.o <> b.o or m.p <> b.p
-- Cost codes running over across the active jobs (contracts: "CFO insights"): overrun_amount =
-- Σ the over_budget overruns, projected_overrun_amount = Σ the trending_over ones; the worst job
-- is the one with the largest overrun of either kind (the lower job number on a tie).
with findings as (
  select company_code, job_number, phase_code, cost_type, finding, overrun
  from marts.phase_budgets
  where finding is not null
),

ranked as (
  select
    f.*,
    row_number() over (partition by f.company_code, f.phase_code, f.cost_type order by f.overrun desc, f.job_number) as rank_in_code
  from findings f
  where f.overrun is not null
),

worst as (
  select company_code, phase_code, cost_type, job_number, overrun
  from ranked
  where rank_in_code = 1
),

totals as (
  select
    company_code,
    phase_code,
    cost_type,
    sum(case when finding = 'over_budget' then 1 else 0 end) as jobs_over_budget,
    sum(case when finding = 'trending_over' then 1 else 0 end) as jobs_trending_over,
    sum(case when finding = 'no_estimate' then 1 else 0 end) as jobs_no_estimate,
    cast(coalesce(sum(case when finding = 'over_budget' then overrun end), 0) as decimal(18, 2)) as overrun_amount,
    cast(coalesce(sum(case when finding = 'trending_over' then overrun end), 0) as decimal(18, 2)) as projected_overrun_amount
  from findings
  group by company_code, phase_code, cost_type
)

select
  t.company_code,
  t.phase_code,
  t.cost_type,
  t.jobs_over_budget,
  t.jobs_trending_over,
  t.jobs_no_estimate,
  t.overrun_amount,
  t.projected_overrun_amount,
  cast(t.overrun_amount + t.projected_overrun_amount as decimal(18, 2)) as total_overrun_amount,
  w.job_number as worst_job_number,
  w.overrun as worst_job_overrun
from totals t
left join worst w on w.company_code = t.company_code and w.phase_code = t.phase_code and w.cost_type = t.cost_type
