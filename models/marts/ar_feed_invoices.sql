-- grain: one row per posted Spectrum AR invoice (header Transaction_Type I), paid-off ones included: the invoices of the AR-automation feed
-- unique: company_code, invoice_number
-- not_null: company_code, customer_code, invoice_number, invoice_type, gross_amount, retainage_open, open_total, open_net_of_retainage
-- check open_total_ties_out:
--   select 1
--   from (select coalesce(sum(open_total), 0) as fed from {{ this }}) a,
--        (select coalesce(sum(invoice_balance), 0) as held from staging.stg_spectrum__open_items where transaction_type = 'I') o
--   where abs(a.fed - o.held) > 0.01
-- check invoice_type_known:
--   select 1 from {{ this }} where invoice_type not in ('service', 'progress', 'retention')
-- The feed (reports/feed) reads marts only; marts.ar_aging has no invoice type and no paid
-- invoices, so this mart adds both. invoice_number is the canonical number: Spectrum's (the
-- system of record), which is BuildOps' own number when the sync carried it. invoice_type is
-- `progress` when the matched BuildOps invoice belongs to a project or Spectrum billed the
-- invoice on an AIA application (CR_BILLING_HEADER_MC), else `service` (a BuildOps invoice
-- without project / a Spectrum invoice without AIA billing). The aging bucket is null once the
-- invoice is paid off. `retention` marks an invoice that bills only retainage (gross = its
-- retention amount: a retention release billing). status: `paid` (nothing open),
-- `retention_held` (only retainage open), `partial` (some of it paid), `open`. terms_code is
-- Spectrum's; the PO number, property and BuildOps payment terms come from the matched BuildOps
-- invoice; the job description from Spectrum's job master.
with aia_invoices as (
  select distinct company_code, invoice_number
  from staging.stg_spectrum__billing_applications
  where invoice_number is not null
)

select
  a.company_code,
  a.customer_code,
  a.customer_name,
  a.job_number,
  a.invoice_number,
  a.invoice_number as spectrum_invoice_number,
  a.buildops_invoice_id,
  b.invoice_number as buildops_invoice_number,
  case
    when a.gross_amount <> 0 and a.gross_amount = a.retainage_billed then 'retention'
    when b.project_id is not null or aia.invoice_number is not null then 'progress'
    else 'service'
  end as invoice_type,
  case
    when a.open_total = 0 then 'paid'
    when a.open_net_of_retainage = 0 then 'retention_held'
    when a.open_total <> a.gross_amount then 'partial'
    else 'open'
  end as status,
  h.terms_code,
  b.payment_term_name as buildops_payment_terms,
  b.customer_provided_po_number as po_number,
  j.job_description,
  b.customer_property_id as property_id,
  a.invoice_date,
  a.due_date,
  a.gross_amount,
  a.retainage_billed,
  a.retainage_paid,
  a.retainage_open,
  a.open_total,
  a.open_net_of_retainage,
  case when a.open_total <> 0 then a.days_past_due end as days_past_due,
  case when a.open_total <> 0 then a.aging_bucket end as aging_bucket
from intermediate.int_ar_invoices_aged a
left join staging.stg_buildops__invoices b on b.buildops_invoice_id = a.buildops_invoice_id
left join aia_invoices aia on aia.company_code = a.company_code and aia.invoice_number = a.invoice_number
left join staging.stg_spectrum__invoice_headers h on h.company_code = a.company_code and h.invoice_number = a.invoice_number
left join staging.stg_spectrum__jobs j on j.company_code = a.company_code and j.job_number = a.job_number
