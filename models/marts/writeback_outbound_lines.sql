-- grain: one row per line of an outbound invoice in marts.writeback_outbound, as Spectrum would receive it
-- unique: buildops_invoice_id, line_number
-- not_null: company_code, buildops_invoice_id, line_number, line_extension
-- check lines_tie_out:
--   select 1 from (select buildops_invoice_id, sum(retention_amount) as r, sum(sales_tax_amount) as t from {{ this }} group by buildops_invoice_id) l
--   join marts.writeback_outbound o on o.record_type = 'invoice' and o.buildops_id = l.buildops_invoice_id
--   where l.r <> o.retention_amount or l.t <> o.sales_tax_amount
-- Line_Extension is the BuildOps line amount (Spectrum's includes retention). BuildOps holds
-- retainage and tax per invoice only: they are spread over the lines in proportion to their
-- amounts (tax over the taxable lines), rounded to cents, the last line taking the remainder so
-- the lines add up to the header exactly. Phase codes are sent without dashes.
-- A daily summary invoice (writeback.service_tickets = daily_summary) has one line per phase +
-- cost type + GL account of its tickets' lines, each the sum of those lines (retention and tax
-- included); a summary without a job sends no phase or cost type on its lines (Spectrum takes a
-- phase only with a job), mapped_phase_code still says what it was summed by. The tickets' own
-- lines stay here too. summary_lines_tie_out: a summary's lines add up to its total, to the cent.
-- check summary_lines_tie_out:
--   select 1 from marts.writeback_outbound o
--   left join (
--     select buildops_invoice_id, sum(line_extension) + sum(sales_tax_amount) as gross from {{ this }} group by buildops_invoice_id
--   ) l on l.buildops_invoice_id = o.buildops_id
--   where o.ticket_count is not null and (l.gross is null or l.gross <> o.invoice_total)
with invoices as (
  select company_code, buildops_id as buildops_invoice_id, retention_amount, sales_tax_amount
  from marts.writeback_outbound
  where record_type = 'invoice'
),

lines as (
  select
    i.company_code,
    l.buildops_invoice_id,
    l.line_number,
    l.item_code,
    coalesce(l.description, l.item_name) as detail_description,
    m.phase_code as mapped_phase_code,
    replace(m.phase_code, '-', '') as phase_code,
    m.cost_type,
    p.gl_revenue_account as gl_account,
    l.amount as line_extension,
    coalesce(l.taxable, false) as taxable,
    i.retention_amount as invoice_retention,
    i.sales_tax_amount as invoice_tax,
    sum(l.amount) over (partition by l.buildops_invoice_id) as invoice_amount,
    sum(case when l.taxable then l.amount else 0 end) over (partition by l.buildops_invoice_id) as taxable_amount,
    row_number() over (partition by l.buildops_invoice_id order by l.line_number desc) as from_last,
    row_number() over (partition by l.buildops_invoice_id, coalesce(l.taxable, false) order by l.line_number desc) as from_last_of_kind
  from invoices i
  join staging.stg_buildops__invoice_items l on l.buildops_invoice_id = i.buildops_invoice_id
  left join staging.stg_mappings__cost_code_map m on m.item_code = l.item_code
  left join staging.stg_buildops__products p on p.buildops_product_id = l.product_id
),

shared as (
  select
    lines.*,
    case
      when invoice_amount = 0 then cast(0 as decimal(18, 2))
      else cast(round(cast(invoice_retention * line_extension as decimal(38, 6)) / invoice_amount, 2) as decimal(18, 2))
    end as retention_share,
    case
      when not taxable or taxable_amount = 0 then cast(0 as decimal(18, 2))
      else cast(round(cast(invoice_tax * line_extension as decimal(38, 6)) / taxable_amount, 2) as decimal(18, 2))
    end as tax_share
  from lines
),

totals as (
  select
    buildops_invoice_id,
    sum(case when from_last > 1 then retention_share else 0 end) as retention_before_last,
    sum(case when taxable and from_last_of_kind > 1 then tax_share else 0 end) as tax_before_last,
    max(case when taxable then 1 else 0 end) as has_taxable
  from shared
  group by buildops_invoice_id
)
,

invoice_lines as (
  select
    s.company_code,
    s.buildops_invoice_id,
    s.line_number,
    s.item_code,
    s.detail_description,
    s.mapped_phase_code,
    s.phase_code,
    s.cost_type,
    s.gl_account,
    s.line_extension,
    cast(case when s.from_last = 1 then s.invoice_retention - t.retention_before_last else s.retention_share end as decimal(18, 2)) as retention_amount,
    cast(
      case
        when t.has_taxable = 0 then case when s.from_last = 1 then s.invoice_tax else 0 end
        when not s.taxable then 0
        when s.from_last_of_kind = 1 then s.invoice_tax - t.tax_before_last
        else s.tax_share
      end as decimal(18, 2)
    ) as sales_tax_amount
  from shared s
  join totals t on t.buildops_invoice_id = s.buildops_invoice_id
)

select
  company_code, buildops_invoice_id, line_number, item_code, detail_description, mapped_phase_code, phase_code, cost_type, gl_account,
  line_extension, retention_amount, sales_tax_amount
from invoice_lines

union all

select
  o.company_code,
  o.buildops_id as buildops_invoice_id,
  cast(row_number() over (partition by o.buildops_id order by l.mapped_phase_code, l.cost_type, l.gl_account) as integer) as line_number,
  cast(null as varchar) as item_code,
  substr('Service tickets ' || coalesce(replace(l.mapped_phase_code, '-', '') || ' ' || l.cost_type, '(unmapped)'), 1, 30) as detail_description,
  l.mapped_phase_code,
  case when o.job_number is not null then replace(l.mapped_phase_code, '-', '') end as phase_code,
  case when o.job_number is not null then l.cost_type end as cost_type,
  l.gl_account,
  cast(sum(l.line_extension) as decimal(18, 2)) as line_extension,
  cast(sum(l.retention_amount) as decimal(18, 2)) as retention_amount,
  cast(sum(l.sales_tax_amount) as decimal(18, 2)) as sales_tax_amount
from invoice_lines l
join marts.writeback_outbound t on t.record_type = 'invoice' and t.buildops_id = l.buildops_invoice_id and t.summary_buildops_id is not null
join marts.writeback_outbound o on o.record_type = 'invoice' and o.buildops_id = t.summary_buildops_id
group by o.company_code, o.buildops_id, o.job_number, l.mapped_phase_code, l.cost_type, l.gl_account
