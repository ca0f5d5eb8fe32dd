-- grain: one row per Spectrum module's processing window (SY_PROCESSING_DATES_MC)
-- unique: company_code, module
-- not_null: company_code, module
-- module: AR, AP, JC, GL, PR. A date outside min_date .. max_date is refused by that module.
select
  trim(company_code) as company_code,
  upper(trim(module)) as module,
  cast("current_date" as date) as current_date_value,
  cast(min_date as date) as min_date,
  cast(max_date as date) as max_date,
  _loaded_at
from raw.spectrum__sy_processing_dates_mc
