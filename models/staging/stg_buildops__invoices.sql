-- grain: one row per BuildOps invoice (every status, Void included)
-- unique: buildops_invoice_id
-- not_null: buildops_invoice_id, status
-- Dates: issued_date / due_date are the calendar dates in the company's time zone (the
-- extractor's *_local columns); the UTC instants stay beside them.
select
  trim(id) as buildops_invoice_id,
  trim(invoice_number) as invoice_number,
  trim(status) as status,
  nullif(trim(customer_id), '') as customer_id,
  nullif(trim(billing_customer_id), '') as billing_customer_id,
  nullif(trim(job_id), '') as job_id,
  nullif(trim(job_number), '') as job_number,
  nullif(trim(customer_property_id), '') as customer_property_id,
  nullif(trim(project_id), '') as project_id,
  nullif(trim(department_name), '') as department_name,
  issued_date as issued_at,
  cast(issued_date_local as date) as issued_date,
  due_date as due_at,
  cast(due_date_local as date) as due_date,
  nullif(trim(payment_term_name), '') as payment_term_name,
  cast(subtotal as decimal(18, 2)) as subtotal,
  cast(tax_amount as decimal(18, 2)) as tax_amount,
  cast(total_amount as decimal(18, 2)) as total_amount,
  cast(retainage_amount as decimal(18, 2)) as retainage_amount,
  cast(retainage_percent as decimal(9, 4)) as retainage_percent,
  nullif(trim(customer_provided_po_number), '') as customer_provided_po_number,
  nullif(trim(accounting_ref_id), '') as accounting_ref_id,
  nullif(trim(sync_status), '') as sync_status,
  sync_error,
  version,
  _loaded_at
from raw.buildops__invoices
