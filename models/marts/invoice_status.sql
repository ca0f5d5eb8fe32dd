-- grain: one row per non-void BuildOps invoice sent to accounting (syncStatus Synced/Bypassed/Failed/Pending, or status Exported/Paid) or matched to a Spectrum invoice, posted or unposted
-- unique: buildops_invoice_id
-- not_null: company_code, buildops_invoice_id, invoice_number, buildops_status, buildops_total, spectrum_status, match_method
-- check drift_has_detail:
--   select 1 from {{ this }} where drift_type is not null and detail is null
-- check drift_follows_status:
--   select 1 from {{ this }}
--   where (coalesce(drift_type, '') = 'missing_in_spectrum') <> (spectrum_status = 'missing')
--      or (coalesce(drift_type, '') = 'awaiting_posting') <> (spectrum_status = 'unposted')
-- Payment-status drift (docs/marts.md). The Spectrum side of each BuildOps invoice is its
-- match in intermediate.int_invoices_matched (every header, paid ones and credit memos
-- included, and every unposted invoice), chosen by intermediate.int_buildops_invoices_matched:
-- a posted match wins over an unposted one, a Remarks match over an invoice-number one. Void BuildOps invoices are not in the mart. Rules the
-- contract leaves open: models/marts/README.md.
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__invoice_headers)) as company_code
),

buildops as (
  select
    i.*,
    case
      when i.sync_status in ('Synced', 'Bypassed', 'Failed', 'Pending') or i.status in ('Exported', 'Paid') then 1
      else 0
    end as is_sent
  from staging.stg_buildops__invoices i
  where i.status <> 'Void'
),

matches as (
  select * from intermediate.int_buildops_invoices_matched
),

open_items as (
  select company_code, customer_code, invoice_number, sum(invoice_balance) as open_total
  from staging.stg_spectrum__open_items
  group by company_code, customer_code, invoice_number
),

payments as (
  select
    company_code,
    customer_code,
    invoice_number,
    count(*) as payment_count,
    sum(case when invoice_type = 'R' then 0 else amount end) as regular_paid,
    sum(case when invoice_type = 'R' then amount else 0 end) as retainage_paid,
    max(transaction_date) as last_payment_date
  from staging.stg_spectrum__pay_adjustments
  group by company_code, customer_code, invoice_number
),

spectrum_side as (
  select
    m.buildops_invoice_id,
    m.company_code,
    m.spectrum_source,
    m.match_method,
    m.invoice_number,
    m.customer_code,
    m.job_number,
    m.transaction_type,
    coalesce(h.invoice_extension, u.invoice_extension, 0) as gross,
    coalesce(h.retention_amount, u.retention_amount, 0) as retainage_billed,
    coalesce(h.invoice_date, u.invoice_date) as invoice_date,
    u.batch_code as unposted_batch_code,
    coalesce(o.open_total, 0) as open_total,
    coalesce(p.payment_count, 0) as payment_count,
    coalesce(p.regular_paid, 0) as regular_paid,
    coalesce(p.retainage_paid, 0) as retainage_paid,
    p.last_payment_date
  from matches m
  -- Which side a match is on is folded into the key (null matches nothing): an ON testing m
  -- against a constant leaves DuckDB no hash key, and it falls back to a nested loop.
  left join staging.stg_spectrum__invoice_headers h
    on h.company_code = m.company_code and h.invoice_number = case when m.spectrum_source = 'posted' then m.invoice_number end
  left join staging.stg_spectrum__unposted_invoices u
    on u.company_code = m.company_code and u.invoice_number = case when m.spectrum_source = 'unposted' then m.invoice_number end
  left join open_items o
    on o.company_code = m.company_code and o.customer_code = m.customer_code
    and o.invoice_number = case when m.spectrum_source = 'posted' then m.invoice_number end
  left join payments p
    on p.company_code = m.company_code and p.customer_code = m.customer_code
    and p.invoice_number = case when m.spectrum_source = 'posted' then m.invoice_number end
),

joined as (
  select
    coalesce(s.company_code, (select company_code from run_company)) as company_code,
    b.buildops_invoice_id,
    coalesce(s.invoice_number, b.invoice_number) as invoice_number,
    b.invoice_number as buildops_invoice_number,
    s.invoice_number as spectrum_invoice_number,
    coalesce(s.job_number, b.job_number) as job_number,
    coalesce(s.customer_code, c.accounting_ref_id) as customer_code,
    b.status as buildops_status,
    b.sync_status as buildops_sync_status,
    b.sync_error as buildops_sync_error,
    b.issued_date as buildops_issued_date,
    coalesce(b.total_amount, 0) as buildops_total,
    s.spectrum_source,
    s.transaction_type as spectrum_transaction_type,
    s.invoice_date as spectrum_invoice_date,
    s.unposted_batch_code,
    s.gross as spectrum_gross,
    s.retainage_billed,
    s.retainage_paid,
    s.regular_paid,
    s.open_total,
    s.payment_count,
    s.last_payment_date,
    coalesce(s.match_method, 'none') as match_method,
    case
      when s.spectrum_source is null then 'missing'
      when s.spectrum_source = 'unposted' then 'unposted'
      when s.open_total = 0 then 'paid'
      when s.payment_count = 0 then 'open'
      -- the regular part (open total less open retainage) still open; signed for credit memos
      when (s.open_total - (s.retainage_billed - s.retainage_paid)) * (case when s.gross < 0 then -1 else 1 end) > 0 then 'partial'
      else 'retention_held'
    end as spectrum_status
  from buildops b
  left join spectrum_side s on s.buildops_invoice_id = b.buildops_invoice_id
  left join staging.stg_buildops__customers c on c.buildops_customer_id = b.customer_id
  where b.is_sent = 1 or s.buildops_invoice_id is not null
),

drifted as (
  select
    j.*,
    case
      when j.spectrum_status = 'missing' then 'missing_in_spectrum'
      when j.spectrum_status = 'unposted' then 'awaiting_posting'
      when j.spectrum_status in ('paid', 'retention_held') and j.buildops_status <> 'Paid' then 'paid_not_reflected'
      when j.buildops_status = 'Paid' and j.spectrum_status in ('open', 'partial') then 'paid_in_buildops_only'
      when abs(j.buildops_total - j.spectrum_gross) > 0.01 then 'amount_mismatch'
    end as drift_type
  from joined j
)

select
  d.company_code,
  d.buildops_invoice_id,
  d.invoice_number,
  d.buildops_invoice_number,
  d.spectrum_invoice_number,
  d.job_number,
  d.customer_code,
  d.buildops_status,
  d.buildops_sync_status,
  cast(d.buildops_total as decimal(18, 2)) as buildops_total,
  cast(d.spectrum_gross as decimal(18, 2)) as spectrum_gross,
  cast(d.buildops_total - d.spectrum_gross as decimal(18, 2)) as amount_difference,
  cast(d.open_total as decimal(18, 2)) as spectrum_open_total,
  cast(d.retainage_billed as decimal(18, 2)) as spectrum_retainage_billed,
  cast(d.retainage_paid as decimal(18, 2)) as spectrum_retainage_paid,
  cast(d.retainage_billed - d.retainage_paid as decimal(18, 2)) as spectrum_retainage_open,
  cast(d.regular_paid as decimal(18, 2)) as spectrum_regular_paid,
  d.last_payment_date as spectrum_last_payment_date,
  d.spectrum_status,
  d.spectrum_transaction_type,
  d.match_method,
  d.drift_type,
  -- The money a drift puts at risk: the difference for an amount mismatch, else the invoice.
  cast(case
    when d.drift_type is null then 0
    when d.drift_type = 'amount_mismatch' then abs(coalesce(d.buildops_total, 0) - coalesce(d.spectrum_gross, 0))
    else coalesce(d.buildops_total, d.spectrum_gross, 0)
  end as decimal(18, 2)) as amount_at_risk,
  case d.drift_type
    when 'missing_in_spectrum' then
      'BuildOps invoice ' || d.invoice_number || ' (' || d.buildops_status || ', sync ' || coalesce(d.buildops_sync_status, 'unknown')
      || ', ' || cast(cast(d.buildops_total as decimal(18, 2)) as varchar) || ') is in neither Spectrum''s posted nor its unposted invoices'
      || coalesce(' (sync error: ' || d.buildops_sync_error || ')', '')
      || ' — re-send it from BuildOps or enter it in Spectrum'
    when 'awaiting_posting' then
      'Invoice ' || d.invoice_number || ' was imported into Spectrum' || coalesce(' batch ' || d.unposted_batch_code, '')
      || ' but is not posted yet — post it in Spectrum so it ages and can take payments'
    when 'paid_not_reflected' then
      case when d.spectrum_status = 'paid' then
        'Spectrum shows invoice ' || d.invoice_number || ' paid' || coalesce(' on ' || cast(d.last_payment_date as varchar), '')
        || '; BuildOps still shows it ' || d.buildops_status || ' — mark it paid in BuildOps'
      else
        'Spectrum shows the regular part of invoice ' || d.invoice_number || ' paid' || coalesce(' on ' || cast(d.last_payment_date as varchar), '')
        || ' with retainage ' || cast(cast(d.retainage_billed - d.retainage_paid as decimal(18, 2)) as varchar) || ' still held; BuildOps still shows it '
        || d.buildops_status || ' — record the payment in BuildOps'
      end
    when 'paid_in_buildops_only' then
      'BuildOps shows invoice ' || d.invoice_number || ' Paid, but Spectrum still has ' || cast(cast(d.open_total as decimal(18, 2)) as varchar)
      || ' open on it (' || d.spectrum_status || ') — apply the payment in Spectrum, or reopen the invoice in BuildOps if no payment came'
    when 'amount_mismatch' then
      'BuildOps totals invoice ' || d.invoice_number || ' at ' || cast(cast(d.buildops_total as decimal(18, 2)) as varchar) || ', Spectrum at '
      || cast(cast(d.spectrum_gross as decimal(18, 2)) as varchar) || ' (difference ' || cast(cast(d.buildops_total - d.spectrum_gross as decimal(18, 2)) as varchar)
      || ') — it changed after it synced: correct the system that is wrong, or issue an adjustment'
  end as detail
from drifted d
