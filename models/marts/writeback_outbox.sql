-- grain: one row per outbox record (meta.outbox): each outbound record version write-back froze, in its state now
-- unique: outbox_id
-- not_null: outbox_id, record_type, buildops_id, state
-- materialized: view
-- The outbox as the reports need it, so a report read through the reader role (which sees the
-- marts only) shows the same records as one read by the writer. A view: the writeback stage runs
-- after the models, and the reports must see that night's push. amount is the amount of the
-- payload frozen when it was checked (what was, or would be, sent). For a failed record, rule
-- says how it failed (Spectrum rejected it; the client refused it before sending, over a field
-- limit; or it never appeared in Spectrum when read back) and field the column Spectrum named.
select
  x.company_code,
  x.outbox_id,
  x.record_type,
  x.buildops_id,
  x.state,
  cast(x.amount as decimal(18, 2)) as amount,
  x.summary_outbox_id,
  case
    when x.state <> 'failed' then cast(null as varchar)
    when cast(x.last_response as varchar) like '%"errorCode":"L"%' then 'field_limit_not_sent'
    when cast(x.last_response as varchar) like '%"errorCode":%' then 'spectrum_rejected'
    else 'spectrum_read_back'
  end as rule,
  case
    when x.state = 'failed' and cast(x.last_response as varchar) like '%"column":"_%'
      then regexp_replace(cast(x.last_response as varchar), '^.*"column":"([^"]*)".*$', '\1')
  end as field,
  x.message,
  x.fix,
  x.sent_at,
  x.confirmed_at
from meta.outbox x
