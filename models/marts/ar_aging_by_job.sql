-- grain: one row per job with an open AR invoice (marts.ar_aging summed by job)
-- unique: company_code, job_key
-- not_null: company_code, job_key, bucket_current, bucket_1_30, bucket_31_60, bucket_61_90, bucket_90_plus, open_net_of_retainage, retainage_open, open_total
-- check buckets_add_up:
--   select 1 from {{ this }}
--   where bucket_current + bucket_1_30 + bucket_31_60 + bucket_61_90 + bucket_90_plus <> open_net_of_retainage
--      or open_net_of_retainage + retainage_open <> open_total
-- The AR aging per job, for the workbook: the same buckets as ar_aging_by_customer (net of
-- retainage), retainage beside them. job_key is the job number, '(no job)' for invoices without one.
with aged as (
  select * from intermediate.int_ar_invoices_aged where open_total <> 0
)

select
  a.company_code,
  coalesce(a.job_number, '(no job)') as job_key,
  a.job_number,
  j.job_description,
  min(a.customer_code) as customer_code,
  cast(sum(case when a.aging_bucket = 'current' then a.open_net_of_retainage else 0 end) as decimal(18, 2)) as bucket_current,
  cast(sum(case when a.aging_bucket = '1-30' then a.open_net_of_retainage else 0 end) as decimal(18, 2)) as bucket_1_30,
  cast(sum(case when a.aging_bucket = '31-60' then a.open_net_of_retainage else 0 end) as decimal(18, 2)) as bucket_31_60,
  cast(sum(case when a.aging_bucket = '61-90' then a.open_net_of_retainage else 0 end) as decimal(18, 2)) as bucket_61_90,
  cast(sum(case when a.aging_bucket = '90+' then a.open_net_of_retainage else 0 end) as decimal(18, 2)) as bucket_90_plus,
  cast(sum(a.open_net_of_retainage) as decimal(18, 2)) as open_net_of_retainage,
  cast(sum(a.retainage_open) as decimal(18, 2)) as retainage_open,
  cast(sum(a.open_total) as decimal(18, 2)) as open_total
from aged a
left join staging.stg_spectrum__jobs j on j.company_code = a.company_code and j.job_number = a.job_number
group by a.company_code, coalesce(a.job_number, '(no job)'), a.job_number, j.job_description
