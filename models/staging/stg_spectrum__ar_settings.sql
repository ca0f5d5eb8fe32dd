-- grain: one row per Spectrum company's receivables settings (CR_INSTALLATION_MC)
-- unique: company_code
-- not_null: company_code
-- A blank Retention_GL_Account means retention is carried on the AR account itself.
select
  trim(company_code) as company_code,
  nullif(trim(ar_gl_account), '') as ar_gl_account,
  coalesce(nullif(trim(retention_gl_account), ''), nullif(trim(ar_gl_account), '')) as retention_gl_account,
  nullif(upper(trim(invoice_date_in_gl_period)), '') as invoice_date_in_gl_period,
  _loaded_at
from raw.spectrum__cr_installation_mc
