-- grain: one row per finding: an unmapped item; an item whose mapped phase + cost type is missing or inactive on a job (one row per item and job); an item whose expense GL account allows another cost type; a posted Spectrum invoice line on another phase + cost type than its item's mapping
-- unique: company_code, finding_type, item_code, job_number, gl_account, invoice_number, line_number
-- not_null: company_code, finding_type, detail
-- check known_finding_types:
--   select finding_type from {{ this }}
--   where finding_type not in ('unmapped_item', 'mapping_target_missing', 'mapping_target_inactive', 'gl_cost_type_mismatch', 'posted_cost_code_mismatch')
-- check unmapped_item_has_no_line_rows:
--   select l.item_code, l.finding_type from {{ this }} l
--   join {{ this }} u on u.finding_type = 'unmapped_item' and u.item_code = l.item_code
--   where l.finding_type <> 'unmapped_item'
-- check one_row_per_item_and_job:
--   select item_code, job_number from {{ this }}
--   where finding_type in ('mapping_target_missing', 'mapping_target_inactive')
--   group by item_code, job_number having count(*) > 1
-- check unmapped_amounts_tie_out:
--   select u.item_code from {{ this }} u
--   where u.finding_type = 'unmapped_item'
--     and u.amount <> coalesce((
--       select sum(l.amount) from staging.stg_buildops__invoice_items l
--       join staging.stg_buildops__invoices i on i.buildops_invoice_id = l.buildops_invoice_id
--       left join staging.stg_buildops__products p on p.buildops_product_id = l.product_id
--       where i.status <> 'Void' and coalesce(l.item_code, p.item_code) = u.item_code), 0)
-- Cost-code mapping drift (docs/marts.md). Rules the contract leaves open (sandbox
-- decisions): models/marts/README.md, section cost_code_drift.
-- BuildOps is one tenant of the run's company: its jobs are compared with that company's
-- Spectrum jobs, phases and GL accounts only. "The first line" is by BuildOps invoice number
-- in byte order — `collate "C"`, which Postgres and DuckDB both read as binary order (a
-- Postgres database's own collation would otherwise ignore case and punctuation) — then line
-- position.
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__jobs)) as company_code
),

mapping as (
  select item_code, phase_code, cost_type
  from staging.stg_mappings__cost_code_map
),

-- Every line of a non-void BuildOps invoice (synced or not), with its item code (the line's
-- own, else its product's).
lines as (
  select
    i.buildops_invoice_id,
    i.invoice_number,
    i.job_number,
    l.line_number,
    coalesce(l.item_code, p.item_code) as item_code,
    coalesce(l.amount, 0) as amount
  from staging.stg_buildops__invoice_items l
  join staging.stg_buildops__invoices i on i.buildops_invoice_id = l.buildops_invoice_id
  left join staging.stg_buildops__products p on p.buildops_product_id = l.product_id
  where i.status <> 'Void'
),

active_items as (
  select distinct item_code
  from staging.stg_buildops__products
  where is_active and item_code is not null
),

unmapped as (
  select
    a.item_code,
    coalesce((select sum(l.amount) from lines l where l.item_code = a.item_code), 0) as amount
  from active_items a
  where not exists (select 1 from mapping m where m.item_code = a.item_code)
),

-- Lines of a mapped item on a job Spectrum has (a job not exported yet has no phases to
-- compare with), with the state of the mapped phase + cost type on that job.
job_lines as (
  select
    j.company_code,
    l.*,
    m.phase_code as mapped_phase_code,
    m.cost_type as mapped_cost_type,
    ph.status_code as phase_status,
    case
      when ph.phase_code is null then 'mapping_target_missing'
      when ph.status_code is null or ph.status_code <> 'A' then 'mapping_target_inactive'
    end as finding_type
  from lines l
  join mapping m on m.item_code = l.item_code
  join staging.stg_spectrum__jobs j
    on j.company_code = (select company_code from run_company) and j.job_number = l.job_number
  left join staging.stg_spectrum__phases ph
    on ph.company_code = j.company_code
    and ph.job_number = j.job_number
    and ph.phase_code = m.phase_code
    and ph.cost_type = upper(m.cost_type)
),

job_findings as (
  select
    f.*,
    row_number() over (
      partition by f.item_code, f.job_number
      order by f.invoice_number collate "C" nulls last, f.line_number, f.buildops_invoice_id
    ) as line_rank,
    sum(f.amount) over (partition by f.item_code, f.job_number) as item_job_amount,
    count(*) over (partition by f.item_code, f.job_number) as line_count
  from job_lines f
  where f.finding_type is not null
),

gl_mismatches as (
  select distinct
    p.item_code,
    p.gl_expense_account as gl_account,
    g.cost_type as gl_cost_type,
    m.phase_code as mapped_phase_code,
    m.cost_type as mapped_cost_type
  from staging.stg_buildops__products p
  join mapping m on m.item_code = p.item_code
  join staging.stg_spectrum__gl_accounts g
    on g.company_code = (select company_code from run_company) and g.gl_account = p.gl_expense_account
  where p.is_active
    and g.cost_type is not null
    and g.cost_type <> upper(m.cost_type)
),

-- A posted Spectrum line that came from BuildOps: its invoice matched a BuildOps invoice
-- (intermediate.int_invoices_matched: Remarks BO:<id>, else the invoice number) and the
-- BuildOps line at the same position.
posted as (
  select
    d.company_code,
    mi.invoice_number,
    coalesce(mi.job_number, bi.job_number) as job_number,
    mi.buildops_invoice_id,
    d.line_number,
    d.phase_code,
    d.cost_type,
    d.line_extension,
    bl.item_code,
    m.phase_code as mapped_phase_code,
    m.cost_type as mapped_cost_type
  from staging.stg_spectrum__invoice_details d
  join intermediate.int_invoices_matched mi
    on mi.company_code = d.company_code
    and mi.invoice_number = d.invoice_number
    and mi.spectrum_source = 'posted'
    and mi.buildops_invoice_id is not null
  join staging.stg_buildops__invoices bi on bi.buildops_invoice_id = mi.buildops_invoice_id
  join lines bl on bl.buildops_invoice_id = mi.buildops_invoice_id and bl.line_number = d.line_number
  join mapping m on m.item_code = bl.item_code
  -- No test of d.company_code against the run's company: a matched BuildOps invoice already
  -- implies it (int_invoices_matched matches the run's company only), and Postgres, unable to
  -- estimate a comparison with a subquery, then joined every line by line number alone (10× slower).
  where (coalesce(d.phase_code, '') <> m.phase_code or coalesce(d.cost_type, '') <> upper(m.cost_type))
),

findings as (
  select
    (select company_code from run_company) as company_code,
    'unmapped_item' as finding_type,
    u.item_code,
    cast(null as varchar) as job_number,
    cast(null as varchar) as phase_code,
    cast(null as varchar) as cost_type,
    cast(null as varchar) as mapped_phase_code,
    cast(null as varchar) as mapped_cost_type,
    cast(null as varchar) as gl_account,
    cast(null as varchar) as invoice_number,
    cast(null as integer) as line_number,
    cast(null as varchar) as buildops_invoice_id,
    cast(u.amount as decimal(18, 2)) as amount,
    'Item ' || u.item_code || ' is active in the BuildOps pricebook but has no row in cost_code_map.csv ('
    || case when u.amount = 0 then 'not on any invoice yet' else cast(cast(u.amount as decimal(18, 2)) as varchar) || ' billed on non-void invoices' end
    || '): map it to a Spectrum phase and cost type.' as detail
  from unmapped u

  union all

  select
    f.company_code,
    f.finding_type,
    f.item_code,
    f.job_number,
    f.mapped_phase_code,
    f.mapped_cost_type,
    f.mapped_phase_code,
    f.mapped_cost_type,
    cast(null as varchar),
    f.invoice_number,
    f.line_number,
    f.buildops_invoice_id,
    cast(f.item_job_amount as decimal(18, 2)),
    'Item ' || f.item_code || ' maps to phase ' || f.mapped_phase_code || '/' || f.mapped_cost_type || ', which '
    || case
      when f.finding_type = 'mapping_target_missing' then 'does not exist'
      else 'is inactive (status ' || coalesce(f.phase_status, 'blank') || ')'
    end
    || ' on job ' || f.job_number || ': ' || cast(f.line_count as varchar)
    || case when f.line_count = 1 then ' invoice line' else ' invoice lines' end
    || ' (' || cast(cast(f.item_job_amount as decimal(18, 2)) as varchar) || ', first on invoice ' || coalesce(f.invoice_number, f.buildops_invoice_id)
    || ' line ' || cast(f.line_number as varchar) || '). '
    || case
      when f.finding_type = 'mapping_target_missing' then 'Add the phase to the job in Spectrum or correct cost_code_map.csv.'
      else 'Reactivate the phase in Spectrum or correct cost_code_map.csv.'
    end
  from job_findings f
  where f.line_rank = 1

  union all

  select
    (select company_code from run_company),
    'gl_cost_type_mismatch',
    g.item_code,
    cast(null as varchar),
    cast(null as varchar),
    g.gl_cost_type,
    g.mapped_phase_code,
    g.mapped_cost_type,
    g.gl_account,
    cast(null as varchar),
    cast(null as integer),
    cast(null as varchar),
    cast(null as decimal(18, 2)),
    'Item ' || g.item_code || ': its expense GL account ' || g.gl_account || ' allows cost type ' || g.gl_cost_type
    || ' only, but cost_code_map.csv maps it to phase ' || g.mapped_phase_code || '/' || g.mapped_cost_type
    || ': correct the mapping or the item''s GL account.'
  from gl_mismatches g

  union all

  select
    p.company_code,
    'posted_cost_code_mismatch',
    p.item_code,
    p.job_number,
    p.phase_code,
    p.cost_type,
    p.mapped_phase_code,
    p.mapped_cost_type,
    cast(null as varchar),
    p.invoice_number,
    p.line_number,
    p.buildops_invoice_id,
    cast(p.line_extension as decimal(18, 2)),
    'Invoice ' || p.invoice_number || ' line ' || cast(p.line_number as varchar) || ' (item ' || p.item_code || ', '
    || coalesce(cast(cast(p.line_extension as decimal(18, 2)) as varchar), 'no amount') || ') was posted in Spectrum to phase '
    || coalesce(p.phase_code, '(blank)') || '/' || coalesce(p.cost_type, '(blank)') || coalesce(' on job ' || p.job_number, '')
    || ', but cost_code_map.csv maps the item to ' || p.mapped_phase_code || '/' || p.mapped_cost_type
    || ': revenue on the wrong cost code; correct the posting in Spectrum.'
  from posted p
)

select
  company_code,
  finding_type,
  item_code,
  job_number,
  phase_code,
  cost_type,
  mapped_phase_code,
  mapped_cost_type,
  gl_account,
  invoice_number,
  line_number,
  buildops_invoice_id,
  amount,
  -- The BuildOps line amounts on the drifting cost code (0 where the finding has no amount).
  cast(coalesce(amount, 0) as decimal(18, 2)) as amount_at_risk,
  detail
from findings
