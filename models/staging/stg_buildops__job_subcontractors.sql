-- grain: one row per subcontractor assignment on a BuildOps job (jobs.assignedSubcontractors)
-- unique: buildops_job_id, position
-- not_null: buildops_job_id, position
-- position is 1-based (the loader's child-table key). vendor_accounting_ref_id is the job's
-- copy of the vendor's Spectrum Vendor_Code; end_date null = open-ended.
select
  trim(job_id) as buildops_job_id,
  position,
  nullif(trim(vendor_id), '') as buildops_vendor_id,
  nullif(trim(vendor_accounting_ref_id), '') as vendor_accounting_ref_id,
  cast(start_date as date) as start_date,
  cast(end_date as date) as end_date,
  _loaded_at
from raw.buildops__jobs__assigned_subcontractors
