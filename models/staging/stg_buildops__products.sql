-- grain: one row per BuildOps pricebook item (product), active or not
-- unique: buildops_product_id
-- not_null: buildops_product_id, is_active
-- item_code is the pricebook code that cost_code_map.csv and labor_rates.csv are keyed by.
select
  trim(id) as buildops_product_id,
  nullif(trim(code), '') as item_code,
  trim(name) as product_name,
  nullif(lower(trim(type)), '') as product_type,
  coalesce(is_active, false) as is_active,
  nullif(trim(gl_expense_account), '') as gl_expense_account,
  nullif(trim(gl_revenue_account), '') as gl_revenue_account,
  nullif(upper(trim(cost_type)), '') as cost_type,
  cast(unit_price as decimal(18, 4)) as unit_price,
  version,
  _loaded_at
from raw.buildops__products
