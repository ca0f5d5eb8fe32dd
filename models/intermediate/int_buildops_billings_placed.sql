-- grain: one row per non-void BuildOps invoice or BuildOps pay application (any status) dated inside a Spectrum AIA application period of its job
-- unique: buildops_invoice_id, buildops_pay_application_id
-- not_null: company_code, job_number, application_number, billing_kind, billed_on, amount
-- An invoice is dated by its issue date in the company's time zone, a pay application by its
-- periodTo. The invoice of one of the job's Spectrum applications is that application's own
-- billing, not a second one, and is left out. Should Spectrum periods overlap, the lowest
-- application number holding the date is kept, so a billing is placed once.
with periods as (
  select * from intermediate.int_billing_periods_bounded
),

application_invoices as (
  select distinct company_code, job_number, buildops_invoice_id from intermediate.int_billing_application_invoices_matched
),

pay_application_totals as (
  select buildops_pay_application_id, sum(coalesce(this_period, 0)) as this_period
  from staging.stg_buildops__pay_application_lines
  group by buildops_pay_application_id
),

billings as (
  select
    'invoice' as billing_kind,
    i.buildops_invoice_id,
    i.invoice_number,
    cast(null as varchar) as buildops_pay_application_id,
    cast(null as integer) as pay_application_number,
    i.status,
    i.job_number,
    i.issued_date as billed_on,
    coalesce(i.total_amount, 0) as amount
  from staging.stg_buildops__invoices i
  where i.status <> 'Void' and i.job_number is not null and i.issued_date is not null
  union all
  select
    'pay_application' as billing_kind,
    cast(null as varchar) as buildops_invoice_id,
    cast(null as varchar) as invoice_number,
    p.buildops_pay_application_id,
    p.application_number as pay_application_number,
    p.status,
    p.job_number,
    p.period_to as billed_on,
    coalesce(t.this_period, 0) as amount
  from staging.stg_buildops__pay_applications p
  left join pay_application_totals t on t.buildops_pay_application_id = p.buildops_pay_application_id
  where p.job_number is not null and p.period_to is not null
),

placed as (
  select
    s.company_code,
    b.job_number,
    s.application_number,
    s.period_start,
    s.period_end,
    b.billing_kind,
    b.buildops_invoice_id,
    b.invoice_number,
    b.buildops_pay_application_id,
    b.pay_application_number,
    b.status,
    b.billed_on,
    cast(b.amount as decimal(18, 2)) as amount,
    row_number() over (
      partition by b.billing_kind, b.buildops_invoice_id, b.buildops_pay_application_id
      order by s.application_number, s.company_code
    ) as nth
  from billings b
  join periods s on s.job_number = b.job_number and b.billed_on between s.period_start and s.period_end
  where not exists (
    select 1
    from application_invoices ai
    where ai.company_code = s.company_code and ai.job_number = s.job_number and ai.buildops_invoice_id = b.buildops_invoice_id
  )
)

select
  company_code,
  job_number,
  application_number,
  period_start,
  period_end,
  billing_kind,
  buildops_invoice_id,
  invoice_number,
  buildops_pay_application_id,
  pay_application_number,
  status,
  billed_on,
  amount
from placed
where nth = 1
