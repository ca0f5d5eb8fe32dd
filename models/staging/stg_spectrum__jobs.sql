-- grain: one row per Spectrum job (JC_JOB_MASTER_MC)
-- unique: company_code, job_number
-- not_null: company_code, job_number
-- status_code: A active, I inactive, C complete.
select
  trim(company_code) as company_code,
  trim(job_number) as job_number,
  nullif(trim(job_description), '') as job_description,
  upper(trim(status_code)) as status_code,
  nullif(trim(customer_code), '') as customer_code,
  nullif(trim(cost_center), '') as cost_center,
  nullif(trim(division), '') as division,
  cast(original_contract as decimal(18, 2)) as original_contract,
  nullif(trim(sales_tax_code), '') as sales_tax_code,
  nullif(trim(tax_class_code), '') as tax_class_code,
  cast(retention_percent as decimal(9, 4)) as retention_percent,
  nullif(upper(trim(price_method_code)), '') as price_method_code,
  _loaded_at
from raw.spectrum__jc_job_master_mc
