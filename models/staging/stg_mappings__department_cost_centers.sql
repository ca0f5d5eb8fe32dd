-- grain: one row per BuildOps department name in the user's department_cost_centers.csv
-- unique: department_name
-- not_null: department_name, cost_center
select
  department_name,
  cost_center
from raw.mappings__department_cost_centers
