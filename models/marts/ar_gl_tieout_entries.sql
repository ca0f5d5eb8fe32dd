-- grain: one row per GL line dated on or before as-of on an AR control account that the receivables module did not post (Source_Module other than CR)
-- unique: company_code, transaction_date, day_seq
-- not_null: company_code, gl_account, transaction_date, amount
-- The entries behind marts.ar_gl_tieout.explained_by_entries, so the controller sees each one.
with accounts as (
  select company_code, gl_account from intermediate.int_ar_control_accounts_balanced
)

select
  g.company_code,
  g.gl_account,
  g.transaction_date,
  g.source_module,
  g.reference,
  g.description,
  cast(g.amount as decimal(18, 2)) as amount,
  g.day_seq
from staging.stg_spectrum__gl_transactions g
inner join accounts a on a.company_code = g.company_code and a.gl_account = g.gl_account
where g.transaction_date <= {{ as_of }} and coalesce(g.source_module, '') <> 'CR'
