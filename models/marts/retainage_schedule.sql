-- grain: one row per job with retainage billed on a posted Spectrum invoice: the retainage receivable schedule
-- unique: company_code, job_number
-- not_null: company_code, job_number, retainage_billed, retainage_collected, retainage_open
-- check open_adds_up:
--   select 1 from {{ this }} where retainage_open <> retainage_billed - retainage_collected
-- Per job: retainage billed (Σ header Retention_Amount of its posted invoices), collected (Σ
-- payments applied to the retention portion), still open, and the job's Spectrum status — a
-- complete job still holding retainage is the one to bill for release.
select
  a.company_code,
  a.job_number,
  j.job_description,
  min(a.customer_code) as customer_code,
  j.status_code as job_status,
  cast(sum(a.retainage_billed) as decimal(18, 2)) as retainage_billed,
  cast(sum(a.retainage_paid) as decimal(18, 2)) as retainage_collected,
  cast(sum(a.retainage_open) as decimal(18, 2)) as retainage_open
from intermediate.int_ar_invoices_aged a
left join staging.stg_spectrum__jobs j on j.company_code = a.company_code and j.job_number = a.job_number
where a.job_number is not null
group by a.company_code, a.job_number, j.job_description, j.status_code
having sum(a.retainage_billed) <> 0
