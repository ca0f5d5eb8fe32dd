-- grain: one row per Spectrum customer (CR_CUSTOMER_MASTER_MC)
-- unique: company_code, customer_code
-- not_null: company_code, customer_code
select
  trim(company_code) as company_code,
  trim(customer_code) as customer_code,
  trim(name) as customer_name,
  nullif(trim(address_1), '') as address_1,
  nullif(trim(address_2), '') as address_2,
  nullif(trim(city), '') as city,
  nullif(trim(state), '') as state,
  nullif(trim(zip_code), '') as zip_code,
  nullif(trim(phone), '') as phone,
  nullif(trim(terms_code), '') as terms_code,
  upper(trim(status)) as status,
  _loaded_at
from raw.spectrum__cr_customer_master_mc
