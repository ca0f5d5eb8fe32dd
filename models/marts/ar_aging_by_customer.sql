-- grain: one row per customer with an open AR invoice or an open credit (credit memo or unapplied payment)
-- unique: company_code, customer_code
-- not_null: company_code, customer_code, bucket_current, bucket_1_30, bucket_31_60, bucket_61_90, bucket_90_plus, open_net_of_retainage, retainage_open, open_credits, open_total
-- check buckets_add_up:
--   select 1 from {{ this }}
--   where bucket_current + bucket_1_30 + bucket_31_60 + bucket_61_90 + bucket_90_plus <> open_net_of_retainage
--      or open_net_of_retainage + retainage_open <> open_total
-- check open_total_ties_out:
--   select 1
--   from (select coalesce(sum(open_total), 0) as aged from {{ this }}) a,
--        (select coalesce(sum(invoice_balance), 0) as held from staging.stg_spectrum__open_items where transaction_type = 'I') o
--   where abs(a.aged - o.held) > 0.01
-- Buckets sum open_net_of_retainage of the customer's open invoices; retainage is not aged but
-- shown beside them, and so are open credits (open items of type C and P, negative), which are
-- never put in a bucket. A customer with only an unapplied payment has zero buckets.
with aged as (
  select
    company_code,
    customer_code,
    sum(case when aging_bucket = 'current' then open_net_of_retainage else 0 end) as bucket_current,
    sum(case when aging_bucket = '1-30' then open_net_of_retainage else 0 end) as bucket_1_30,
    sum(case when aging_bucket = '31-60' then open_net_of_retainage else 0 end) as bucket_31_60,
    sum(case when aging_bucket = '61-90' then open_net_of_retainage else 0 end) as bucket_61_90,
    sum(case when aging_bucket = '90+' then open_net_of_retainage else 0 end) as bucket_90_plus,
    sum(open_net_of_retainage) as open_net_of_retainage,
    sum(retainage_open) as retainage_open,
    sum(open_total) as open_total
  from intermediate.int_ar_invoices_aged
  where open_total <> 0
  group by company_code, customer_code
),

credits as (
  select company_code, customer_code, sum(invoice_balance) as open_credits
  from staging.stg_spectrum__open_items
  where transaction_type in ('C', 'P') and invoice_balance <> 0
  group by company_code, customer_code
),

customers as (
  select company_code, customer_code from aged
  union
  select company_code, customer_code from credits
)

select
  k.company_code,
  k.customer_code,
  c.customer_name,
  cast(coalesce(a.bucket_current, 0) as decimal(18, 2)) as bucket_current,
  cast(coalesce(a.bucket_1_30, 0) as decimal(18, 2)) as bucket_1_30,
  cast(coalesce(a.bucket_31_60, 0) as decimal(18, 2)) as bucket_31_60,
  cast(coalesce(a.bucket_61_90, 0) as decimal(18, 2)) as bucket_61_90,
  cast(coalesce(a.bucket_90_plus, 0) as decimal(18, 2)) as bucket_90_plus,
  cast(coalesce(a.open_net_of_retainage, 0) as decimal(18, 2)) as open_net_of_retainage,
  cast(coalesce(a.retainage_open, 0) as decimal(18, 2)) as retainage_open,
  cast(coalesce(cr.open_credits, 0) as decimal(18, 2)) as open_credits,
  cast(coalesce(a.open_total, 0) as decimal(18, 2)) as open_total
from customers k
left join aged a on a.company_code = k.company_code and a.customer_code = k.customer_code
left join credits cr on cr.company_code = k.company_code and cr.customer_code = k.customer_code
left join staging.stg_spectrum__customers c on c.company_code = k.company_code and c.customer_code = k.customer_code
