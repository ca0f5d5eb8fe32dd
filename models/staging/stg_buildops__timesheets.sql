-- grain: one row per BuildOps timesheet entry (every approval status)
-- unique: timesheet_id
-- not_null: timesheet_id
-- work_date is a calendar date already (BuildOps sends workDate as a date, not an instant).
-- product_id is the labor pricebook item (products.id); its code is the labor_rates.csv key.
select
  trim(id) as timesheet_id,
  nullif(trim(employee_id), '') as employee_id,
  nullif(trim(job_id), '') as job_id,
  nullif(trim(job_number), '') as job_number,
  cast(work_date as date) as work_date,
  cast(hours as decimal(18, 4)) as hours,
  nullif(trim(product_id), '') as product_id,
  nullif(trim(approved_status), '') as approved_status,
  version,
  _loaded_at
from raw.buildops__timesheets
