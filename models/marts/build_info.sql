-- grain: one row: the as-of date, company and model run the marts were last built for
-- unique: as_of
-- not_null: as_of, run_id, built_at
-- Written by every model run (it reads nothing, so it is always built): the reports take their
-- as-of date from here and refuse another, so a report never claims a date its figures are not of.
select
  cast({{ as_of }} as date) as as_of,
  nullif(cast({{ company_code }} as varchar), '') as company_code,
  cast({{ run_id }} as varchar) as run_id,
  current_timestamp as built_at
