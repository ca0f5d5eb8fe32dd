-- grain: one row per phase + cost type of a Spectrum job (JC_PHASE_MASTER_MC)
-- unique: company_code, job_number, phase_code, cost_type
-- not_null: company_code, job_number, phase_code, cost_type
-- status_code: A active, I inactive, C complete. A blank Projected_Cost (NULL here) means the
-- original estimate still stands.
select
  trim(company_code) as company_code,
  trim(job_number) as job_number,
  trim(phase_code) as phase_code,
  upper(trim(cost_type)) as cost_type,
  nullif(trim(description), '') as description,
  upper(trim(status_code)) as status_code,
  cast(original_est_cost as decimal(18, 2)) as original_est_cost,
  cast(projected_cost as decimal(18, 2)) as projected_cost,
  _loaded_at
from raw.spectrum__jc_phase_master_mc
