-- grain: one row per Spectrum AR invoice of the built-in example
-- unique: invoice_number
-- not_null: invoice_number, customer_code, due_date
select
    trim(invoice_number) as invoice_number,
    trim(customer_code) as customer_code,
    customer_name,
    due_date,
    gross_amount,
    retainage_billed,
    retainage_paid,
    open_total
from raw.example__invoices
