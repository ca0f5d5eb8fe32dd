-- grain: one row per Spectrum job, with its segment for the CFO insights
-- unique: company_code, job_number
-- not_null: company_code, job_number, segment
-- A job is project work when its BuildOps job has a projectId or the Spectrum job has AIA
-- billing applications; else service work (contracts: "CFO insights"). BuildOps is one tenant of
-- the configured company, so its projects mark only that company's jobs (every company when none is set).
with buildops_projects as (
  select job_number
  from staging.stg_buildops__jobs
  where project_id is not null and job_number is not null
  group by job_number
),

applications as (
  select company_code, job_number
  from staging.stg_spectrum__billing_applications
  group by company_code, job_number
)

select
  j.company_code,
  j.job_number,
  j.customer_code,
  j.status_code,
  j.original_contract,
  case
    when a.job_number is not null then 'project'
    when p.job_number is not null and ({{ company_code }} = '' or j.company_code = {{ company_code }}) then 'project'
    else 'service'
  end as segment
from staging.stg_spectrum__jobs j
left join buildops_projects p on p.job_number = j.job_number
left join applications a on a.company_code = j.company_code and a.job_number = j.job_number
