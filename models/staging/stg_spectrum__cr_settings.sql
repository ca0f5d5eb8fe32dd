-- grain: one row per company's receivables installation settings (CR_INSTALLATION_MC)
-- unique: company_code
-- not_null: company_code
-- ar_gl_account: the receivables account imported invoices post to.
select
  trim(company_code) as company_code,
  nullif(trim(ar_gl_account), '') as ar_gl_account,
  upper(trim(invoice_date_in_gl_period)) as invoice_date_in_gl_period,
  _loaded_at
from raw.spectrum__cr_installation_mc
