-- grain: one row per phase + cost type of each active Spectrum job (Status_Code A) with an estimate or a cost
-- unique: company_code, job_number, phase_code, cost_type
-- not_null: company_code, job_number, estimate, cost_to_date, unprocessed_labor_cost
-- check cost_ties_to_wip_schedule:
--   select 1
--   from marts.wip_schedule w
--   left join (select company_code, job_number, sum(cost_to_date - unprocessed_labor_cost) as processed
--              from {{ this }} group by company_code, job_number) p
--     on p.company_code = w.company_code and p.job_number = w.job_number
--   where abs(coalesce(p.processed, 0) - w.cost_to_date) > 0.01
-- check findings_follow_the_rules:
--   select 1 from {{ this }}
--   where (coalesce(finding, '') = 'over_budget') <> (estimate > 0 and cost_to_date > estimate)
--      or (coalesce(finding, '') = 'no_estimate' and not (estimate = 0 and cost_to_date > 0))
--      or (coalesce(finding, '') = 'trending_over' and (projected_cost is null or estimate <= 0))
--      or (coalesce(finding, '') in ('over_budget', 'trending_over')) <> (overrun is not null)
--      or percent_billed > 1
-- Which cost codes run over budget before the overrun is locked in (contracts: "CFO insights").
-- estimate = Projected_Cost, else Original_Est_Cost, else 0. cost_to_date = the non-AR job cost
-- on the phase + cost type dated on or before as-of, plus the unprocessed labor of approved
-- BuildOps timesheets whose labor item cost_code_map.csv maps here (costed as in wip_schedule).
-- percent_billed = the latest AIA application's Complete_To_Date ÷ Revised_Contract_Amount, else
-- wip_schedule's billed_to_date ÷ contract_amount; at most 1; null when the contract is not
-- positive. projected_cost = cost_to_date ÷ percent_billed once at least 10% is billed. Decisions:
-- models/marts/README.md.
with jobs as (
  select company_code, job_number, customer_code, contract_amount, billed_to_date
  from marts.wip_schedule
),

estimates as (
  select p.company_code, p.job_number, p.phase_code, p.cost_type, sum(coalesce(p.projected_cost, p.original_est_cost, 0)) as estimate
  from staging.stg_spectrum__phases p
  join jobs j on j.company_code = p.company_code and j.job_number = p.job_number
  group by p.company_code, p.job_number, p.phase_code, p.cost_type
),

costs as (
  select c.company_code, c.job_number, c.phase_code, c.cost_type, sum(c.tran_amount) as cost
  from staging.stg_spectrum__job_cost_transactions c
  join jobs j on j.company_code = c.company_code and j.job_number = c.job_number
  where coalesce(c.tran_type_code, '') <> 'AR' and c.tran_date <= {{ as_of }}
  group by c.company_code, c.job_number, c.phase_code, c.cost_type
),

payroll as (
  select company_code, max(work_date) as payroll_through
  from staging.stg_spectrum__time_cards
  where work_date <= {{ as_of }}
  group by company_code
),

unprocessed_timesheets as (
  select
    j.company_code,
    j.job_number,
    m.phase_code,
    m.cost_type,
    round(coalesce(t.hours, 0) * r.burdened_rate, 2) as labor_cost,
    case when {{ company_code }} = '' or j.company_code = {{ company_code }} then 1 else 0 end as in_tenant
  from staging.stg_buildops__timesheets t
  join jobs j on j.job_number = t.job_number
  left join payroll pr on pr.company_code = j.company_code
  join staging.stg_buildops__products p on p.buildops_product_id = t.product_id
  join staging.stg_mappings__cost_code_map m on m.item_code = p.item_code
  left join staging.stg_mappings__labor_rates r on r.item_code = p.item_code
  where t.approved_status = 'Approved'
    and t.work_date <= {{ as_of }}
    and (pr.payroll_through is null or t.work_date > pr.payroll_through)
),

unprocessed as (
  select company_code, job_number, phase_code, cost_type, sum(coalesce(labor_cost, 0)) as unprocessed_labor_cost
  from unprocessed_timesheets
  where in_tenant = 1
  group by company_code, job_number, phase_code, cost_type
),

keys as (
  select company_code, job_number, phase_code, cost_type from estimates
  union
  select company_code, job_number, phase_code, cost_type from costs
  union
  select company_code, job_number, phase_code, cost_type from unprocessed
),

latest_application as (
  select company_code, job_number, complete_to_date, revised_contract_amount
  from (
    select
      company_code,
      job_number,
      coalesce(complete_to_date, 0) as complete_to_date,
      coalesce(revised_contract_amount, 0) as revised_contract_amount,
      row_number() over (partition by company_code, job_number order by application_number desc) as recency
    from staging.stg_spectrum__billing_applications
    where period_end_date <= {{ as_of }}
  ) a
  where recency = 1
),

-- The work done as billed, as an exact fraction billed_n / billed_d (capped at 1 by making it 1 / 1).
billing as (
  select
    j.company_code,
    j.job_number,
    coalesce(a.complete_to_date, j.billed_to_date) as raw_n,
    coalesce(a.revised_contract_amount, j.contract_amount) as raw_d
  from jobs j
  left join latest_application a on a.company_code = j.company_code and a.job_number = j.job_number
),

fraction as (
  select
    company_code,
    job_number,
    case when raw_d > 0 and raw_n >= raw_d then cast(1 as decimal(18, 2)) else raw_n end as billed_n,
    case when raw_d > 0 and raw_n >= raw_d then cast(1 as decimal(18, 2)) else raw_d end as billed_d
  from billing
),

phases as (
  select
    k.company_code,
    k.job_number,
    k.phase_code,
    k.cost_type,
    cast(coalesce(e.estimate, 0) as decimal(18, 2)) as estimate,
    cast(coalesce(c.cost, 0) + coalesce(u.unprocessed_labor_cost, 0) as decimal(38, 2)) as cost_to_date,
    cast(coalesce(u.unprocessed_labor_cost, 0) as decimal(18, 2)) as unprocessed_labor_cost,
    -- widened: products of two amounts need more than 18 digits
    cast(f.billed_n as decimal(38, 2)) as billed_n,
    cast(f.billed_d as decimal(38, 2)) as billed_d,
    case when f.billed_d > 0 and f.billed_n * 10 >= f.billed_d then 1 else 0 end as paced
  from keys k
  left join estimates e on e.company_code = k.company_code and e.job_number = k.job_number and e.phase_code = k.phase_code and e.cost_type = k.cost_type
  left join costs c on c.company_code = k.company_code and c.job_number = k.job_number and c.phase_code = k.phase_code and c.cost_type = k.cost_type
  left join unprocessed u on u.company_code = k.company_code and u.job_number = k.job_number and u.phase_code = k.phase_code and u.cost_type = k.cost_type
  left join fraction f on f.company_code = k.company_code and f.job_number = k.job_number
),

projected as (
  select
    p.*,
    case when p.billed_d > 0 then {{ exact_ratio(p.billed_n, p.billed_d, 4) }} end as percent_billed,
    case when p.paced = 1 then {{ exact_ratio(p.cost_to_date * p.billed_d, p.billed_n, 2) }} end as projected_cost,
    -- trending over: the exact cost ÷ percent against estimate × (1 + tolerance), cross-multiplied
    case
      when p.paced = 1 and p.estimate > 0
        and p.cost_to_date * p.billed_d > cast(p.estimate as decimal(38, 2)) * (1 + {{ overrun_tolerance }}) * p.billed_n then 1
      else 0
    end as trends_over
  from phases p
  where p.estimate <> 0 or p.cost_to_date <> 0
),

found as (
  select
    p.*,
    case
      when p.estimate > 0 and p.cost_to_date > p.estimate then 'over_budget'
      when p.trends_over = 1 then 'trending_over'
      when p.estimate = 0 and p.cost_to_date > 0 then 'no_estimate'
    end as finding
  from projected p
)

select
  f.company_code,
  f.job_number,
  j.customer_code,
  f.phase_code,
  f.cost_type,
  f.estimate,
  cast(f.cost_to_date as decimal(18, 2)) as cost_to_date,
  f.unprocessed_labor_cost,
  f.percent_billed,
  f.projected_cost,
  f.finding,
  cast(
    case
      when f.finding = 'over_budget' then f.cost_to_date - f.estimate
      when f.finding = 'trending_over' then f.projected_cost - f.estimate
    end as decimal(18, 2)
  ) as overrun
from found f
join jobs j on j.company_code = f.company_code and j.job_number = f.job_number
