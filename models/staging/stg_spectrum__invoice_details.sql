-- grain: one row per line of a posted Spectrum AR invoice or credit memo (CR_INVOICE_DETAIL_MC)
-- unique: company_code, invoice_number, line_number
-- not_null: company_code, invoice_number, line_number
-- A line imported from BuildOps keeps the position it had on the BuildOps invoice. Blank phase
-- or cost type (NULL or spaces) is NULL here.
select
  trim(company_code) as company_code,
  trim(invoice_or_transaction) as invoice_number,
  cast(line_number as integer) as line_number,
  nullif(trim(detail_description), '') as detail_description,
  nullif(trim(phase_code), '') as phase_code,
  nullif(upper(trim(cost_type)), '') as cost_type,
  nullif(trim(gl_account), '') as gl_account,
  cast(line_extension as decimal(18, 2)) as line_extension,
  cast(retention_amount as decimal(18, 2)) as retention_amount,
  cast(sales_tax_amount as decimal(18, 2)) as sales_tax_amount,
  _loaded_at
from raw.spectrum__cr_invoice_detail_mc
