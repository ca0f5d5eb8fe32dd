-- grain: one row per customer and compliance type in the user's customer_requirements.csv
-- unique: customer_code, compliance_type
-- not_null: customer_code, compliance_type, minimum_amount
-- What a customer's contract requires of the subs on its jobs (e.g. a COI of at least
-- $2,000,000). Codes are compared as Spectrum holds them: trimmed, upper case.
select
  upper(trim(customer_code)) as customer_code,
  upper(trim(compliance_type)) as compliance_type,
  cast(minimum_amount as decimal(18, 2)) as minimum_amount
from raw.mappings__customer_requirements
