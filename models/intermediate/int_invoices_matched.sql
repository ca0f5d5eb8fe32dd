-- grain: one row per Spectrum AR invoice, posted (CR_INVOICE_HEADER_MC, every transaction type) or unposted (CR_UNPOSTED_INVOICE_MC), with the BuildOps invoice it belongs to
-- unique: company_code, spectrum_source, invoice_number
-- not_null: company_code, spectrum_source, invoice_number
-- The one place where a Spectrum invoice is matched to BuildOps (sandbox decision, see
-- models/marts/README.md): a Spectrum invoice whose Remarks carry `BO:<id>` belongs to that
-- BuildOps invoice only (null when it is void or not loaded); only one without a BuildOps key
-- falls back to a non-void BuildOps invoice of the same number, and only when exactly one has
-- it (an ambiguous number matches nothing rather than doubling a row). BuildOps is one tenant
-- of the run's company: Spectrum invoices of another company never match it. When no company
-- is configured the Spectrum files hold a single company, and that one is the run's.
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__invoice_headers)) as company_code
),

spectrum as (
  select
    company_code,
    'posted' as spectrum_source,
    invoice_number,
    customer_code,
    job_number,
    transaction_type,
    remarks
  from staging.stg_spectrum__invoice_headers
  union all
  select
    company_code,
    'unposted' as spectrum_source,
    invoice_number,
    customer_code,
    job_number,
    cast(null as varchar) as transaction_type,
    remarks
  from staging.stg_spectrum__unposted_invoices
),

keyed as (
  select
    s.*,
    case when s.remarks like 'BO:%' then trim(substr(s.remarks, 4)) end as remarks_buildops_id,
    case when s.company_code = (select company_code from run_company) then 1 else 0 end as in_run_company
  from spectrum s
),

buildops as (
  select buildops_invoice_id, invoice_number
  from staging.stg_buildops__invoices
  where status <> 'Void'
),

buildops_by_number as (
  select invoice_number, min(buildops_invoice_id) as buildops_invoice_id
  from buildops
  group by invoice_number
  having count(*) = 1
)

select
  k.company_code,
  k.spectrum_source,
  k.invoice_number,
  k.customer_code,
  k.job_number,
  k.transaction_type,
  k.remarks,
  k.remarks_buildops_id,
  coalesce(by_key.buildops_invoice_id, by_number.buildops_invoice_id) as buildops_invoice_id,
  case
    when by_key.buildops_invoice_id is not null then 'remarks'
    when by_number.buildops_invoice_id is not null then 'invoice_number'
  end as match_method
from keyed k
-- The conditions on k alone are folded into the join keys (a key that is null matches nothing):
-- an ON that tests one side against a constant leaves DuckDB no hash key, and it falls back to
-- a nested loop (test/models/join-plans.test.ts).
left join buildops by_key
  on by_key.buildops_invoice_id = case when k.in_run_company = 1 then k.remarks_buildops_id end
left join buildops_by_number by_number
  on by_number.invoice_number = case when k.in_run_company = 1 and k.remarks_buildops_id is null then k.invoice_number end
