-- grain: one row per BuildOps labor item code in the user's labor_rates.csv
-- unique: item_code
-- not_null: item_code, burdened_rate
select
  item_code,
  cast(burdened_rate as decimal(18, 4)) as burdened_rate
from raw.mappings__labor_rates
