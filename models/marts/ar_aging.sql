-- grain: one row per Spectrum AR invoice (header Transaction_Type I) whose total open balance is not zero
-- unique: company_code, invoice_number
-- not_null: company_code, customer_code, invoice_number, invoice_date, due_date, days_past_due, aging_bucket, gross_amount, retainage_billed, retainage_paid, retainage_open, open_total, open_net_of_retainage
-- check open_total_ties_out:
--   select 1
--   from (select coalesce(sum(open_total), 0) as aged from {{ this }}) a,
--        (select coalesce(sum(invoice_balance), 0) as held from staging.stg_spectrum__open_items where transaction_type = 'I') o
--   where abs(a.aged - o.held) > 0.01
-- check open_net_adds_up:
--   select 1 from {{ this }} where open_net_of_retainage <> open_total - retainage_open
-- AR aging net of retainage (docs/marts.md). A row stays while open_total <> 0, even when
-- all of it is retainage (open_net_of_retainage = 0, still in its bucket). Rules the contract
-- leaves open: models/marts/README.md.
select
  company_code,
  customer_code,
  customer_name,
  job_number,
  invoice_number,
  buildops_invoice_id,
  invoice_date,
  due_date,
  gross_amount,
  retainage_billed,
  retainage_paid,
  retainage_open,
  open_total,
  open_net_of_retainage,
  days_past_due,
  aging_bucket,
  -- More than 90 days past due: the balance net of retainage (0 otherwise).
  cast(case when aging_bucket = '90+' and open_net_of_retainage > 0 then open_net_of_retainage else 0 end as decimal(18, 2)) as amount_at_risk
from intermediate.int_ar_invoices_aged
where open_total <> 0
