-- grain: one row per posted Spectrum AR invoice or credit memo (CR_INVOICE_HEADER_MC types I and C)
-- unique: company_code, invoice_number
-- not_null: company_code, invoice_number, gross, tax, retention, revenue, segment
-- The amounts of each header signed one way: installations store a credit memo's amounts
-- negative or positive, and a credit always reduces receivables, so type C takes −|amount|
-- (contracts: the credit-memo sign rule). revenue = gross − sales tax. The segment is the job's
-- (int_jobs_segmented); an invoice without a job, or on a job Spectrum does not hold, is service work.
select
  h.company_code,
  h.invoice_number,
  h.customer_code,
  h.job_number,
  h.invoice_date,
  h.transaction_type,
  cast(case when h.transaction_type = 'C' then -abs(coalesce(h.invoice_extension, 0)) else coalesce(h.invoice_extension, 0) end as decimal(18, 2)) as gross,
  cast(case when h.transaction_type = 'C' then -abs(coalesce(h.sales_tax_amount, 0)) else coalesce(h.sales_tax_amount, 0) end as decimal(18, 2)) as tax,
  cast(case when h.transaction_type = 'C' then -abs(coalesce(h.retention_amount, 0)) else coalesce(h.retention_amount, 0) end as decimal(18, 2)) as retention,
  cast(
    case
      when h.transaction_type = 'C' then -abs(coalesce(h.invoice_extension, 0)) + abs(coalesce(h.sales_tax_amount, 0))
      else coalesce(h.invoice_extension, 0) - coalesce(h.sales_tax_amount, 0)
    end as decimal(18, 2)
  ) as revenue,
  coalesce(s.segment, 'service') as segment
from staging.stg_spectrum__invoice_headers h
left join intermediate.int_jobs_segmented s on s.company_code = h.company_code and s.job_number = h.job_number
where h.transaction_type in ('I', 'C')
