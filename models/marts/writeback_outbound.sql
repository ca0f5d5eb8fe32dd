-- grain: one row per record the write-back would send to Spectrum (a job, a phase of a job, an invoice)
-- unique: record_type, buildops_id
-- not_null: company_code, record_type, buildops_id, send_order
-- check summaries_tie_out:
--   select 1 from {{ this }} s
--   left join (
--     select summary_buildops_id, count(*) as tickets, sum(invoice_total) as invoice_total
--     from {{ this }} where summary_buildops_id is not null group by summary_buildops_id
--   ) t on t.summary_buildops_id = s.buildops_id
--   where s.ticket_count is not null
--     and (t.summary_buildops_id is null or t.tickets <> s.ticket_count or t.invoice_total <> s.invoice_total)
--   union all
--   select 1 from {{ this }} t
--   where t.summary_buildops_id is not null
--     and not exists (select 1 from {{ this }} s where s.buildops_id = t.summary_buildops_id and s.ticket_count is not null)
-- The exact Spectrum field values each record would carry, after mapping: text trimmed, phone
-- digits only, phase codes without dashes, cost center from department_cost_centers.csv, the AR
-- GL account from CR installation, Remarks BO:<id>. Records go in send_order: jobs (1) before
-- the phases they need (2), phases before the invoices on them (3); customers are never sent
-- (Spectrum creates them). Outbound: BuildOps jobs with syncStatus Pending; for each, one phase
-- per distinct mapped phase + cost type of the items on its non-void invoices; invoices with
-- status Approved and syncStatus NotSynced. Text lengths are checked on these values by
-- marts.writeback_preflight against staging.stg_spectrum__field_limits.
-- With writeback.service_tickets = daily_summary, each batch of marts.service_ticket_batches
-- goes as one summary invoice (buildops_id daily:<batch_key>, ticket_count set, its total the
-- batch's total_amount); its tickets stay here, each with summary_buildops_id naming its summary
-- (they are checked, never sent). summaries_tie_out proves Σ tickets = the summary, to the cent.
-- The summary's number is DS + 8 hex digits of md5(batch_key) (stable, 10 characters); its
-- Remarks name the batch; its Job_Number is the tickets' job when they share one (else none, and
-- its lines carry no phase: Spectrum takes a phase only with a job). Its version is a number made
-- from md5 of its tickets' ids and versions: a ticket added, removed or changed makes a new version.
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__jobs)) as company_code
),

first_department as (
  -- Each job's first department. A window, not a correlated min(position): Postgres runs such a
  -- subquery again for every department row (a scan each), where a window is one sort.
  select buildops_job_id, department_name
  from (
    select
      d.buildops_job_id,
      d.department_name,
      row_number() over (partition by d.buildops_job_id order by d.position, d.department_name) as pick
    from staging.stg_buildops__job_departments d
  ) d
  where pick = 1
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
),

-- daily_summary: the batch of each service ticket (none in individual mode).
ticket_batches as (
  select l.buildops_invoice_id, 'daily:' || l.batch_key as summary_buildops_id
  from marts.service_ticket_batch_lines l
  where {{ writeback_service_tickets }} = 'daily_summary'
),

job_records as (
  select
    j.buildops_job_id as buildops_id,
    j.version as buildops_version,
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
    coalesce(p.contract_amount, cast(0 as decimal(18, 2))) as original_contract
  from outbound_jobs j
  left join staging.stg_mappings__department_cost_centers cc on cc.department_name = j.department_name
  left join staging.stg_buildops__projects p on p.buildops_project_id = j.project_id
),

phase_records as (
  select
    ph.buildops_job_id || ':' || ph.mapped_phase_code || ':' || ph.cost_type as buildops_id,
    ph.buildops_job_id as parent_buildops_id,
    ph.buildops_job_id,
    ph.job_number,
    replace(ph.mapped_phase_code, '-', '') as phase_code,
    ph.mapped_phase_code,
    ph.cost_type,
    -- Our own label, not BuildOps text: cut to fit rather than refused.
    substr('Phase ' || replace(ph.mapped_phase_code, '-', '') || ' ' || ph.cost_type, 1, 25) as description
  from job_phases ph
),

invoice_records as (
  select
    i.buildops_invoice_id as buildops_id,
    i.version as buildops_version,
    case when i.job_sync_status = 'Pending' then 'job' end as parent_record_type,
    case when i.job_sync_status = 'Pending' then i.job_id end as parent_buildops_id,
    i.job_id as buildops_job_id,
    coalesce(i.buildops_job_number, i.job_number) as job_number,
    i.customer_code,
    i.department_name,
    cc.cost_center,
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
    coalesce(i.tax_amount, cast(0 as decimal(18, 2))) as sales_tax_amount,
    tb.summary_buildops_id
  from outbound_invoices i
  left join staging.stg_mappings__department_cost_centers cc on cc.department_name = i.department_name
  cross join run_company rc
  left join staging.stg_spectrum__ar_settings cr on cr.company_code = rc.company_code
  left join staging.stg_spectrum__customers sc on sc.company_code = rc.company_code and sc.customer_code = i.customer_code
  left join ticket_batches tb on tb.buildops_invoice_id = i.buildops_invoice_id
),

summary_tickets as (
  select
    t.summary_buildops_id,
    count(distinct t.buildops_job_id) as jobs,
    min(t.buildops_job_id) as buildops_job_id,
    min(t.job_number) as job_number,
    min(t.parent_record_type) as parent_record_type,
    min(t.department_name) as department_name,
    min(t.due_date) as due_date,
    cast(sum(t.retention_amount) as decimal(18, 2)) as retention_amount,
    md5(string_agg(t.buildops_id || ':' || cast(coalesce(t.buildops_version, 0) as varchar), ',' order by t.buildops_id)) as version_hash
  from invoice_records t
  where t.summary_buildops_id is not null
  group by t.summary_buildops_id
),

summary_records as (
  select
    'daily:' || b.batch_key as buildops_id,
    -- 7 hex digits of the tickets' hash as a number (portable SQL: no hex parsing shared by both warehouses).
    cast(
      (strpos('0123456789abcdef', substr(st.version_hash, 1, 1)) - 1) * 16777216
      + (strpos('0123456789abcdef', substr(st.version_hash, 2, 1)) - 1) * 1048576
      + (strpos('0123456789abcdef', substr(st.version_hash, 3, 1)) - 1) * 65536
      + (strpos('0123456789abcdef', substr(st.version_hash, 4, 1)) - 1) * 4096
      + (strpos('0123456789abcdef', substr(st.version_hash, 5, 1)) - 1) * 256
      + (strpos('0123456789abcdef', substr(st.version_hash, 6, 1)) - 1) * 16
      + (strpos('0123456789abcdef', substr(st.version_hash, 7, 1)) - 1)
      as bigint
    ) as buildops_version,
    -- A summary on one job depends on that job (and its phases) when the job goes in the same push.
    case when st.jobs = 1 then st.parent_record_type end as parent_record_type,
    case when st.jobs = 1 and st.parent_record_type = 'job' then st.buildops_job_id end as parent_buildops_id,
    case when st.jobs = 1 then st.buildops_job_id end as buildops_job_id,
    case when st.jobs = 1 then st.job_number end as job_number,
    b.customer_code,
    st.department_name,
    nullif(b.cost_center, '') as cost_center,
    'DS' || upper(substr(md5(b.batch_key), 1, 8)) as invoice_number,
    'I' as transaction_type,
    b.issue_date as invoice_date,
    case when {{ writeback_gl_date }} = 'as_of' then {{ as_of }} else b.issue_date end as gl_date,
    st.due_date,
    cr.ar_gl_account,
    sc.terms_code,
    'Daily summary ' || b.batch_key as remarks,
    b.total_amount as invoice_total,
    st.retention_amount,
    b.tax_amount as sales_tax_amount,
    b.ticket_count
  from marts.service_ticket_batches b
  join summary_tickets st on st.summary_buildops_id = 'daily:' || b.batch_key
  cross join run_company rc
  left join staging.stg_spectrum__ar_settings cr on cr.company_code = rc.company_code
  left join staging.stg_spectrum__customers sc on sc.company_code = rc.company_code and sc.customer_code = b.customer_code
  -- Constant in individual mode: the whole CTE is planned away.
  where {{ writeback_service_tickets }} = 'daily_summary'
),

-- Each record once, with its kind and place in the send order; its fields come from its own
-- kind's CTE above (a field another kind does not have stays null).
records as (
  select 'job' as record_type, buildops_id, 1 as send_order from job_records
  union all
  select 'phase', buildops_id, 2 from phase_records
  union all
  select 'invoice', buildops_id, 3 from invoice_records
  union all
  select 'invoice', buildops_id, 3 from summary_records
)

select
  (select company_code from run_company) as company_code,
  r.record_type,
  r.buildops_id,
  coalesce(j.buildops_version, i.buildops_version, s.buildops_version) as buildops_version,
  r.send_order,
  case when r.record_type = 'phase' then 'job' else coalesce(i.parent_record_type, s.parent_record_type) end as parent_record_type,
  coalesce(ph.parent_buildops_id, i.parent_buildops_id, s.parent_buildops_id) as parent_buildops_id,
  coalesce(j.buildops_job_id, ph.buildops_job_id, i.buildops_job_id, s.buildops_job_id) as buildops_job_id,
  coalesce(j.job_number, ph.job_number, i.job_number, s.job_number) as job_number,
  j.job_description,
  coalesce(j.customer_code, i.customer_code, s.customer_code) as customer_code,
  j.customer_name,
  j.address_1,
  j.address_2,
  j.city,
  j.state,
  j.zip_code,
  j.phone,
  coalesce(j.department_name, i.department_name, s.department_name) as department_name,
  coalesce(j.cost_center, i.cost_center, s.cost_center) as cost_center,
  j.status_code,
  j.price_method_code,
  j.sales_tax_code,
  j.tax_class_code,
  j.original_contract,
  ph.phase_code,
  ph.mapped_phase_code,
  ph.cost_type,
  ph.description,
  coalesce(i.invoice_number, s.invoice_number) as invoice_number,
  coalesce(i.transaction_type, s.transaction_type) as transaction_type,
  coalesce(i.invoice_date, s.invoice_date) as invoice_date,
  coalesce(i.gl_date, s.gl_date) as gl_date,
  coalesce(i.due_date, s.due_date) as due_date,
  coalesce(i.ar_gl_account, s.ar_gl_account) as ar_gl_account,
  coalesce(i.terms_code, s.terms_code) as terms_code,
  coalesce(i.remarks, s.remarks) as remarks,
  i.retention_percent,
  i.customer_po,
  coalesce(i.invoice_total, s.invoice_total) as invoice_total,
  coalesce(i.retention_amount, s.retention_amount) as retention_amount,
  coalesce(i.sales_tax_amount, s.sales_tax_amount) as sales_tax_amount,
  i.summary_buildops_id,
  s.ticket_count
from records r
-- The record type folded into the key (not a constant test in ON) so both warehouses hash-join.
left join job_records j on j.buildops_id = case when r.record_type = 'job' then r.buildops_id end
left join phase_records ph on ph.buildops_id = case when r.record_type = 'phase' then r.buildops_id end
left join invoice_records i on i.buildops_id = case when r.record_type = 'invoice' then r.buildops_id end
left join summary_records s on s.buildops_id = case when r.record_type = 'invoice' then r.buildops_id end
