-- grain: one row per active Spectrum job (JC_JOB_MASTER_MC Status_Code A) as of the as-of date
-- unique: company_code, job_number
-- not_null: company_code, job_number, contract_amount, estimated_cost, cost_to_date, unprocessed_hours, unprocessed_labor_cost, cost_with_unprocessed, billed_to_date
-- check cost_to_date_ties_out:
--   select 1
--   from (select coalesce(sum(cost_to_date), 0) as wip from {{ this }}) w,
--        (select coalesce(sum(t.tran_amount), 0) as spectrum
--         from staging.stg_spectrum__job_cost_transactions t
--         join staging.stg_spectrum__jobs j on j.company_code = t.company_code and j.job_number = t.job_number
--         where j.status_code = 'A' and coalesce(t.tran_type_code, '') <> 'AR' and t.tran_date <= {{ as_of }}) s
--   where abs(w.wip - s.spectrum) > 0.01
-- check billed_to_date_ties_out:
--   select 1
--   from (select coalesce(sum(billed_to_date), 0) as wip from {{ this }}) w,
--        (select coalesce(sum(h.invoice_extension), 0) as spectrum
--         from staging.stg_spectrum__invoice_headers h
--         join staging.stg_spectrum__jobs j on j.company_code = h.company_code and j.job_number = h.job_number
--         where j.status_code = 'A' and h.invoice_date <= {{ as_of }}) s
--   where abs(w.wip - s.spectrum) > 0.01
-- check figures_add_up:
--   select 1 from {{ this }}
--   where cost_with_unprocessed <> cost_to_date + unprocessed_labor_cost
--      or over_under_billing <> billed_to_date - earned_revenue
--      or gross_profit_to_date <> earned_revenue - cost_with_unprocessed
--      or over_under_billing_payroll_only <> billed_to_date - earned_revenue_payroll_only
--      or percent_complete > 1 or percent_complete_payroll_only > 1
--      or (estimated_cost > 0 and (percent_complete is null or earned_revenue is null))
-- Work in progress, over/under billing (docs/marts.md), with and without the labor payroll
-- has not costed yet. A job whose phases carry no estimate (service / T&M jobs) has null
-- ratios and every column derived from them. Rules the contract leaves open:
-- models/marts/README.md.
with totals as (
  select
    t.*,
    cast(t.cost_to_date + t.unprocessed_labor_cost as decimal(18, 2)) as cost_with_unprocessed
  from intermediate.int_wip_jobs_totaled t
),

variants as (
  -- the ratio is taken twice: with the unprocessed labor, and payroll-only
  select company_code, job_number, 'with_unprocessed' as variant, cost_with_unprocessed as cost, estimated_cost, contract_amount
  from totals
  where estimated_cost > 0
  union all
  select company_code, job_number, 'payroll_only' as variant, cost_to_date as cost, estimated_cost, contract_amount
  from totals
  where estimated_cost > 0
),

integers as (
  -- Exact integers (cents, DECIMAL(38,0)): n / e is rounded once, half away from zero.
  -- pct_n / e is the ratio in 1/10,000ths; earned_n / e is earned revenue in cents.
  -- Widened to 38 digits before scaling (DuckDB keeps DECIMAL(18,2) * 100 at 18 digits): two
  -- DECIMAL(18,2) amounts in cents multiply to at most 36 digits, 2·e·q below to 37.
  select
    v.*,
    cast(cast(v.estimated_cost as decimal(38, 2)) * 100 as decimal(38, 0)) as e,
    cast(cast(abs(v.cost) as decimal(38, 2)) * 100 as decimal(38, 0)) * 10000 as pct_n,
    cast(cast(abs(v.cost) as decimal(38, 2)) * 100 as decimal(38, 0))
    * cast(cast(abs(v.contract_amount) as decimal(38, 2)) * 100 as decimal(38, 0)) as earned_n,
    case when v.cost < 0 then -1 else 1 end as pct_sign,
    case when (v.cost < 0) = (v.contract_amount < 0) then 1 else -1 end as earned_sign
  from variants v
),

guessed as (
  -- DuckDB divides DECIMALs in DOUBLE, which misrounds half-cent quotients of large
  -- products: the quotient is only a first guess, made exact below with products.
  select
    i.*,
    cast(round(i.pct_n / i.e) as decimal(38, 0)) as pct_guess,
    cast(round(i.earned_n / i.e) as decimal(38, 0)) as earned_guess
  from integers i
),

rounded as (
  -- q = n / e rounded half away from zero (n >= 0, e > 0) is the integer with
  -- 2·e·q <= 2·n + e < 2·e·(q + 1): step the guess down or up by one where it is off.
  select
    g.*,
    g.pct_guess
    - case when 2 * g.e * g.pct_guess > 2 * g.pct_n + g.e then 1 else 0 end
    + case when 2 * g.e * (g.pct_guess + 1) <= 2 * g.pct_n + g.e then 1 else 0 end as pct_q,
    g.earned_guess
    - case when 2 * g.e * g.earned_guess > 2 * g.earned_n + g.e then 1 else 0 end
    + case when 2 * g.e * (g.earned_guess + 1) <= 2 * g.earned_n + g.e then 1 else 0 end as earned_q
  from guessed g
),

ratios as (
  -- at or past the estimate the job is 100% complete and has earned its whole contract
  select
    company_code,
    job_number,
    variant,
    case
      when cost >= estimated_cost then cast(1 as decimal(9, 4))
      else cast(pct_sign * pct_q * 0.0001 as decimal(9, 4))
    end as percent_complete,
    case
      when cost >= estimated_cost then contract_amount
      else cast(earned_sign * earned_q * 0.01 as decimal(18, 2))
    end as earned_revenue
  from rounded
),

over_budget as (
  select
    t.company_code,
    t.job_number,
    'Over budget: cost ' || {{ money_text(t.cost_with_unprocessed) }}
    || ' with unprocessed labor exceeds the estimate ' || {{ money_text(t.estimated_cost) }} as sentence
  from totals t
  where t.cost_with_unprocessed > t.estimated_cost and t.estimated_cost > 0
)

select
  t.company_code,
  t.job_number,
  t.customer_code,
  t.payroll_through,
  t.original_contract,
  t.contract_amount,
  t.estimated_cost,
  t.cost_to_date,
  t.unprocessed_hours,
  t.unprocessed_labor_cost,
  t.cost_with_unprocessed,
  w.percent_complete,
  w.earned_revenue,
  t.billed_to_date,
  cast(t.billed_to_date - w.earned_revenue as decimal(18, 2)) as over_under_billing,
  cast(w.earned_revenue - t.cost_with_unprocessed as decimal(18, 2)) as gross_profit_to_date,
  p.percent_complete as percent_complete_payroll_only,
  p.earned_revenue as earned_revenue_payroll_only,
  cast(t.billed_to_date - p.earned_revenue as decimal(18, 2)) as over_under_billing_payroll_only,
  t.items_without_rate,
  -- Cost beyond a non-zero estimate (with unprocessed labor): the overrun; 0 within budget.
  cast(case when t.estimated_cost > 0 and t.cost_with_unprocessed > t.estimated_cost then t.cost_with_unprocessed - t.estimated_cost else 0 end as decimal(18, 2)) as amount_at_risk,
  nullif(
    concat_ws(
      '; ',
      ob.sentence,
      case
        when t.estimated_cost <= 0
          then 'No estimate: the phases of job ' || t.job_number
          || ' carry no projected or original cost, so percent complete, earned revenue and over/under billing are not computed'
      end,
      t.unrated_detail
    ),
    ''
  ) as detail
from totals t
left join ratios w on w.company_code = t.company_code and w.job_number = t.job_number and w.variant = 'with_unprocessed'
left join ratios p on p.company_code = t.company_code and p.job_number = t.job_number and p.variant = 'payroll_only'
left join over_budget ob on ob.company_code = t.company_code and ob.job_number = t.job_number
