-- grain: one row per line of a BuildOps invoice (every invoice status, Void included)
-- unique: buildops_invoice_id, line_number
-- not_null: buildops_invoice_id, line_number
-- line_number is the line's 1-based position on its invoice (the loader's `position`), the
-- same position a synced invoice's lines take in Spectrum's CR_INVOICE_DETAIL_MC.
select
  trim(invoice_id) as buildops_invoice_id,
  cast(position as integer) as line_number,
  nullif(trim(id), '') as buildops_line_id,
  nullif(trim(line_item_type), '') as line_item_type,
  nullif(trim(product_id), '') as product_id,
  nullif(trim(item_code), '') as item_code,
  nullif(trim(name), '') as item_name,
  nullif(trim(description), '') as description,
  cast(quantity as decimal(18, 4)) as quantity,
  cast(unit_price as decimal(18, 4)) as unit_price,
  cast(amount as decimal(18, 2)) as amount,
  taxable,
  _loaded_at
from raw.buildops__invoices__items
