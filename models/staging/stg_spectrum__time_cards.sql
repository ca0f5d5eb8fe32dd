-- grain: one row per Spectrum payroll time card history row (PR_TIME_CARD_HISTORY_MC)
-- not_null: company_code, work_date
-- Payroll has costed labor through the latest work_date of a company (marts.wip_schedule).
select
  trim(company_code) as company_code,
  nullif(trim(employee_code), '') as employee_code,
  nullif(trim(job_number), '') as job_number,
  nullif(trim(phase_code), '') as phase_code,
  nullif(trim(cost_type), '') as cost_type,
  cast(work_date as date) as work_date,
  cast(hours as decimal(18, 4)) as hours,
  cast(amount as decimal(18, 2)) as amount,
  cast(burden_amount as decimal(18, 2)) as burden_amount,
  cast(check_date as date) as check_date,
  day_seq,
  _loaded_at
from raw.spectrum__pr_time_card_history_mc
