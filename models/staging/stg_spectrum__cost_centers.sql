-- grain: one row per Spectrum GL cost center (GL_MASTER_COST_CENTERS_MC)
-- unique: company_code, cost_center
-- not_null: company_code, cost_center
select
  trim(company_code) as company_code,
  trim(cost_center) as cost_center,
  nullif(trim(description), '') as description,
  upper(trim(status)) as status,
  _loaded_at
from raw.spectrum__gl_master_cost_centers_mc
