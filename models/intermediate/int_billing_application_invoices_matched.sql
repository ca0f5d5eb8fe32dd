-- grain: one row per (Spectrum AIA application, BuildOps invoice that is that application's invoice)
-- unique: company_code, job_number, application_number, buildops_invoice_id
-- not_null: company_code, job_number, application_number, buildops_invoice_id
-- The application's invoice (CR_BILLING_HEADER_MC.Invoice_Or_Transaction) is found in BuildOps
-- the way invoices are matched everywhere (models/marts/README.md): a Spectrum invoice, posted
-- or unposted, whose Remarks carry `BO:<id>` belongs to that BuildOps invoice only; only when
-- no Spectrum invoice of that number carries a BuildOps key do BuildOps invoices of the same
-- number (or whose accountingRefId is that number) count. Deliberately wider than
-- int_invoices_matched's unique-number fallback: here a match only keeps an application's own
-- invoice from being flagged as billed twice, so every candidate counts.
with keyed as (
  -- Spectrum invoices (posted or unposted) carrying a BuildOps key, as the shared match reads them
  select distinct company_code, invoice_number, remarks_buildops_id as buildops_invoice_id
  from intermediate.int_invoices_matched
  where remarks_buildops_id is not null
),

applications as (
  select company_code, job_number, application_number, invoice_number
  from intermediate.int_billing_periods_bounded
  where invoice_number is not null
),

by_key as (
  select a.company_code, a.job_number, a.application_number, k.buildops_invoice_id
  from applications a
  join keyed k on k.company_code = a.company_code and k.invoice_number = a.invoice_number
),

unkeyed as (
  select a.*
  from applications a
  where not exists (select 1 from keyed k where k.company_code = a.company_code and k.invoice_number = a.invoice_number)
),

-- The number or the accountingRefId, as two equi-joins (the union below drops the overlap): an
-- OR in one ON leaves DuckDB no hash key, and it falls back to a nested loop.
by_number as (
  select u.company_code, u.job_number, u.application_number, b.buildops_invoice_id
  from unkeyed u
  join staging.stg_buildops__invoices b on b.invoice_number = u.invoice_number
  union
  select u.company_code, u.job_number, u.application_number, b.buildops_invoice_id
  from unkeyed u
  join staging.stg_buildops__invoices b on b.accounting_ref_id = u.invoice_number
)

select company_code, job_number, application_number, buildops_invoice_id from by_key
union
select company_code, job_number, application_number, buildops_invoice_id from by_number
