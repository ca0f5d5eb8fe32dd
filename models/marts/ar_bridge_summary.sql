-- grain: one row per step of the AR bridge: BuildOps open AR, each line, Spectrum open AR (the waterfall the report draws)
-- unique: company_code, step
-- not_null: company_code, step, line, records, amount, running_total
-- check summary_ties_out:
--   select 1 from {{ this }} t
--   where t.line = 'spectrum_open_ar' and t.amount <> t.running_total
-- running_total after each line is BuildOps open AR plus the lines so far; the last row's amount
-- (Spectrum open AR) equals the running total when the bridge ties. Lines with no record show 0.
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__invoice_headers)) as company_code
),

steps as (
  select 1 as step, 'not_in_spectrum' as line
  union all select 2, 'awaiting_posting'
  union all select 3, 'spectrum_only'
  union all select 4, 'amount_difference'
  union all select 5, 'payment_timing'
),

line_totals as (
  select line, count(*) as records, sum(amount) as amount
  from marts.ar_bridge
  group by line
),

start_total as (
  select count(*) as records, coalesce(sum(buildops_open), 0) as amount from intermediate.int_buildops_invoices_bridged
),

end_total as (
  select count(*) as records, coalesce(sum(invoice_balance), 0) as amount from intermediate.int_ar_open_items_dated
),

lines as (
  select s.step, s.line, coalesce(t.records, 0) as records, coalesce(t.amount, 0) as amount
  from steps s
  left join line_totals t on t.line = s.line
),

running as (
  select
    l.step,
    l.line,
    l.records,
    l.amount,
    (select amount from start_total) + sum(l.amount) over (order by l.step rows between unbounded preceding and current row) as running_total
  from lines l
)

select (select company_code from run_company) as company_code, 0 as step, 'buildops_open_ar' as line,
  (select records from start_total) as records,
  cast((select amount from start_total) as decimal(18, 2)) as amount,
  cast((select amount from start_total) as decimal(18, 2)) as running_total
union all
select (select company_code from run_company), r.step, r.line, r.records, cast(r.amount as decimal(18, 2)), cast(r.running_total as decimal(18, 2))
from running r
union all
select (select company_code from run_company), 6, 'spectrum_open_ar',
  (select records from end_total),
  cast((select amount from end_total) as decimal(18, 2)),
  cast((select amount from start_total) + (select coalesce(sum(amount), 0) from lines) as decimal(18, 2))
