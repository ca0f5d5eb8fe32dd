-- grain: one row per line of an AIA application: Spectrum (CR_BILL_DETAIL_MC, the run's company) and BuildOps pay applications (every status)
-- unique: source_system, company_code, job_number, application_number, buildops_pay_application_id, line_key
-- not_null: source_system, company_code, application_number, line_key, scheduled_value, previous_complete, complete_to_date
-- line_key is the line's key within its application: Spectrum's Item_Number, the BuildOps
-- line's position. Each line beside application n − 1 of the same job and system: prior_application_found says
-- whether that application exists (application 1 never has one), prior_complete_to_date is
-- that application's completed-to-date for the same item (0 when the item was not on it).
-- BuildOps pay applications form one series per job number; should two share a job and a
-- number, the one updated last is the prior of application n + 1.
with company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__billing_applications), '') as company_code
),

spectrum_applications as (
  select *
  from staging.stg_spectrum__billing_applications
  where company_code = {{ company_code }} or {{ company_code }} = ''
),

spectrum_lines as (
  select
    'spectrum' as source_system,
    l.company_code,
    l.job_number,
    l.application_number,
    cast(null as varchar) as buildops_pay_application_id,
    cast(null as varchar) as status,
    l.item_number,
    l.item_number as line_key,
    l.description,
    coalesce(l.scheduled_value, 0) as scheduled_value,
    coalesce(l.previous_complete, 0) as previous_complete,
    coalesce(l.complete_to_date, 0) as complete_to_date,
    case when p.application_number is null then false else true end as prior_application_found,
    case when p.application_number is not null then coalesce(pl.complete_to_date, 0) end as prior_complete_to_date
  from staging.stg_spectrum__billing_lines l
  left join spectrum_applications p
    on p.company_code = l.company_code and p.job_number = l.job_number and p.application_number = l.application_number - 1
  left join staging.stg_spectrum__billing_lines pl
    on pl.company_code = p.company_code and pl.job_number = p.job_number and pl.application_number = p.application_number and pl.item_number = l.item_number
  where l.company_code = {{ company_code }} or {{ company_code }} = ''
),

pay_applications as (
  select
    p.*,
    row_number() over (
      partition by p.job_number, p.application_number
      order by p.updated_at desc, p.buildops_pay_application_id desc
    ) as nth
  from staging.stg_buildops__pay_applications p
),

pay_lines_by_item as (
  select buildops_pay_application_id, item_number, sum(coalesce(completed_to_date, 0)) as complete_to_date
  from staging.stg_buildops__pay_application_lines
  where item_number is not null
  group by buildops_pay_application_id, item_number
),

buildops_lines as (
  select
    'buildops' as source_system,
    (select company_code from company) as company_code,
    a.job_number,
    a.application_number,
    a.buildops_pay_application_id,
    a.status,
    l.item_number,
    cast(l.position as varchar) as line_key,
    l.description,
    coalesce(l.scheduled_value, 0) as scheduled_value,
    coalesce(l.previous_completed, 0) as previous_complete,
    coalesce(l.completed_to_date, 0) as complete_to_date,
    case when p.buildops_pay_application_id is null then false else true end as prior_application_found,
    case when p.buildops_pay_application_id is not null then coalesce(pl.complete_to_date, 0) end as prior_complete_to_date
  from staging.stg_buildops__pay_application_lines l
  join pay_applications a on a.buildops_pay_application_id = l.buildops_pay_application_id
  left join pay_applications p
    on p.nth = 1 and p.job_number = a.job_number and p.application_number = a.application_number - 1
  left join pay_lines_by_item pl
    on pl.buildops_pay_application_id = p.buildops_pay_application_id and pl.item_number = l.item_number
)

select
  source_system,
  company_code,
  job_number,
  application_number,
  buildops_pay_application_id,
  status,
  item_number,
  line_key,
  description,
  cast(scheduled_value as decimal(18, 2)) as scheduled_value,
  cast(previous_complete as decimal(18, 2)) as previous_complete,
  cast(complete_to_date as decimal(18, 2)) as complete_to_date,
  prior_application_found,
  cast(prior_complete_to_date as decimal(18, 2)) as prior_complete_to_date
from spectrum_lines
union all
select
  source_system,
  company_code,
  job_number,
  application_number,
  buildops_pay_application_id,
  status,
  item_number,
  line_key,
  description,
  cast(scheduled_value as decimal(18, 2)) as scheduled_value,
  cast(previous_complete as decimal(18, 2)) as previous_complete,
  cast(complete_to_date as decimal(18, 2)) as complete_to_date,
  prior_application_found,
  cast(prior_complete_to_date as decimal(18, 2)) as prior_complete_to_date
from buildops_lines
where application_number is not null
