-- grain: one row per record the write-back would send to Spectrum (a job, a phase of a job, an invoice)
-- unique: record_type, buildops_id
-- not_null: company_code, record_type, buildops_id, send_order
-- The exact Spectrum field values each record would carry, after mapping: text trimmed, phone
-- digits only, phase codes without dashes, cost center from department_cost_centers.csv, the AR
-- GL account from CR installation, Remarks BO:<id>. Records go in send_order: jobs (1) before
-- the phases they need (2), phases before the invoices on them (3); customers are never sent
-- (Spectrum creates them). Outbound: BuildOps jobs with syncStatus Pending; for each, one phase
-- per distinct mapped phase + cost type of the items on its non-void invoices; invoices with
-- status Approved and syncStatus NotSynced. Text lengths are checked on these values by
-- marts.writeback_preflight against staging.stg_spectrum__field_limits.
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__jobs)) as company_code
),

first_department as (
  select d.buildops_job_id, d.department_name
  from staging.stg_buildops__job_departments d
  where d.position = (select min(d2.position) from staging.stg_buildops__job_departments d2 where d2.buildops_job_id = d.buildops_job_id)
),

customer_address as (
  -- The billing address when BuildOps has one, else the first address.
  select a.*
  from (
    select
      a.*,
      row_number() over (
        partition by a.buildops_customer_id
        order by case when a.address_type = 'billingAddress' then 0 else 1 end, a.position
      ) as pick
    from staging.stg_buildops__customer_addresses a
  ) a
  where a.pick = 1
),

outbound_jobs as (
  select
    j.buildops_job_id,
    j.version,
    j.job_number,
    j.job_name,
    j.project_id,
    j.tax_rate_name,
    c.accounting_ref_id as customer_code,
    c.customer_name,
    c.phone_primary,
    ca.address_line1,
    ca.address_line2,
    ca.city,
    ca.state,
    ca.zip_code,
    d.department_name
  from staging.stg_buildops__jobs j
  left join staging.stg_buildops__customers c on c.buildops_customer_id = j.customer_id
  left join customer_address ca on ca.buildops_customer_id = j.customer_id
  left join first_department d on d.buildops_job_id = j.buildops_job_id
  where j.sync_status = 'Pending'
),

job_phases as (
  -- The mapped targets of the items on an outbound job's non-void invoices.
  select distinct
    j.buildops_job_id,
    j.job_number,
    m.phase_code as mapped_phase_code,
    m.cost_type
  from outbound_jobs j
  join staging.stg_buildops__invoices i on i.job_id = j.buildops_job_id and i.status <> 'Void'
  join staging.stg_buildops__invoice_items l on l.buildops_invoice_id = i.buildops_invoice_id
  join staging.stg_mappings__cost_code_map m on m.item_code = l.item_code
),

outbound_invoices as (
  select
    i.*,
    j.job_number as buildops_job_number,
    j.sync_status as job_sync_status,
    c.accounting_ref_id as customer_code
  from staging.stg_buildops__invoices i
  left join staging.stg_buildops__jobs j on j.buildops_job_id = i.job_id
  left join staging.stg_buildops__customers c on c.buildops_customer_id = coalesce(j.customer_id, i.customer_id)
  where i.status = 'Approved' and i.sync_status = 'NotSynced'
)

select
  (select company_code from run_company) as company_code,
  'job' as record_type,
  j.buildops_job_id as buildops_id,
  j.version as buildops_version,
  1 as send_order,
  cast(null as varchar) as parent_record_type,
  cast(null as varchar) as parent_buildops_id,
  j.buildops_job_id,
  j.job_number,
  j.job_name as job_description,
  j.customer_code,
  j.customer_name,
  j.address_line1 as address_1,
  j.address_line2 as address_2,
  j.city,
  j.state,
  j.zip_code,
  nullif(replace(replace(replace(replace(coalesce(j.phone_primary, ''), '-', ''), ' ', ''), '(', ''), ')', ''), '') as phone,
  j.department_name,
  cc.cost_center,
  'A' as status_code,
  case when j.project_id is null then 'T' else 'F' end as price_method_code,
  j.tax_rate_name as sales_tax_code,
  j.tax_rate_name as tax_class_code,
  coalesce(p.contract_amount, cast(0 as decimal(18, 2))) as original_contract,
  cast(null as varchar) as phase_code,
  cast(null as varchar) as mapped_phase_code,
  cast(null as varchar) as cost_type,
  cast(null as varchar) as description,
  cast(null as varchar) as invoice_number,
  cast(null as varchar) as transaction_type,
  cast(null as date) as invoice_date,
  cast(null as date) as gl_date,
  cast(null as date) as due_date,
  cast(null as varchar) as ar_gl_account,
  cast(null as varchar) as terms_code,
  cast(null as varchar) as remarks,
  cast(null as decimal(9, 4)) as retention_percent,
  cast(null as varchar) as customer_po,
  cast(null as decimal(18, 2)) as invoice_total,
  cast(null as decimal(18, 2)) as retention_amount,
  cast(null as decimal(18, 2)) as sales_tax_amount
from outbound_jobs j
left join staging.stg_mappings__department_cost_centers cc on cc.department_name = j.department_name
left join staging.stg_buildops__projects p on p.buildops_project_id = j.project_id

union all

select
  (select company_code from run_company) as company_code,
  'phase' as record_type,
  ph.buildops_job_id || ':' || ph.mapped_phase_code || ':' || ph.cost_type as buildops_id,
  cast(null as bigint) as buildops_version,
  2 as send_order,
  'job' as parent_record_type,
  ph.buildops_job_id as parent_buildops_id,
  ph.buildops_job_id,
  ph.job_number,
  cast(null as varchar) as job_description,
  cast(null as varchar) as customer_code,
  cast(null as varchar) as customer_name,
  cast(null as varchar) as address_1,
  cast(null as varchar) as address_2,
  cast(null as varchar) as city,
  cast(null as varchar) as state,
  cast(null as varchar) as zip_code,
  cast(null as varchar) as phone,
  cast(null as varchar) as department_name,
  cast(null as varchar) as cost_center,
  cast(null as varchar) as status_code,
  cast(null as varchar) as price_method_code,
  cast(null as varchar) as sales_tax_code,
  cast(null as varchar) as tax_class_code,
  cast(null as decimal(18, 2)) as original_contract,
  replace(ph.mapped_phase_code, '-', '') as phase_code,
  ph.mapped_phase_code,
  ph.cost_type,
  -- Our own label, not BuildOps text: cut to fit rather than refused.
  substr('Phase ' || replace(ph.mapped_phase_code, '-', '') || ' ' || ph.cost_type, 1, 25) as description,
  cast(null as varchar) as invoice_number,
  cast(null as varchar) as transaction_type,
  cast(null as date) as invoice_date,
  cast(null as date) as gl_date,
  cast(null as date) as due_date,
  cast(null as varchar) as ar_gl_account,
  cast(null as varchar) as terms_code,
  cast(null as varchar) as remarks,
  cast(null as decimal(9, 4)) as retention_percent,
  cast(null as varchar) as customer_po,
  cast(null as decimal(18, 2)) as invoice_total,
  cast(null as decimal(18, 2)) as retention_amount,
  cast(null as decimal(18, 2)) as sales_tax_amount
from job_phases ph

union all

select
  (select company_code from run_company) as company_code,
  'invoice' as record_type,
  i.buildops_invoice_id as buildops_id,
  i.version as buildops_version,
  3 as send_order,
  case when i.job_sync_status = 'Pending' then 'job' end as parent_record_type,
  case when i.job_sync_status = 'Pending' then i.job_id end as parent_buildops_id,
  i.job_id as buildops_job_id,
  coalesce(i.buildops_job_number, i.job_number) as job_number,
  cast(null as varchar) as job_description,
  i.customer_code,
  cast(null as varchar) as customer_name,
  cast(null as varchar) as address_1,
  cast(null as varchar) as address_2,
  cast(null as varchar) as city,
  cast(null as varchar) as state,
  cast(null as varchar) as zip_code,
  cast(null as varchar) as phone,
  i.department_name,
  cc.cost_center,
  cast(null as varchar) as status_code,
  cast(null as varchar) as price_method_code,
  cast(null as varchar) as sales_tax_code,
  cast(null as varchar) as tax_class_code,
  cast(null as decimal(18, 2)) as original_contract,
  cast(null as varchar) as phase_code,
  cast(null as varchar) as mapped_phase_code,
  cast(null as varchar) as cost_type,
  cast(null as varchar) as description,
  i.invoice_number,
  'I' as transaction_type,
  i.issued_date as invoice_date,
  -- GL date policy (sources.spectrum.data_exchange.gl_date): the invoice date, or the run's as-of date.
  case when {{ writeback_gl_date }} = 'as_of' then {{ as_of }} else i.issued_date end as gl_date,
  coalesce(i.due_date, i.issued_date + 30) as due_date,
  cr.ar_gl_account,
  sc.terms_code,
  'BO:' || i.buildops_invoice_id as remarks,
  i.retainage_percent as retention_percent,
  i.customer_provided_po_number as customer_po,
  i.total_amount as invoice_total,
  coalesce(i.retainage_amount, cast(0 as decimal(18, 2))) as retention_amount,
  coalesce(i.tax_amount, cast(0 as decimal(18, 2))) as sales_tax_amount
from outbound_invoices i
left join staging.stg_mappings__department_cost_centers cc on cc.department_name = i.department_name
cross join run_company rc
left join staging.stg_spectrum__ar_settings cr on cr.company_code = rc.company_code
left join staging.stg_spectrum__customers sc on sc.company_code = rc.company_code and sc.customer_code = i.customer_code
