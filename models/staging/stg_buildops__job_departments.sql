-- grain: one row per department of a BuildOps job
-- unique: buildops_job_id, position
-- not_null: buildops_job_id, position
select
  trim(job_id) as buildops_job_id,
  cast(position as integer) as position,
  nullif(trim(id), '') as buildops_department_id,
  nullif(trim(name), '') as department_name,
  _loaded_at
from raw.buildops__jobs__departments
