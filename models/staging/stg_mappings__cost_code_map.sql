-- grain: one row per BuildOps pricebook item code in the user's cost_code_map.csv
-- unique: item_code
-- not_null: item_code, phase_code, cost_type
-- The extractor already trimmed the codes and quarantined blank or repeated item codes.
select
  item_code,
  phase_code,
  cost_type
from raw.mappings__cost_code_map
