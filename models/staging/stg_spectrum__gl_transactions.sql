-- grain: one row per Spectrum general-ledger transaction line (GL_TRANSACTION_HISTORY_MC)
-- unique: company_code, transaction_date, day_seq
-- not_null: company_code, gl_account, transaction_date, amount
-- Amounts are signed as the ledger holds them: debits positive, credits negative.
-- source_module is the module that posted the line (`CR` receivables, `GL` a journal entry, …).
select
  trim(company_code) as company_code,
  trim(gl_account) as gl_account,
  cast(transaction_date as date) as transaction_date,
  cast(amount as decimal(18, 2)) as amount,
  nullif(upper(trim(source_module)), '') as source_module,
  nullif(trim(reference), '') as reference,
  nullif(trim(description), '') as description,
  day_seq,
  _loaded_at
from raw.spectrum__gl_transaction_history_mc
