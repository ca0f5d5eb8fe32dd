-- grain: one row per job with non-zero retainage billed in either system (BuildOps non-void invoices, Spectrum posted invoice headers of the run's company)
-- unique: company_code, job_number
-- not_null: company_code, job_number, buildops_retainage_billed, spectrum_retainage_billed, spectrum_retainage_paid, spectrum_retainage_open, difference, status
-- check difference_adds_up:
--   select 1 from {{ this }}
--   where difference <> buildops_retainage_billed - spectrum_retainage_billed
--      or spectrum_retainage_open <> spectrum_retainage_billed - spectrum_retainage_paid
-- check status_follows_difference:
--   select 1 from {{ this }} where (status = 'matched') <> (abs(difference) <= 0.01)
-- Retainage reconciliation (docs/marts.md). Jobs are joined across the systems by job
-- number; BuildOps pay applications are not counted, and neither are unposted Spectrum
-- invoices (shown beside, as spectrum_retainage_unposted, to explain a difference). detail
-- names the invoices whose retainage differs, paired through intermediate.int_invoices_matched.
-- Rules the contract leaves open: models/marts/README.md.
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__invoice_headers)) as company_code
),

buildops_invoices as (
  select i.buildops_invoice_id, i.invoice_number, i.job_number, i.customer_id, coalesce(i.retainage_amount, 0) as retainage
  from staging.stg_buildops__invoices i
  where i.status <> 'Void' and i.job_number is not null
),

headers as (
  select h.company_code, h.customer_code, h.invoice_number, h.job_number, coalesce(h.retention_amount, 0) as retention
  from staging.stg_spectrum__invoice_headers h
  where h.company_code = (select company_code from run_company) and h.job_number is not null
),

retainage_payments as (
  select company_code, customer_code, invoice_number, sum(amount) as retainage_paid
  from staging.stg_spectrum__pay_adjustments
  where invoice_type = 'R'
  group by company_code, customer_code, invoice_number
),

unposted as (
  select job_number, sum(coalesce(retention_amount, 0)) as retention
  from staging.stg_spectrum__unposted_invoices
  where company_code = (select company_code from run_company) and job_number is not null
  group by job_number
),

buildops_jobs as (
  select b.job_number, sum(b.retainage) as retainage_billed, min(c.accounting_ref_id) as customer_code
  from buildops_invoices b
  left join staging.stg_buildops__customers c on c.buildops_customer_id = b.customer_id
  group by b.job_number
),

spectrum_jobs as (
  select
    h.job_number,
    sum(h.retention) as retainage_billed,
    sum(coalesce(r.retainage_paid, 0)) as retainage_paid,
    min(h.customer_code) as customer_code
  from headers h
  left join retainage_payments r
    on r.company_code = h.company_code and r.customer_code = h.customer_code and r.invoice_number = h.invoice_number
  group by h.job_number
),

-- Invoice by invoice, to name in detail the ones whose retainage differs.
posted_matches as (
  select h.job_number, h.invoice_number, h.retention, m.buildops_invoice_id
  from headers h
  left join intermediate.int_invoices_matched m
    on m.spectrum_source = 'posted' and m.company_code = h.company_code and m.invoice_number = h.invoice_number
),

unposted_matches as (
  select distinct buildops_invoice_id
  from intermediate.int_invoices_matched
  where spectrum_source = 'unposted' and buildops_invoice_id is not null
),

invoice_pairs as (
  select
    coalesce(b.job_number, s.job_number) as job_number,
    coalesce(s.invoice_number, b.invoice_number) as invoice_number,
    coalesce(b.retainage, 0) as buildops_retainage,
    s.retention as spectrum_retainage,
    case when s.invoice_number is null and u.buildops_invoice_id is not null then 1 else 0 end as is_unposted,
    case when b.buildops_invoice_id is null then 1 else 0 end as is_spectrum_only
  from buildops_invoices b
  full outer join posted_matches s on s.buildops_invoice_id = b.buildops_invoice_id
  left join unposted_matches u on u.buildops_invoice_id = b.buildops_invoice_id
),

invoice_differences as (
  select
    job_number,
    string_agg(
      invoice_number || ' (' || case
        when is_spectrum_only = 1 then 'not in BuildOps, Spectrum ' || cast(cast(spectrum_retainage as decimal(18, 2)) as varchar)
        when spectrum_retainage is not null then
          'BuildOps ' || cast(cast(buildops_retainage as decimal(18, 2)) as varchar) || ', Spectrum ' || cast(cast(spectrum_retainage as decimal(18, 2)) as varchar)
        when is_unposted = 1 then 'BuildOps ' || cast(cast(buildops_retainage as decimal(18, 2)) as varchar) || ', not posted in Spectrum yet'
        else 'BuildOps ' || cast(cast(buildops_retainage as decimal(18, 2)) as varchar) || ', not in Spectrum'
      end || ')',
      '; ' order by invoice_number
    ) as invoices
  from invoice_pairs
  where abs(buildops_retainage - coalesce(spectrum_retainage, 0)) > 0.01
  group by job_number
),

jobs as (
  select job_number from buildops_jobs where retainage_billed <> 0
  union
  select job_number from spectrum_jobs where retainage_billed <> 0
),

measured as (
  select
    (select company_code from run_company) as company_code,
    j.job_number,
    coalesce(s.customer_code, b.customer_code) as customer_code,
    coalesce(b.retainage_billed, 0) as buildops_retainage_billed,
    coalesce(s.retainage_billed, 0) as spectrum_retainage_billed,
    coalesce(s.retainage_paid, 0) as spectrum_retainage_paid,
    coalesce(u.retention, 0) as spectrum_retainage_unposted,
    d.invoices as differing_invoices
  from jobs j
  left join buildops_jobs b on b.job_number = j.job_number
  left join spectrum_jobs s on s.job_number = j.job_number
  left join unposted u on u.job_number = j.job_number
  left join invoice_differences d on d.job_number = j.job_number
),

final as (
  select
    m.*,
    m.buildops_retainage_billed - m.spectrum_retainage_billed as difference,
    case when abs(m.buildops_retainage_billed - m.spectrum_retainage_billed) <= 0.01 then 'matched' else 'mismatch' end as status
  from measured m
)

select
  f.company_code,
  f.job_number,
  f.customer_code,
  cast(f.buildops_retainage_billed as decimal(18, 2)) as buildops_retainage_billed,
  cast(f.spectrum_retainage_billed as decimal(18, 2)) as spectrum_retainage_billed,
  cast(f.spectrum_retainage_paid as decimal(18, 2)) as spectrum_retainage_paid,
  cast(f.spectrum_retainage_billed - f.spectrum_retainage_paid as decimal(18, 2)) as spectrum_retainage_open,
  cast(f.difference as decimal(18, 2)) as difference,
  f.status,
  -- Retainage billed differently in the two systems: |difference| of a mismatch.
  cast(case when f.status = 'mismatch' then abs(f.difference) else 0 end as decimal(18, 2)) as amount_at_risk,
  cast(f.spectrum_retainage_unposted as decimal(18, 2)) as spectrum_retainage_unposted,
  f.differing_invoices,
  case
    when f.status = 'matched' then null
    when f.spectrum_retainage_billed = 0 then
      'BuildOps billed ' || cast(cast(f.buildops_retainage_billed as decimal(18, 2)) as varchar) || ' retainage on job ' || f.job_number
      || ' but Spectrum''s posted invoices hold none' || coalesce(' — by invoice: ' || f.differing_invoices, '')
      || ' — post the invoices or enter their retention in Spectrum'
    when f.buildops_retainage_billed = 0 then
      'Spectrum holds ' || cast(cast(f.spectrum_retainage_billed as decimal(18, 2)) as varchar) || ' retainage on job ' || f.job_number
      || ' that BuildOps never billed' || coalesce(' — by invoice: ' || f.differing_invoices, '')
      || ' — check the retention on those Spectrum invoices'
    else
      'Retainage billed on job ' || f.job_number || ' differs: BuildOps ' || cast(cast(f.buildops_retainage_billed as decimal(18, 2)) as varchar)
      || ', Spectrum ' || cast(cast(f.spectrum_retainage_billed as decimal(18, 2)) as varchar) || ' (difference ' || cast(cast(f.difference as decimal(18, 2)) as varchar) || ')'
      || coalesce(' — by invoice: ' || f.differing_invoices, '') || ' — correct the retention amount on the invoice in the wrong system'
  end as detail
from final f
