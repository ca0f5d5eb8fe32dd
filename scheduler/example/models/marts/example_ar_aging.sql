-- grain: one row per customer with an open balance, aged net of retainage as of the run's date
-- unique: customer_code
-- not_null: customer_code, open_total
-- check open_total_ties_out:
--   select 1 from (select sum(open_total) as total from {{ this }}) as aged
--   where total <> (select sum(open_total) from staging.stg_example__invoices where open_total <> 0)
with aged as (
    select
        customer_code,
        customer_name,
        open_total,
        retainage_billed - retainage_paid as retainage_open,
        open_total - (retainage_billed - retainage_paid) as open_net_of_retainage,
        {{ as_of }} - due_date as days_past_due
    from staging.stg_example__invoices
    where open_total <> 0
)
select
    customer_code,
    max(customer_name) as customer_name,
    sum(case when days_past_due <= 0 then open_net_of_retainage else 0 end) as current_amount,
    sum(case when days_past_due between 1 and 30 then open_net_of_retainage else 0 end) as days_1_30,
    sum(case when days_past_due between 31 and 60 then open_net_of_retainage else 0 end) as days_31_60,
    sum(case when days_past_due between 61 and 90 then open_net_of_retainage else 0 end) as days_61_90,
    sum(case when days_past_due > 90 then open_net_of_retainage else 0 end) as days_over_90,
    sum(retainage_open) as retainage_open,
    sum(open_total) as open_total
from aged
group by customer_code
