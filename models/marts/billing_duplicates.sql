-- grain: one row per finding (double billing between the systems, duplicate BuildOps invoices, AIA lines that do not tie out)
-- unique: company_code, finding_type, source_system, job_number, application_number, item_number, buildops_invoice_id, buildops_pay_application_id, line_key
-- not_null: company_code, finding_type, source_system, amount_at_risk, detail
-- check finding_type_known:
--   select * from {{ this }}
--   where finding_type not in ('billed_in_both_systems', 'duplicate_invoice', 'previous_mismatch', 'over_scheduled_value')
--      or source_system not in ('spectrum', 'buildops')
-- check keys_fit_finding_type:
--   select * from {{ this }}
--   where (finding_type = 'billed_in_both_systems' and (source_system <> 'buildops' or application_number is null or item_number is not null
--            or (buildops_invoice_id is null) = (buildops_pay_application_id is null)))
--      or (finding_type = 'duplicate_invoice' and (source_system <> 'buildops' or buildops_invoice_id is null or application_number is not null or buildops_pay_application_id is not null))
--      or (finding_type in ('previous_mismatch', 'over_scheduled_value') and (application_number is null or buildops_invoice_id is not null
--            or (source_system = 'spectrum') <> (buildops_pay_application_id is null)))
-- check amount_at_risk_positive_on_aia_lines:
--   select * from {{ this }} where finding_type in ('previous_mismatch', 'over_scheduled_value') and amount_at_risk <= 0
-- check over_scheduled_value_ties_out:
--   select 1
--   from (select coalesce(sum(amount_at_risk), 0) as found from {{ this }} where finding_type = 'over_scheduled_value') f,
--        (select coalesce(sum(complete_to_date - scheduled_value), 0) as over from intermediate.int_billing_lines_compared where complete_to_date > scheduled_value) l
--   where f.found <> l.over
-- check billed_in_both_invoice_is_its_total:
--   select * from {{ this }} f
--   join staging.stg_buildops__invoices i on i.buildops_invoice_id = f.buildops_invoice_id
--   where f.finding_type = 'billed_in_both_systems' and (i.total_amount <> f.amount_at_risk or i.status = 'Void')
-- Double billing and AIA tie-out (docs/marts.md). Rules the contract leaves open:
-- models/marts/README.md (## billing_duplicates).
with company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__billing_applications), '') as company_code
),

findings as (
  select
    p.company_code,
    'billed_in_both_systems' as finding_type,
    'buildops' as source_system,
    p.job_number,
    p.application_number,
    cast(null as varchar) as item_number,
    cast(null as varchar) as line_key,
    p.invoice_number,
    p.buildops_invoice_id,
    p.buildops_pay_application_id,
    p.amount as amount_at_risk,
    p.billing_kind as kind,
    p.pay_application_number as other_number,
    p.status,
    p.billed_on as d1,
    p.period_start as d2,
    p.period_end as d3,
    cast(null as decimal(18, 2)) as a1,
    cast(null as decimal(18, 2)) as a2,
    cast(null as varchar) as t1
  from intermediate.int_buildops_billings_placed p
  union all
  select
    (select company_code from company) as company_code,
    'duplicate_invoice' as finding_type,
    'buildops' as source_system,
    r.job_number,
    cast(null as integer) as application_number,
    cast(null as varchar) as item_number,
    cast(null as varchar) as line_key,
    r.invoice_number,
    r.buildops_invoice_id,
    cast(null as varchar) as buildops_pay_application_id,
    r.total_amount as amount_at_risk,
    'invoice' as kind,
    cast(null as integer) as other_number,
    cast(null as varchar) as status,
    r.issued_date as d1,
    cast(null as date) as d2,
    cast(null as date) as d3,
    cast(null as decimal(18, 2)) as a1,
    cast(null as decimal(18, 2)) as a2,
    r.earlier_invoice_numbers as t1
  from intermediate.int_buildops_invoices_repeated r
  union all
  select
    l.company_code,
    'previous_mismatch' as finding_type,
    l.source_system,
    l.job_number,
    l.application_number,
    l.item_number,
    l.line_key,
    cast(null as varchar) as invoice_number,
    cast(null as varchar) as buildops_invoice_id,
    l.buildops_pay_application_id,
    abs(l.previous_complete - l.prior_complete_to_date) as amount_at_risk,
    'line' as kind,
    cast(null as integer) as other_number,
    l.status,
    cast(null as date) as d1,
    cast(null as date) as d2,
    cast(null as date) as d3,
    l.previous_complete as a1,
    l.prior_complete_to_date as a2,
    cast(null as varchar) as t1
  from intermediate.int_billing_lines_compared l
  where l.prior_application_found and l.previous_complete <> l.prior_complete_to_date
  union all
  select
    l.company_code,
    'over_scheduled_value' as finding_type,
    l.source_system,
    l.job_number,
    l.application_number,
    l.item_number,
    l.line_key,
    cast(null as varchar) as invoice_number,
    cast(null as varchar) as buildops_invoice_id,
    l.buildops_pay_application_id,
    l.complete_to_date - l.scheduled_value as amount_at_risk,
    'line' as kind,
    cast(null as integer) as other_number,
    l.status,
    cast(null as date) as d1,
    cast(null as date) as d2,
    cast(null as date) as d3,
    l.complete_to_date as a1,
    l.scheduled_value as a2,
    cast(null as varchar) as t1
  from intermediate.int_billing_lines_compared l
  where l.complete_to_date > l.scheduled_value
),

-- Money as a controller reads it ($12,400.00): the runner's money_text macro (portable SQL).
money as (
  select
    f.*,
    {{ money_text(f.amount_at_risk) }} as amount_text,
    {{ money_text(f.a1) }} as a1_text,
    {{ money_text(f.a2) }} as a2_text
  from findings f
),

described as (
  select
    m.*,
    case
      when m.source_system = 'spectrum' then 'Spectrum application #' || cast(m.application_number as varchar)
      else 'BuildOps pay application #' || cast(m.application_number as varchar) || coalesce(' (' || m.status || ')', '')
    end || ' of job ' || coalesce(m.job_number, '(no job)') || ', item ' || coalesce(m.item_number, '(blank, line ' || m.line_key || ')') as line_text
  from money m
)

select
  d.company_code,
  d.finding_type,
  d.source_system,
  d.job_number,
  d.application_number,
  d.item_number,
  d.invoice_number,
  d.buildops_invoice_id,
  d.buildops_pay_application_id,
  cast(d.amount_at_risk as decimal(18, 2)) as amount_at_risk,
  d.line_key,
  case
    when d.finding_type = 'billed_in_both_systems' and d.kind = 'invoice' then
      'BuildOps invoice ' || coalesce(d.invoice_number, d.buildops_invoice_id) || ' (' || d.amount_text || ', issued ' || cast(d.d1 as varchar)
      || ') falls inside Spectrum application #' || cast(d.application_number as varchar) || ' of job ' || d.job_number
      || ' (' || cast(d.d2 as varchar) || ' – ' || cast(d.d3 as varchar) || '): the same work may be billed twice'
    when d.finding_type = 'billed_in_both_systems' then
      'BuildOps pay application #' || coalesce(cast(d.other_number as varchar), '?') || ' of job ' || d.job_number
      || ' (' || coalesce(d.status, 'no status') || ', ' || d.amount_text || ' this period, through ' || cast(d.d1 as varchar)
      || ') falls inside Spectrum application #' || cast(d.application_number as varchar)
      || ' (' || cast(d.d2 as varchar) || ' – ' || cast(d.d3 as varchar) || '): the same work may be billed twice'
    when d.finding_type = 'duplicate_invoice' then
      'BuildOps invoice ' || d.invoice_number || ' (' || d.amount_text || ', issued ' || cast(d.d1 as varchar) || ') repeats invoice '
      || d.t1 || ' on job ' || coalesce(d.job_number, '(no job)')
      || ' for the same customer and total: void the copy before it reaches Spectrum or the customer'
    when d.finding_type = 'previous_mismatch' then
      d.line_text || ': previous completed ' || d.a1_text || ' but application #' || cast(d.application_number - 1 as varchar)
      || ' completed ' || d.a2_text || ' to date (' || d.amount_text || ' apart); correct the previous amount before the application goes out'
    else
      d.line_text || ': completed to date ' || d.a1_text || ' exceeds the scheduled value ' || d.a2_text || ' by ' || d.amount_text
      || '; bill the excess only under an approved change order'
  end as detail
from described d
