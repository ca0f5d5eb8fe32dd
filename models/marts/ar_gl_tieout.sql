-- grain: one row per AR control account per company (the AR account, and the retention account when it differs), as of the as-of date
-- unique: company_code, gl_account
-- not_null: company_code, gl_account, subledger_balance, gl_balance, difference, explained_by_entries, unexplained, status
-- check difference_adds_up:
--   select 1 from {{ this }}
--   where difference <> gl_balance - subledger_balance or unexplained <> difference - explained_by_entries
-- The receivables subledger against the general ledger (docs/marts.md). gl_balance = Σ the
-- account's GL lines dated <= as-of (debits positive); explained_by_entries = Σ of those not
-- posted by the receivables module (Source_Module other than CR, a blank module included):
-- journal entries posted straight to a control account, each listed in ar_gl_tieout_entries.
with accounts as (
  select * from intermediate.int_ar_control_accounts_balanced
),

ledger as (
  select
    g.company_code,
    g.gl_account,
    sum(g.amount) as gl_balance,
    sum(case when coalesce(g.source_module, '') <> 'CR' then g.amount else 0 end) as explained_by_entries
  from staging.stg_spectrum__gl_transactions g
  where g.transaction_date <= {{ as_of }}
  group by g.company_code, g.gl_account
),

measured as (
  select
    a.company_code,
    a.gl_account,
    a.account_role,
    gm.description,
    a.subledger_balance,
    coalesce(l.gl_balance, 0) as gl_balance,
    coalesce(l.explained_by_entries, 0) as explained_by_entries
  from accounts a
  left join ledger l on l.company_code = a.company_code and l.gl_account = a.gl_account
  left join staging.stg_spectrum__gl_accounts gm on gm.company_code = a.company_code and gm.gl_account = a.gl_account
)

select
  company_code,
  gl_account,
  description,
  account_role,
  cast(subledger_balance as decimal(18, 2)) as subledger_balance,
  cast(gl_balance as decimal(18, 2)) as gl_balance,
  cast(gl_balance - subledger_balance as decimal(18, 2)) as difference,
  cast(explained_by_entries as decimal(18, 2)) as explained_by_entries,
  cast(gl_balance - subledger_balance - explained_by_entries as decimal(18, 2)) as unexplained,
  case
    when gl_balance - subledger_balance = 0 then 'ties'
    when gl_balance - subledger_balance - explained_by_entries = 0 then 'explained'
    else 'unexplained'
  end as status,
  -- What no entry explains: the subledger and the ledger disagree by this much.
  cast(abs(gl_balance - subledger_balance - explained_by_entries) as decimal(18, 2)) as amount_at_risk
from measured
