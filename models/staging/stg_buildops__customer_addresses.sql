-- grain: one row per address of a BuildOps customer
-- unique: buildops_customer_id, position
-- not_null: buildops_customer_id, position
-- address_type: billingAddress or businessAddress. Text is kept as BuildOps holds it
-- (untrimmed inside), since the write-back checks lengths on what it would send.
select
  trim(customer_id) as buildops_customer_id,
  cast(position as integer) as position,
  nullif(trim(address_type), '') as address_type,
  nullif(trim(address_line1), '') as address_line1,
  nullif(trim(address_line2), '') as address_line2,
  nullif(trim(city), '') as city,
  nullif(trim(state), '') as state,
  nullif(trim(zipcode), '') as zip_code,
  _loaded_at
from raw.buildops__customers__addresses
