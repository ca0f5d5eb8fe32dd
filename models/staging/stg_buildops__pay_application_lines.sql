-- grain: one row per line of a BuildOps pay application (position 1-based, as extracted)
-- unique: buildops_pay_application_id, position
-- not_null: buildops_pay_application_id, position
select
  trim(pay_application_id) as buildops_pay_application_id,
  cast(position as integer) as position,
  nullif(trim(item_number), '') as item_number,
  nullif(trim(description), '') as description,
  cast(scheduled_value as decimal(18, 2)) as scheduled_value,
  cast(previous_completed as decimal(18, 2)) as previous_completed,
  cast(this_period as decimal(18, 2)) as this_period,
  cast(materials_stored as decimal(18, 2)) as materials_stored,
  cast(completed_to_date as decimal(18, 2)) as completed_to_date,
  cast(retainage_amount as decimal(18, 2)) as retainage_amount,
  _loaded_at
from raw.buildops__pay_applications__lines
