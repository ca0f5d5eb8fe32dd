-- grain: one row per payment applied to a BuildOps invoice (the invoice's payments[], every invoice status)
-- unique: buildops_invoice_id, position
-- not_null: buildops_invoice_id, position
select
  trim(invoice_id) as buildops_invoice_id,
  cast(position as integer) as position,
  nullif(trim(payment_id), '') as payment_id,
  cast(applied_amount as decimal(18, 2)) as applied_amount,
  cast(applied_date as date) as applied_date,
  _loaded_at
from raw.buildops__invoices__payments
