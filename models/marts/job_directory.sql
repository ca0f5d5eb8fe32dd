-- grain: one row per Spectrum job
-- unique: company_code, job_number
-- not_null: company_code, job_number
-- Names beside codes: the reports show job_description beside every job_number.
select
  j.company_code,
  j.job_number,
  j.job_description,
  j.customer_code,
  j.status_code,
  j.cost_center
from staging.stg_spectrum__jobs j
