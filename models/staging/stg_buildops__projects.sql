-- grain: one row per BuildOps project
-- unique: buildops_project_id
-- not_null: buildops_project_id
select
  trim(id) as buildops_project_id,
  nullif(trim(project_number), '') as project_number,
  nullif(trim(name), '') as project_name,
  nullif(trim(job_id), '') as buildops_job_id,
  cast(contract_amount as decimal(18, 2)) as contract_amount,
  cast(retainage_percent as decimal(9, 4)) as retainage_percent,
  nullif(trim(status), '') as status,
  version,
  _loaded_at
from raw.buildops__projects
