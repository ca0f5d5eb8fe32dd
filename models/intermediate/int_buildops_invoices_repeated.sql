-- grain: one row per non-void BuildOps invoice that repeats an earlier one (same customer and job, equal total, a different number, issued at most 3 days after it)
-- unique: buildops_invoice_id
-- not_null: buildops_invoice_id, issued_at, issued_date, total_amount, earlier_invoice_numbers
-- "Within 3 days" compares the issue dates in the company's time zone (an invoice issued
-- 21:30 in Chicago is that day's, not the next UTC day's); "the later" is the later issue
-- instant. Two copies issued at the same instant: the higher number is the later. Void
-- invoices never count, on either side.
with live as (
  select *
  from staging.stg_buildops__invoices
  where status <> 'Void' and issued_at is not null and issued_date is not null and total_amount is not null
),

pairs as (
  select
    later.buildops_invoice_id,
    later.invoice_number,
    later.customer_id,
    later.job_number,
    later.issued_at,
    later.issued_date,
    later.total_amount,
    earlier.buildops_invoice_id as earlier_buildops_invoice_id,
    earlier.invoice_number as earlier_invoice_number,
    earlier.issued_date as earlier_issued_date
  from live later
  join live earlier
    on earlier.customer_id is not distinct from later.customer_id
    and earlier.job_number is not distinct from later.job_number
    and earlier.total_amount = later.total_amount
    and earlier.invoice_number <> later.invoice_number
    and (earlier.issued_at < later.issued_at or (earlier.issued_at = later.issued_at and earlier.invoice_number < later.invoice_number))
    and later.issued_date - earlier.issued_date <= 3
)

select
  buildops_invoice_id,
  invoice_number,
  customer_id,
  job_number,
  issued_at,
  issued_date,
  cast(total_amount as decimal(18, 2)) as total_amount,
  string_agg(earlier_invoice_number || ' (issued ' || cast(earlier_issued_date as varchar) || ')', ', ' order by earlier_invoice_number) as earlier_invoice_numbers,
  count(*) as earlier_count
from pairs
group by buildops_invoice_id, invoice_number, customer_id, job_number, issued_at, issued_date, total_amount
