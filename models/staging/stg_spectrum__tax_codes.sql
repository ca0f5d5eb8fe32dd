-- grain: one row per Spectrum tax code of a kind (SY_TAX_CODES_MC)
-- unique: company_code, kind, code
-- not_null: company_code, kind, code
-- kind: TAX_CLASS (job-cost tax class) or SALES_TAX (AR sales tax code); status A is usable.
select
  trim(company_code) as company_code,
  trim(code) as code,
  upper(trim(kind)) as kind,
  cast(rate as decimal(9, 4)) as rate,
  upper(trim(status)) as status,
  _loaded_at
from raw.spectrum__sy_tax_codes_mc
