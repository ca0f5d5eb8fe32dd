-- grain: one row per Spectrum vendor (VN_VENDOR_MASTER_MC)
-- unique: company_code, vendor_code
-- not_null: company_code, vendor_code
-- vendor_type S = subcontractor; w9_on_file is the master's Y/N flag, upper-cased.
select
  trim(company_code) as company_code,
  trim(vendor_code) as vendor_code,
  trim(name) as vendor_name,
  nullif(upper(trim(vendor_type)), '') as vendor_type,
  nullif(upper(trim(w9_on_file)), '') as w9_on_file,
  nullif(upper(trim(status)), '') as status,
  _loaded_at
from raw.spectrum__vn_vendor_master_mc
