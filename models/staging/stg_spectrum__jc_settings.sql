-- grain: one row per company's job-cost installation settings (JC_INSTALLATION_MC)
-- unique: company_code
-- not_null: company_code
-- phase_mask: `9` is a digit; other characters (dashes) are display separators only.
select
  trim(company_code) as company_code,
  nullif(trim(phase_mask), '') as phase_mask,
  upper(trim(utilize_tax_classification)) as utilize_tax_classification,
  upper(trim(cost_center_enabled)) as cost_center_enabled,
  _loaded_at
from raw.spectrum__jc_installation_mc
