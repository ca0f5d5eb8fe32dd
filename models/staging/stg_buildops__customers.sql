-- grain: one row per BuildOps customer
-- unique: buildops_customer_id
-- not_null: buildops_customer_id
-- accounting_ref_id is the Spectrum customer code the customer was imported from (or synced to).
select
  trim(id) as buildops_customer_id,
  nullif(trim(customer_number), '') as customer_number,
  trim(name) as customer_name,
  nullif(trim(status), '') as status,
  is_active,
  nullif(trim(phone_primary), '') as phone_primary,
  nullif(trim(accounting_ref_id), '') as accounting_ref_id,
  version,
  _loaded_at
from raw.buildops__customers
