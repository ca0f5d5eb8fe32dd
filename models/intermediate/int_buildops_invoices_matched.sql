-- grain: one row per BuildOps invoice that a Spectrum invoice matches (intermediate.int_invoices_matched), with the one match that stands for it
-- unique: buildops_invoice_id
-- not_null: company_code, buildops_invoice_id, spectrum_source, invoice_number, match_method
-- The one rule for which of a BuildOps invoice's Spectrum matches is its Spectrum side, read by
-- marts.invoice_status and intermediate.int_buildops_invoices_bridged: a posted match wins over
-- an unposted one, a Remarks match over an invoice-number one, then the lowest invoice number.
with ranked as (
  select
    m.company_code,
    m.spectrum_source,
    m.invoice_number,
    m.customer_code,
    m.job_number,
    m.transaction_type,
    m.buildops_invoice_id,
    m.match_method,
    row_number() over (
      partition by m.buildops_invoice_id
      order by
        case when m.spectrum_source = 'posted' then 0 else 1 end,
        case when m.match_method = 'remarks' then 0 else 1 end,
        m.invoice_number
    ) as match_rank
  from intermediate.int_invoices_matched m
  where m.buildops_invoice_id is not null
)

select company_code, spectrum_source, invoice_number, customer_code, job_number, transaction_type, buildops_invoice_id, match_method
from ranked
where match_rank = 1
