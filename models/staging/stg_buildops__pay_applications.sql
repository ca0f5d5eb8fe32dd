-- grain: one row per BuildOps pay application (BuildOps' own AIA-style progress billing), every status
-- unique: buildops_pay_application_id
-- not_null: buildops_pay_application_id
select
  trim(id) as buildops_pay_application_id,
  nullif(trim(project_id), '') as project_id,
  nullif(trim(job_number), '') as job_number,
  cast(application_number as integer) as application_number,
  cast(period_from as date) as period_from,
  cast(period_to as date) as period_to,
  nullif(trim(status), '') as status,
  audit_last_updated_date as updated_at,
  version,
  _loaded_at
from raw.buildops__pay_applications
