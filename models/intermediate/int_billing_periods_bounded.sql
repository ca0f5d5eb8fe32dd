-- grain: one row per Spectrum AIA application of the run's company, with the period it covers
-- unique: company_code, job_number, application_number
-- not_null: company_code, job_number, application_number, period_start, period_end
-- A period runs from the day after the job's previous application's Period_End_Date (the
-- previous by application number), or from the first day of its Period_End_Date's month for
-- the job's first application, through Period_End_Date (docs/marts.md). Spectrum rows
-- stay within the run's company (every company when none is configured).
with applications as (
  select *
  from staging.stg_spectrum__billing_applications
  where company_code = {{ company_code }} or {{ company_code }} = ''
),

bounded as (
  select
    a.company_code,
    a.job_number,
    a.application_number,
    lag(a.period_end_date) over (partition by a.company_code, a.job_number order by a.application_number) as previous_period_end,
    a.period_end_date as period_end,
    a.invoice_number,
    a.revised_contract_amount,
    a.complete_to_date,
    a.amount_due
  from applications a
)

select
  company_code,
  job_number,
  application_number,
  coalesce(previous_period_end + 1, period_end - cast(extract(day from period_end) as integer) + 1) as period_start,
  period_end,
  invoice_number,
  revised_contract_amount,
  complete_to_date,
  amount_due
from bounded
