-- grain: one row per BuildOps job
-- unique: buildops_job_id
-- not_null: buildops_job_id
-- job_number is the Spectrum Job_Number once the job is exported; project_id is null for
-- service work. Subcontractor assignments are in stg_buildops__job_subcontractors.
select
  trim(id) as buildops_job_id,
  nullif(trim(job_number), '') as job_number,
  trim(name) as job_name,
  nullif(trim(job_type_name), '') as job_type_name,
  nullif(trim(status), '') as status,
  nullif(trim(customer_id), '') as customer_id,
  nullif(trim(billing_customer_id), '') as billing_customer_id,
  nullif(trim(customer_property_id), '') as customer_property_id,
  nullif(trim(project_id), '') as project_id,
  nullif(trim(tax_rate_name), '') as tax_rate_name,
  is_progress_billed,
  nullif(trim(accounting_ref_id), '') as accounting_ref_id,
  nullif(trim(sync_status), '') as sync_status,
  version,
  audit_created_date as created_at,
  audit_last_updated_date as updated_at,
  _loaded_at
from raw.buildops__jobs
