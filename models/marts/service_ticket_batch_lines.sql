-- grain: one row per BuildOps service ticket (invoice) proposed for a daily summary AR invoice
-- unique: buildops_invoice_id
-- not_null: company_code, batch_key, buildops_invoice_id, customer_code, issue_date, cost_center, subtotal, tax_amount, total_amount, detail
-- The detail of marts.service_ticket_batches (docs/marts.md): non-void BuildOps service
-- invoices (no projectId), status Approved, syncStatus NotSynced, whose customer has a Spectrum
-- code (the BuildOps customer's accountingRefId; the others wait for the write-back preflight).
-- issue_date is the invoice's calendar date in the company's time zone (staging's issued_date,
-- from the extractor's *_local column); cost_center is the department mapping of departmentName,
-- '' when unmapped. Invoices flagged as duplicates are batched all the same. Amounts are
-- BuildOps' own header subtotal, tax and total. Decisions: models/marts/README.md.
with tickets as (
  select
    i.buildops_invoice_id,
    i.invoice_number,
    i.job_number,
    i.department_name,
    c.accounting_ref_id as customer_code,
    i.issued_date as issue_date,
    coalesce(trim(m.cost_center), '') as cost_center,
    cast(coalesce(i.subtotal, 0) as decimal(18, 2)) as subtotal,
    cast(coalesce(i.tax_amount, 0) as decimal(18, 2)) as tax_amount,
    cast(coalesce(i.total_amount, 0) as decimal(18, 2)) as total_amount
  from staging.stg_buildops__invoices i
  join staging.stg_buildops__customers c on c.buildops_customer_id = i.customer_id
  left join staging.stg_mappings__department_cost_centers m on trim(m.department_name) = i.department_name
  where i.project_id is null
    and i.status = 'Approved'
    and coalesce(i.sync_status, 'NotSynced') = 'NotSynced'
    and c.accounting_ref_id is not null
    and i.issued_date is not null
)

select
  cast({{ company_code }} as varchar) as company_code,
  t.customer_code || '|' || cast(t.issue_date as varchar) || '|' || t.cost_center as batch_key,
  t.buildops_invoice_id,
  t.invoice_number,
  t.job_number,
  t.customer_code,
  t.issue_date,
  t.cost_center,
  t.department_name,
  t.subtotal,
  t.tax_amount,
  t.total_amount,
  'Ticket ' || coalesce(t.invoice_number, t.buildops_invoice_id)
    || case when t.job_number is not null then ' (job ' || t.job_number || ')' else '' end
    || ' goes on the ' || cast(t.issue_date as varchar) || ' summary invoice of customer ' || t.customer_code
    || case when t.cost_center = '' then ', no cost center (department ' || coalesce(t.department_name, 'blank') || ' is not mapped)' else ', cost center ' || t.cost_center end
    || ': ' || cast(t.subtotal as varchar) || ' + ' || cast(t.tax_amount as varchar) || ' tax = ' || cast(t.total_amount as varchar) as detail
from tickets t
