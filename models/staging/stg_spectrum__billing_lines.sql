-- grain: one row per line (schedule-of-values item) of a Spectrum AIA application (CR_BILL_DETAIL_MC)
-- unique: company_code, job_number, application_number, item_number
-- not_null: company_code, job_number, application_number, item_number
select
  trim(company_code) as company_code,
  trim(job_number) as job_number,
  cast(application_number as integer) as application_number,
  trim(item_number) as item_number,
  nullif(trim(description), '') as description,
  cast(scheduled_value as decimal(18, 2)) as scheduled_value,
  cast(previous_complete as decimal(18, 2)) as previous_complete,
  cast(this_period as decimal(18, 2)) as this_period,
  cast(stored_materials as decimal(18, 2)) as stored_materials,
  cast(complete_to_date as decimal(18, 2)) as complete_to_date,
  cast(retention_amount as decimal(18, 2)) as retention_amount,
  _loaded_at
from raw.spectrum__cr_bill_detail_mc
