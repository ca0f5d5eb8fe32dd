-- grain: one row per BuildOps project
-- unique: project_id
-- not_null: company_code, project_id, origin, revenue_to_date, cost_to_date
-- check origin_follows_source:
--   select 1 from {{ this }}
--   where origin not in ('converted', 'de_novo', 'not_available')
--      or (origin = 'converted') <> (source_job_id is not null)
--      or (origin <> 'converted' and source_service_revenue is not null)
-- Where service work turns into project work, and what it earns (contracts: "CFO insights").
-- origin: `converted` when the project's sourceJobId names the service job it grew out of, else
-- `de_novo`; when no project of the tenant carries a sourceJobId at all (the field is to confirm
-- and may not be sent), every project is `not_available` rather than guessed de novo.
-- contract_amount is wip_schedule's rule for the project's job (the latest AIA application's
-- revised contract dated on or before as-of, else Original_Contract), revenue the job's
-- invoices net of tax (credits subtract) and cost its non-AR job cost, all dated ≤ as-of.
with projects as (
  select buildops_project_id, project_number, buildops_job_id, source_job_id
  from staging.stg_buildops__projects
),

availability as (
  select count(source_job_id) as with_source from projects
),

buildops_jobs as (
  select j.buildops_job_id, j.job_number, c.accounting_ref_id as customer_code
  from staging.stg_buildops__jobs j
  left join staging.stg_buildops__customers c on c.buildops_customer_id = j.customer_id
),

spectrum_jobs as (
  select company_code, job_number, customer_code, original_contract
  from staging.stg_spectrum__jobs
  where {{ company_code }} = '' or company_code = {{ company_code }}
),

revenue as (
  select company_code, job_number, sum(revenue) as revenue
  from intermediate.int_revenue_invoices_signed
  where job_number is not null and invoice_date <= {{ as_of }}
  group by company_code, job_number
),

costs as (
  select company_code, job_number, sum(tran_amount) as cost
  from staging.stg_spectrum__job_cost_transactions
  where coalesce(tran_type_code, '') <> 'AR' and tran_date <= {{ as_of }}
  group by company_code, job_number
),

latest_application as (
  select company_code, job_number, revised_contract_amount
  from (
    select
      company_code,
      job_number,
      revised_contract_amount,
      row_number() over (partition by company_code, job_number order by application_number desc) as recency
    from staging.stg_spectrum__billing_applications
    where period_end_date <= {{ as_of }}
  ) a
  where recency = 1
),

measured as (
  select
    coalesce(sj.company_code, nullif({{ company_code }}, '')) as company_code,
    p.buildops_project_id as project_id,
    coalesce(pj.job_number, p.project_number) as project_job_number,
    case
      when av.with_source = 0 then 'not_available'
      when p.source_job_id is not null then 'converted'
      else 'de_novo'
    end as origin,
    p.source_job_id,
    sjob.job_number as source_job_number,
    coalesce(sj.customer_code, pj.customer_code) as customer_code,
    cast(coalesce(la.revised_contract_amount, sj.original_contract) as decimal(18, 2)) as contract_amount,
    cast(coalesce(r.revenue, 0) as decimal(18, 2)) as revenue_to_date,
    cast(coalesce(c.cost, 0) as decimal(18, 2)) as cost_to_date,
    case when p.source_job_id is not null then cast(coalesce(sr.revenue, 0) as decimal(18, 2)) end as source_service_revenue
  from projects p
  cross join availability av
  left join buildops_jobs pj on pj.buildops_job_id = p.buildops_job_id
  left join spectrum_jobs sj on sj.job_number = pj.job_number
  left join latest_application la on la.company_code = sj.company_code and la.job_number = sj.job_number
  left join revenue r on r.company_code = sj.company_code and r.job_number = sj.job_number
  left join costs c on c.company_code = sj.company_code and c.job_number = sj.job_number
  left join buildops_jobs sjob on sjob.buildops_job_id = p.source_job_id
  left join revenue sr on sr.company_code = sj.company_code and sr.job_number = sjob.job_number
)

select
  coalesce(company_code, '') as company_code,
  project_id,
  project_job_number,
  origin,
  source_job_id,
  source_job_number,
  customer_code,
  contract_amount,
  revenue_to_date,
  cost_to_date,
  cast(revenue_to_date - cost_to_date as decimal(18, 2)) as gross_profit,
  {{ exact_ratio(revenue_to_date - cost_to_date, revenue_to_date, 4) }} as gross_margin,
  source_service_revenue
from measured
