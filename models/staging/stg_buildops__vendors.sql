-- grain: one row per BuildOps vendor
-- unique: buildops_vendor_id
-- not_null: buildops_vendor_id
-- accounting_ref_id is the Spectrum Vendor_Code the vendor was imported from.
select
  trim(id) as buildops_vendor_id,
  trim(name) as vendor_name,
  nullif(trim(accounting_ref_id), '') as accounting_ref_id,
  is_subcontractor,
  version,
  _loaded_at
from raw.buildops__vendors
