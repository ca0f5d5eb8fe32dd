-- grain: one row per Spectrum general-ledger account (GL_MASTER_MC)
-- unique: company_code, gl_account
-- not_null: company_code, gl_account
-- cost_type is the one cost type allowed with the account; a blank Cost_Type (NULL or spaces
-- in Spectrum) is NULL here and allows any cost type.
select
  trim(company_code) as company_code,
  trim(gl_account) as gl_account,
  nullif(trim(description), '') as description,
  nullif(trim(account_type), '') as account_type,
  nullif(upper(trim(is_direct_cost)), '') as is_direct_cost,
  nullif(upper(trim(cost_type)), '') as cost_type,
  _loaded_at
from raw.spectrum__gl_master_mc
