-- grain: one row per Spectrum job-cost history row (JC_TRANSACTION_HISTORY_MC), every transaction type
-- not_null: company_code, job_number, tran_type_code, tran_amount
-- Tran_Type_Code: PR payroll (with burden), AP vendor, JC cost entry, AR billing (not a cost).
-- tran_date is the extractor's parse of Tran_Date_Text (YYYYMMDD).
select
  trim(company_code) as company_code,
  trim(job_number) as job_number,
  nullif(trim(phase_code), '') as phase_code,
  nullif(trim(cost_type), '') as cost_type,
  upper(trim(tran_type_code)) as tran_type_code,
  cast(tran_date as date) as tran_date,
  cast(tran_amount as decimal(18, 2)) as tran_amount,
  nullif(trim(cost_center), '') as cost_center,
  draw_appl_number,
  nullif(trim(invoice_or_transaction), '') as invoice_number,
  day_seq,
  _loaded_at
from raw.spectrum__jc_transaction_history_mc
