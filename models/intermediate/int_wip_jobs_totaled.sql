-- grain: one row per active Spectrum job (JC_JOB_MASTER_MC Status_Code A), with its WIP totals as of the as-of date
-- unique: company_code, job_number
-- not_null: company_code, job_number, contract_amount, estimated_cost, cost_to_date, unprocessed_hours, unprocessed_labor_cost, billed_to_date
-- The sums behind marts.wip_schedule (docs/marts.md); the ratios are taken in the mart.
-- Every Spectrum join stays within one company. BuildOps is one tenant = the configured
-- company, so its timesheets only meet that company's jobs (every company when none is set).
-- payroll_through is the latest Work_Date on or before the as-of date: a run for a past
-- as-of date must not see payroll processed after it.
with jobs as (
  select company_code, job_number, customer_code, coalesce(original_contract, 0) as original_contract
  from staging.stg_spectrum__jobs
  where status_code = 'A'
),

payroll as (
  select company_code, max(work_date) as payroll_through
  from staging.stg_spectrum__time_cards
  where work_date <= {{ as_of }}
  group by company_code
),

applications as (
  select
    company_code,
    job_number,
    revised_contract_amount,
    row_number() over (partition by company_code, job_number order by application_number desc) as recency
  from staging.stg_spectrum__billing_applications
  where period_end_date <= {{ as_of }}
),

estimates as (
  -- a blank Projected_Cost means the original estimate still stands, phase by phase
  select company_code, job_number, sum(coalesce(projected_cost, original_est_cost, 0)) as estimated_cost
  from staging.stg_spectrum__phases
  group by company_code, job_number
),

costs as (
  -- AR rows are billing posted to the job, not cost
  select company_code, job_number, sum(tran_amount) as cost_to_date
  from staging.stg_spectrum__job_cost_transactions
  where coalesce(tran_type_code, '') <> 'AR' and tran_date <= {{ as_of }}
  group by company_code, job_number
),

billed as (
  -- every header on the job, signed: credit memos carry negative extensions and subtract
  select company_code, job_number, sum(invoice_extension) as billed_to_date
  from staging.stg_spectrum__invoice_headers
  where job_number is not null and invoice_date <= {{ as_of }}
  group by company_code, job_number
),

unprocessed_timesheets as (
  -- approved labor on the job that payroll has not costed yet (after payroll_through);
  -- each entry costed to the cent (half away from zero) at its labor item's burdened rate
  select
    j.company_code,
    j.job_number,
    coalesce(p.item_code, t.product_id, '(none)') as item_label,
    case
      when p.item_code is not null then 'rate'
      when t.product_id is not null then 'pricebook'
      else 'item'
    end as missing,
    coalesce(t.hours, 0) as hours,
    r.burdened_rate,
    round(coalesce(t.hours, 0) * r.burdened_rate, 2) as labor_cost
  from staging.stg_buildops__timesheets t
  join jobs j
    on j.job_number = t.job_number and ({{ company_code }} = '' or j.company_code = {{ company_code }})
  left join payroll pr on pr.company_code = j.company_code
  left join staging.stg_buildops__products p on p.buildops_product_id = t.product_id
  left join staging.stg_mappings__labor_rates r on r.item_code = p.item_code
  where t.approved_status = 'Approved'
    and t.work_date <= {{ as_of }}
    and (pr.payroll_through is null or t.work_date > pr.payroll_through)
),

unprocessed as (
  select company_code, job_number, sum(hours) as unprocessed_hours, sum(coalesce(labor_cost, 0)) as unprocessed_labor_cost
  from unprocessed_timesheets
  group by company_code, job_number
),

unrated_items as (
  -- labor with no rate still counts its hours; each item is named for the controller
  select company_code, job_number, item_label, missing, sum(hours) as hours
  from unprocessed_timesheets
  where burdened_rate is null
  group by company_code, job_number, item_label, missing
),

unrated_worded as (
  select
    company_code,
    job_number,
    item_label,
    case missing
      when 'rate' then 'Labor item ' || item_label || ' has no rate in labor_rates.csv: '
      when 'pricebook' then 'Labor item ' || item_label || ' is not in the BuildOps pricebook: '
      else 'Timesheets without a labor item: '
    end
    || case
      when hours = cast(hours as decimal(18, 1)) then cast(cast(hours as decimal(18, 1)) as varchar)
      else cast(cast(hours as decimal(18, 2)) as varchar)
    end
    || ' hours not costed' as sentence
  from unrated_items
),

unrated as (
  select
    company_code,
    job_number,
    string_agg(item_label, ', ' order by item_label) as items_without_rate,
    string_agg(sentence, '; ' order by item_label) as unrated_detail
  from unrated_worded
  group by company_code, job_number
)

select
  j.company_code,
  j.job_number,
  j.customer_code,
  pr.payroll_through,
  j.original_contract,
  cast(coalesce(a.revised_contract_amount, j.original_contract) as decimal(18, 2)) as contract_amount,
  cast(coalesce(e.estimated_cost, 0) as decimal(18, 2)) as estimated_cost,
  cast(coalesce(c.cost_to_date, 0) as decimal(18, 2)) as cost_to_date,
  cast(coalesce(u.unprocessed_hours, 0) as decimal(18, 2)) as unprocessed_hours,
  cast(coalesce(u.unprocessed_labor_cost, 0) as decimal(18, 2)) as unprocessed_labor_cost,
  cast(coalesce(b.billed_to_date, 0) as decimal(18, 2)) as billed_to_date,
  ur.items_without_rate,
  ur.unrated_detail
from jobs j
left join payroll pr on pr.company_code = j.company_code
left join applications a on a.company_code = j.company_code and a.job_number = j.job_number and a.recency = 1
left join estimates e on e.company_code = j.company_code and e.job_number = j.job_number
left join costs c on c.company_code = j.company_code and c.job_number = j.job_number
left join billed b on b.company_code = j.company_code and b.job_number = j.job_number
left join unprocessed u on u.company_code = j.company_code and u.job_number = j.job_number
left join unrated ur on ur.company_code = j.company_code and ur.job_number = j.job_number
