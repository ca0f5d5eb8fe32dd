-- grain: one row per BuildOps project
-- unique: buildops_project_id
-- not_null: buildops_project_id
-- source_job_id (assumed, to confirm) is the service job a converted project grew out of; null
-- for a project sold as one, and for every project when the tenant does not send the field.
select
  trim(id) as buildops_project_id,
  nullif(trim(project_number), '') as project_number,
  trim(name) as project_name,
  nullif(trim(job_id), '') as buildops_job_id,
  nullif(trim(source_job_id), '') as source_job_id,
  contract_amount,
  nullif(trim(status), '') as status,
  version,
  _loaded_at
from raw.buildops__projects
