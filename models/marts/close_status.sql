-- grain: one row per close check: each finding mart, the write-back, the Spectrum AR window, the freshness of each source, quarantined records, and load volumes
-- unique: company_code, check
-- not_null: company_code, check, area, open_findings, status, detail
-- check status_is_known:
--   select "check", status from {{ this }} where status not in ('ok', 'attention', 'blocking')
-- upstream_failure: use_previous
-- Statuses (decided in models/marts/README.md): `blocking` = the books would close wrong
-- (revenue missing from Spectrum, the same work billed twice, revenue posted to the wrong cost
-- code, a source never loaded, a mart that failed this run); `attention` = work for the
-- accountants before or after close; `ok` = nothing found. A mart that failed this run is built
-- from its previous table (upstream_failure: use_previous) and its row says so.
-- Freshness is measured against the run's clock (run_at, when the run started, UTC): a source
-- whose last successful load is more than freshness_hours older is stale (source_freshness()).
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__jobs)) as company_code
),

latest_load as (
  -- the latest load of each resource, to count what it quarantined
  select source, resource, rows_quarantined
  from (
    select
      source,
      resource,
      rows_quarantined,
      row_number() over (partition by source, resource order by finished_at desc) as recency
    from meta.loads
    where status = 'loaded'
  ) l
  where recency = 1
),

latest_volumes as (
  -- the latest load of each table, with its size before and after it (meta.load_volumes)
  select table_name, write_mode, rows_before, rows_after
  from (
    select
      table_name,
      write_mode,
      rows_before,
      rows_after,
      row_number() over (partition by table_name order by recorded_at desc) as recency
    from meta.load_volumes
  ) v
  where recency = 1
),

shrunk_snapshots as (
  -- a snapshot is the whole table each load: one that lost more than the configured share
  -- since its previous load most likely lost rows in the export or the extract
  select table_name, rows_before, rows_after
  from latest_volumes
  where write_mode = 'replace' and rows_before > 0 and rows_after < rows_before * (1 - {{ volume_drop_share }})
),

latest_source_loads as (
  -- each source's latest load (a join below, not a correlated max(): Postgres would rescan per row)
  select source, max(load_id) as load_id
  from meta.load_volumes
  group by source
),

empty_sources as (
  -- a source whose latest run loaded nothing at all where its tables held rows
  select v.source, sum(v.rows_before) as rows_before
  from meta.load_volumes v
  join latest_source_loads l on l.source = v.source and l.load_id = v.load_id
  -- a resource of that run found unchanged (its export not read again) still holds what it loaded
  where not exists (select 1 from meta.loads u where u.source = v.source and u.load_id = v.load_id and u.status = 'unchanged')
  group by v.source
  having sum(v.rows_loaded) = 0 and sum(v.rows_before) > 0
),

freshness as (
  -- the one freshness rule, which plumbline status reads too (against now instead of the run's clock)
  {{ source_freshness() }}
),

buildops_loaded as (select last_loaded_at from freshness where source = 'buildops'),

spectrum_loaded as (select last_loaded_at from freshness where source = 'spectrum'),

both_loaded as (
  -- a mart joining both systems is as fresh as the older of the two
  select case
    when b.last_loaded_at is null or s.last_loaded_at is null then null
    when b.last_loaded_at < s.last_loaded_at then b.last_loaded_at
    else s.last_loaded_at
  end as last_loaded_at
  from buildops_loaded b cross join spectrum_loaded s
),

ar_aging_check as (
  select
    'ar_aging' as "check",
    'Receivables' as area,
    count(*) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case when count(*) > 0 then 'attention' else 'ok' end as status,
    case when count(*) = 0 then 'No invoice is more than 90 days past due.'
      else cast(count(*) as varchar) || ' invoice(s) more than 90 days past due, net of retainage: call the customers before close.'
    end as detail
  from marts.ar_aging
  where aging_bucket = '90+' and open_net_of_retainage > 0
),

invoice_status_check as (
  select
    'invoice_status' as "check",
    'Receivables' as area,
    count(*) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case
      when sum(case when drift_type = 'missing_in_spectrum' then 1 else 0 end) > 0 then 'blocking'
      when count(*) > 0 then 'attention'
      else 'ok'
    end as status,
    case when count(*) = 0 then 'BuildOps and Spectrum agree on every invoice''s status and amount.'
      else cast(sum(case when drift_type = 'missing_in_spectrum' then 1 else 0 end) as varchar) || ' invoice(s) BuildOps sent are missing in Spectrum; '
        || cast(sum(case when drift_type = 'awaiting_posting' then 1 else 0 end) as varchar) || ' await posting; '
        || cast(sum(case when drift_type in ('paid_not_reflected', 'paid_in_buildops_only') then 1 else 0 end) as varchar) || ' disagree on payment; '
        || cast(sum(case when drift_type = 'amount_mismatch' then 1 else 0 end) as varchar) || ' differ in amount.'
    end as detail
  from marts.invoice_status
  where drift_type is not null
),

cost_code_drift_check as (
  select
    'cost_code_drift' as "check",
    'Job cost' as area,
    count(*) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case
      when sum(case when finding_type = 'posted_cost_code_mismatch' then 1 else 0 end) > 0 then 'blocking'
      when count(*) > 0 then 'attention'
      else 'ok'
    end as status,
    case when count(*) = 0 then 'Every pricebook item maps to an active phase and cost type.'
      else cast(sum(case when finding_type = 'posted_cost_code_mismatch' then 1 else 0 end) as varchar) || ' invoice line(s) posted to the wrong phase or cost type; '
        || cast(sum(case when finding_type <> 'posted_cost_code_mismatch' then 1 else 0 end) as varchar) || ' mapping problem(s) to fix in cost_code_map.csv or Spectrum.'
    end as detail
  from marts.cost_code_drift
),

billing_duplicates_check as (
  select
    'billing_duplicates' as "check",
    'Billing' as area,
    count(*) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case
      when sum(case when finding_type in ('billed_in_both_systems', 'duplicate_invoice') then 1 else 0 end) > 0 then 'blocking'
      when count(*) > 0 then 'attention'
      else 'ok'
    end as status,
    case when count(*) = 0 then 'No double billing and every AIA application ties out.'
      else cast(sum(case when finding_type in ('billed_in_both_systems', 'duplicate_invoice') then 1 else 0 end) as varchar) || ' possible double billing(s); '
        || cast(sum(case when finding_type in ('previous_mismatch', 'over_scheduled_value') then 1 else 0 end) as varchar) || ' AIA line(s) that do not tie out.'
    end as detail
  from marts.billing_duplicates
),

retainage_check as (
  select
    'retainage_reconciliation' as "check",
    'Retainage' as area,
    count(*) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case when count(*) > 0 then 'attention' else 'ok' end as status,
    case when count(*) = 0 then 'Retainage billed agrees between BuildOps and Spectrum on every job.'
      else cast(count(*) as varchar) || ' job(s) where BuildOps and Spectrum disagree on retainage billed.'
    end as detail
  from marts.retainage_reconciliation
  where status = 'mismatch'
),

compliance_check as (
  select
    'subcontractor_compliance' as "check",
    'Payables' as area,
    count(*) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case when count(*) > 0 then 'attention' else 'ok' end as status,
    case when count(*) = 0 then 'Every active subcontractor assignment is compliant.'
      else cast(count(*) as varchar) || ' subcontractor assignment(s) not compliant: hold their AP until the documents arrive.'
    end as detail
  from marts.subcontractor_compliance
  where not is_compliant
),

batches_check as (
  select
    'service_ticket_batches' as "check",
    'Billing' as area,
    count(*) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case when count(*) > 0 then 'attention' else 'ok' end as status,
    case when count(*) = 0 then 'No approved service ticket is waiting to be billed.'
      else cast(count(*) as varchar) || ' summary invoice(s) of ' || cast(coalesce(sum(ticket_count), 0) as varchar)
        || ' approved service ticket(s) not yet in Spectrum: post them before close.'
    end as detail
  from marts.service_ticket_batches
),

wip_check as (
  select
    'wip_schedule' as "check",
    'Work in progress' as area,
    count(*) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case when count(*) > 0 then 'attention' else 'ok' end as status,
    case when count(*) = 0 then 'No active job has cost beyond its estimate.'
      else cast(count(*) as varchar) || ' active job(s) over budget: review their estimates and any loss to recognize.'
    end as detail
  from marts.wip_schedule
  where estimated_cost > 0 and cost_with_unprocessed > estimated_cost
),

-- Write-back: records preflight blocks now (and so cannot go), records Spectrum rejected, and
-- records sent but still not found in Spectrum after writeback.confirm_within_days (blocking:
-- revenue plumbline believes is in Spectrum may not be). The outbox is as of the last push.
writeback_blocked as (
  select o.record_type, o.buildops_id, o.invoice_total as amount
  from marts.writeback_outbound o
  -- A service ticket on a daily summary invoice counts once, through its summary.
  where o.summary_buildops_id is null
    and exists (select 1 from marts.writeback_preflight p where p.record_type = o.record_type and p.buildops_id = o.buildops_id)
),

writeback_failed as (
  -- the outbox through marts.writeback_outbox: the amounts the reports show for it, one definition
  select record_type, buildops_id, amount
  from marts.writeback_outbox
  where state = 'failed'
),

writeback_unconfirmed as (
  select record_type, buildops_id, amount
  from marts.writeback_outbox
  where state = 'sent' and cast(sent_at as date) < {{ as_of }} - {{ writeback_confirm_days }}
),

writeback_check as (
  select
    'writeback' as "check",
    'Write-back' as area,
    (select count(*) from writeback_blocked) + (select count(*) from writeback_failed) + (select count(*) from writeback_unconfirmed) as open_findings,
    coalesce((select sum(amount) from writeback_blocked), 0) + coalesce((select sum(amount) from writeback_failed), 0)
      + coalesce((select sum(amount) from writeback_unconfirmed), 0) as amount_at_risk,
    case
      when (select count(*) from writeback_unconfirmed) > 0 then 'blocking'
      when (select count(*) from writeback_blocked where amount is not null) + (select count(*) from writeback_failed where amount is not null) > 0 then 'attention'
      when (select count(*) from writeback_blocked) + (select count(*) from writeback_failed) > 0 then 'attention'
      else 'ok'
    end as status,
    case
      when (select count(*) from writeback_unconfirmed) > 0
        then cast((select count(*) from writeback_unconfirmed) as varchar) || ' record(s) sent to Spectrum more than ' || cast({{ writeback_confirm_days }} as varchar)
          || ' days ago were never found there: check the import batches in Spectrum (plumbline outbox --state sent). '
      else ''
    end
    || case
      when (select count(*) from writeback_blocked) + (select count(*) from writeback_failed) = 0 then 'Every outbound record passes preflight; none was rejected by Spectrum.'
      else cast((select count(*) from writeback_blocked) as varchar) || ' outbound record(s) blocked by preflight and '
        || cast((select count(*) from writeback_failed) as varchar) || ' rejected by Spectrum: see plumbline push --dry-run for each fix.'
    end as detail
),

gl_tieout_check as (
  select
    'ar_gl_tieout' as "check",
    'General ledger' as area,
    sum(case when status = 'unexplained' then 1 else 0 end) as open_findings,
    coalesce(sum(amount_at_risk), 0) as amount_at_risk,
    case
      when sum(case when status = 'unexplained' then 1 else 0 end) > 0 then 'blocking'
      when sum(case when status = 'explained' then 1 else 0 end) > 0 then 'attention'
      else 'ok'
    end as status,
    case
      when sum(case when status = 'unexplained' then 1 else 0 end) > 0 then
        cast(sum(case when status = 'unexplained' then 1 else 0 end) as varchar)
        || ' AR control account(s) differ from the receivables subledger by more than the journal entries posted to them: find the posting before close.'
      when sum(case when status = 'explained' then 1 else 0 end) > 0 then
        'The AR control accounts differ from the subledger only by journal entries posted straight to them: review each entry.'
      else 'The AR control accounts tie to the receivables subledger.'
    end as detail
  from marts.ar_gl_tieout
),

-- The Spectrum AR processing window (SY_PROCESSING_DATES_MC, module AR) against the approved
-- BuildOps invoices not sent yet: the outbound invoices of marts.writeback_outbound that no push
-- has sent (or a person bypassed or marked synced) in the outbox (marts.writeback_outbox).
ar_window as (
  select min_date, max_date, max_date - {{ as_of }} as days_left
  from staging.stg_spectrum__processing_dates
  where company_code = (select company_code from run_company) and module = 'AR'
),

unsent_invoices as (
  select o.buildops_id, o.invoice_total as amount
  from marts.writeback_outbound o
  where o.record_type = 'invoice'
    and not exists (
      select 1 from marts.writeback_outbox x
      where x.record_type = o.record_type and x.buildops_id = o.buildops_id and x.state in ('sending', 'sent', 'confirmed', 'marked_synced', 'bypassed')
    )
),

outside_window as (
  -- dated outside the open window: the preflight's own closed_period rule on the invoice date
  -- (one rule, in one place), with its message and fix
  select u.buildops_id, u.amount, p.message, p.fix
  from unsent_invoices u
  join marts.writeback_preflight p on p.record_type = 'invoice' and p.buildops_id = u.buildops_id and p.rule = 'closed_period' and p.field = 'Invoice_Date'
),

inside_window as (
  select u.buildops_id, u.amount
  from unsent_invoices u
  where not exists (select 1 from outside_window w where w.buildops_id = u.buildops_id)
),

window_closing as (
  -- the window closes (its last open date is) within the configured days of the as-of date, or has passed
  select w.max_date, w.days_left
  from ar_window w
  where w.days_left <= {{ ar_window_warn_days }}
),

ar_window_check as (
  select
    'ar_window_closing' as "check",
    'Write-back' as area,
    case when exists (select 1 from window_closing) then (select count(*) from inside_window) else 0 end as open_findings,
    case when exists (select 1 from window_closing) then coalesce((select sum(amount) from inside_window), 0) else 0 end as amount_at_risk,
    case when exists (select 1 from window_closing) and exists (select 1 from inside_window) then 'attention' else 'ok' end as status,
    case
      when not exists (select 1 from ar_window) then 'Spectrum''s AR processing dates (SY_PROCESSING_DATES_MC, module AR) were not extracted: the window cannot be checked.'
      when not exists (select 1 from inside_window) then 'No approved BuildOps invoice dated in the open AR window ('
        || (select cast(min_date as varchar) || ' … ' || cast(max_date as varchar) from ar_window) || ') is waiting to be sent.'
      when not exists (select 1 from window_closing) then 'The AR window closes ' || (select cast(max_date as varchar) from ar_window) || ', in '
        || (select cast(days_left as varchar) from ar_window) || ' days; ' || cast((select count(*) from inside_window) as varchar)
        || ' approved BuildOps invoice(s) wait to be sent.'
      else 'The Spectrum AR processing window '
        || (select case when days_left < 0 then 'closed ' || cast(max_date as varchar) || ', ' || cast(-days_left as varchar) || ' day(s) before the as-of date'
                        when days_left = 0 then 'closes today (' || cast(max_date as varchar) || ')'
                        else 'closes ' || cast(max_date as varchar) || ', in ' || cast(days_left as varchar) || ' day(s)' end from window_closing)
        || ', and ' || cast((select count(*) from inside_window) as varchar) || ' approved BuildOps invoice(s) totalling '
        || {{ money_text((select coalesce(sum(amount), 0) from inside_window)) }}
        || ' are not sent yet: push them before it closes (plumbline push; plumbline push --dry-run shows what blocks any), or ask accounting to keep the AR period open until they are in.'
    end as detail
),

outside_window_check as (
  select
    'invoices_outside_window' as "check",
    'Write-back' as area,
    (select count(*) from outside_window) as open_findings,
    coalesce((select sum(amount) from outside_window), 0) as amount_at_risk,
    case when exists (select 1 from outside_window) then 'blocking' else 'ok' end as status,
    case
      when not exists (select 1 from outside_window) then 'Every approved BuildOps invoice waiting to be sent is dated inside the open AR window.'
      else cast((select count(*) from outside_window) as varchar) || ' approved BuildOps invoice(s) totalling '
        || {{ money_text((select coalesce(sum(amount), 0) from outside_window)) }}
        || ' are dated outside the open AR period: tonight''s push would be refused (e.g. ' || (select min(message) from outside_window) || ') '
        || (select min(fix) from outside_window)
    end as detail
),

mart_checks as (
  select c.*, s.last_loaded_at from ar_aging_check c cross join spectrum_loaded s
  union all select c.*, b.last_loaded_at from writeback_check c cross join both_loaded b
  union all select c.*, b.last_loaded_at from invoice_status_check c cross join both_loaded b
  union all select c.*, b.last_loaded_at from cost_code_drift_check c cross join both_loaded b
  union all select c.*, b.last_loaded_at from billing_duplicates_check c cross join both_loaded b
  union all select c.*, b.last_loaded_at from retainage_check c cross join both_loaded b
  union all select c.*, b.last_loaded_at from compliance_check c cross join both_loaded b
  union all select c.*, b.last_loaded_at from batches_check c cross join buildops_loaded b
  union all select c.*, b.last_loaded_at from wip_check c cross join both_loaded b
  union all select c.*, s.last_loaded_at from gl_tieout_check c cross join spectrum_loaded s
  union all select c.*, b.last_loaded_at from ar_window_check c cross join both_loaded b
  union all select c.*, b.last_loaded_at from outside_window_check c cross join both_loaded b
),

check_marts as (
  -- the mart a check reads, where it is not the check's own name
  select 'ar_window_closing' as "check", 'writeback_preflight' as mart
  union all select 'invoices_outside_window', 'writeback_preflight'
),

failed_this_run as (
  select model, message
  from meta.model_runs
  where run_id = {{ run_id }} and status = 'failed'
),

freshness_checks as (
  select
    'freshness_' || f.source as "check",
    'Data' as area,
    case when f.is_stale then 1 else 0 end as open_findings,
    cast(null as decimal(18, 2)) as amount_at_risk,
    case
      when f.last_loaded_at is null then 'blocking'
      when f.is_stale then 'attention'
      else 'ok'
    end as status,
    case
      when f.last_loaded_at is null then 'No successful load from ' || f.source || ' yet: every figure that needs it is missing.'
      -- the run's own time stays out of the sentence, so a rerun on the same loads says the same
      when f.is_stale then 'The last successful load from ' || f.source || ' was at '
        || substr(cast(f.last_loaded_at as varchar), 1, 16) || ' UTC, more than ' || cast({{ freshness_hours }} as varchar)
        || ' hours before this run: its figures are stale. Check why the extract did not run or failed (plumbline status), then rerun it (plumbline run).'
      else 'Loaded from ' || f.source || ' within ' || cast({{ freshness_hours }} as varchar) || ' hours of this run.'
    end as detail,
    f.last_loaded_at
  from freshness f
),

quarantine_check as (
  select
    'quarantine' as "check",
    'Data' as area,
    coalesce(sum(rows_quarantined), 0) as open_findings,
    cast(null as decimal(18, 2)) as amount_at_risk,
    case when coalesce(sum(rows_quarantined), 0) > 0 then 'attention' else 'ok' end as status,
    case when coalesce(sum(rows_quarantined), 0) = 0 then 'No record was set aside by the latest loads.'
      else cast(sum(rows_quarantined) as varchar) || ' record(s) failed validation in the latest loads and are in meta.quarantine with their reasons: fix them at the source.'
    end as detail,
    (select max(last_loaded_at) from freshness) as last_loaded_at
  from latest_load
),

volume_check as (
  select
    'volume' as "check",
    'Data' as area,
    (select count(*) from shrunk_snapshots) + (select count(*) from empty_sources) as open_findings,
    cast(null as decimal(18, 2)) as amount_at_risk,
    case
      when exists (select 1 from empty_sources) then 'blocking'
      when exists (select 1 from shrunk_snapshots) then 'attention'
      else 'ok'
    end as status,
    case
      when not exists (select 1 from empty_sources) and not exists (select 1 from shrunk_snapshots)
        then 'No snapshot shrank by more than the configured share, and every source loaded rows.'
      else trim(
        coalesce((select string_agg(source || ' loaded 0 rows in its latest run where its tables held ' || cast(rows_before as varchar) || '; check the export or the extract.', ' ' order by source) from empty_sources), '')
        || ' '
        || coalesce((select string_agg(table_name || ' shrank from ' || cast(rows_before as varchar) || ' to ' || cast(rows_after as varchar) || ' rows since its previous load.', ' ' order by table_name) from shrunk_snapshots), '')
        || case when exists (select 1 from shrunk_snapshots) then ' A file cut short or lost rows in the extract would do this: check before closing.' else '' end
      )
    end as detail,
    (select max(last_loaded_at) from freshness) as last_loaded_at
)

select
  {{ company_code }} as company_code,
  c."check",
  c.area,
  cast(c.open_findings as bigint) as open_findings,
  cast(c.amount_at_risk as decimal(18, 2)) as amount_at_risk,
  c.last_loaded_at,
  case when f.model is not null then 'blocking' else c.status end as status,
  case when f.model is not null
    then f.model || ' failed this run (' || coalesce(f.message, 'no message') || '); the figures are from its previous build. ' || c.detail
    else c.detail
  end as detail
from mart_checks c
left join check_marts m on m."check" = c."check"
left join failed_this_run f on f.model = 'marts.' || coalesce(m.mart, c."check")
union all
select {{ company_code }}, "check", area, cast(open_findings as bigint), amount_at_risk, last_loaded_at, status, detail from freshness_checks
union all
select {{ company_code }}, "check", area, cast(open_findings as bigint), amount_at_risk, last_loaded_at, status, detail from quarantine_check
union all
select {{ company_code }}, "check", area, cast(open_findings as bigint), amount_at_risk, last_loaded_at, status, detail from volume_check
