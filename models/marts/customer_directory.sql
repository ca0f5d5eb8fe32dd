-- grain: one row per Spectrum customer
-- unique: company_code, customer_code
-- not_null: company_code, customer_code
-- Names beside codes: the reports show customer_name beside every customer_code, and the AR
-- feed carries the address, phone and terms from here. (No email: neither Spectrum's customer
-- master nor the BuildOps customer record of the contract carries one.)
select
  c.company_code,
  c.customer_code,
  c.customer_name,
  c.address_1,
  c.address_2,
  c.city,
  c.state,
  c.zip_code,
  c.phone,
  c.terms_code,
  c.status
from staging.stg_spectrum__customers c
