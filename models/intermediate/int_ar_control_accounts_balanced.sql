-- grain: one row per AR control account per company (CR_INSTALLATION_MC.AR_GL_Account, and Retention_GL_Account when it differs), with its subledger balance
-- unique: company_code, gl_account
-- not_null: company_code, gl_account, subledger_balance
-- The receivables subledger as of as-of: regular = Σ open items dated <= as-of (every type,
-- credits and unapplied payments included) minus the retention still open on the open
-- invoices; retention = Σ retainage_open of the open invoices dated <= as-of. A company whose
-- retention account is its AR account carries both on one row.
with settings as (
  select company_code, ar_gl_account, retention_gl_account
  from staging.stg_spectrum__ar_settings
  where ar_gl_account is not null
),

open_items as (
  select o.company_code, sum(o.invoice_balance) as open_total
  from staging.stg_spectrum__open_items o
  where o.invoice_date is null or o.invoice_date <= {{ as_of }}
  group by o.company_code
),

retention as (
  select a.company_code, sum(a.retainage_open) as retainage_open
  from intermediate.int_ar_invoices_aged a
  where a.open_total <> 0 and (a.invoice_date is null or a.invoice_date <= {{ as_of }})
  group by a.company_code
),

balances as (
  select
    s.company_code,
    s.ar_gl_account,
    s.retention_gl_account,
    coalesce(o.open_total, 0) as open_total,
    coalesce(r.retainage_open, 0) as retainage_open
  from settings s
  left join open_items o on o.company_code = s.company_code
  left join retention r on r.company_code = s.company_code
)

select
  company_code,
  ar_gl_account as gl_account,
  'receivable' as account_role,
  cast(case when retention_gl_account = ar_gl_account then open_total else open_total - retainage_open end as decimal(18, 2)) as subledger_balance
from balances
union all
select
  company_code,
  retention_gl_account as gl_account,
  'retention' as account_role,
  cast(retainage_open as decimal(18, 2)) as subledger_balance
from balances
where retention_gl_account <> ar_gl_account
