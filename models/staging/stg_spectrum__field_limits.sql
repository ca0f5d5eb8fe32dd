-- grain: one row per Spectrum Data Exchange field the write-back fills and checks (Spectrum's documented limits: a seed, no source table)
-- unique: record_type, field
-- not_null: record_type, field, label, max_length, rule
-- The one place the Spectrum Data Exchange field limits and character rules live:
-- marts.writeback_preflight reads them to refuse a record before sending, and the Data Exchange
-- client (writeback/field-limits.ts) reads this table to check every payload again as it goes.
-- key_field = 1 marks the codes (invoice, job, customer); refused_characters are the characters
-- Spectrum refuses in the field (writeback_preflight rule invalid_characters): / * ? " ' > < # , & ~
-- in codes, a comma in the customer name. rule is the preflight rule a value over the limit fails
-- (the phone's limit counts its digits only).
select record_type, field, label, max_length, key_field, rule, refused_characters
from (
  values
    ('job', 'Customer_Name', 'Customer name', 30, 0, 'field_too_long', ','),
    ('job', 'Address_1', 'Address line 1', 30, 0, 'field_too_long', cast(null as varchar)),
    ('job', 'Address_2', 'Address line 2', 30, 0, 'field_too_long', null),
    ('job', 'City', 'City', 25, 0, 'field_too_long', null),
    ('job', 'Zip_Code', 'Zip code', 10, 0, 'field_too_long', null),
    ('job', 'Phone', 'Phone (digits)', 14, 0, 'phone_format', null),
    ('job', 'Job_Number', 'Job number', 10, 1, 'field_too_long', '/*?"''><#,&~'),
    ('job', 'Job_Description', 'Job description', 25, 0, 'field_too_long', null),
    ('job', 'Customer_Code', 'Customer code', 10, 1, 'field_too_long', '/*?"''><#,&~'),
    ('job', 'Cost_Center', 'Cost center', 10, 0, 'field_too_long', null),
    ('job', 'Tax_Class_Code', 'Tax class', 15, 0, 'field_too_long', null),
    ('phase', 'Phase_Code', 'Phase code', 20, 0, 'field_too_long', null),
    ('phase', 'Cost_Type', 'Cost type', 3, 0, 'field_too_long', null),
    ('phase', 'Description', 'Phase description', 25, 0, 'field_too_long', null),
    ('invoice', 'Invoice_Or_Transaction', 'Invoice number', 10, 1, 'field_too_long', '/*?"''><#,&~'),
    ('invoice', 'Customer_Code', 'Customer code', 10, 1, 'field_too_long', '/*?"''><#,&~'),
    ('invoice', 'Job_Number', 'Job number', 10, 1, 'field_too_long', '/*?"''><#,&~'),
    ('invoice', 'Cost_Center', 'Cost center', 10, 0, 'field_too_long', null),
    ('invoice', 'Remarks', 'Remarks', 65, 0, 'field_too_long', null),
    ('invoice', 'Customer_PO', 'Customer PO', 25, 0, 'field_too_long', null),
    ('invoice', 'Detail_Description', 'Line description', 30, 0, 'field_too_long', null)
) as limits (record_type, field, label, max_length, key_field, rule, refused_characters)
