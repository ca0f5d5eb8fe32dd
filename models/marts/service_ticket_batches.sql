-- grain: one row per proposed daily summary AR invoice: (customer_code, issue date, cost center) of approved, unsynced BuildOps service tickets
-- unique: company_code, batch_key
-- not_null: company_code, batch_key, customer_code, issue_date, cost_center, ticket_count, subtotal, tax_amount, total_amount, detail
-- check lines_tie_out:
--   select 1 from {{ this }} b
--   left join (
--     select batch_key, count(*) as tickets, sum(total_amount) as total_amount
--     from marts.service_ticket_batch_lines group by batch_key
--   ) l on l.batch_key = b.batch_key
--   where l.batch_key is null or l.tickets <> b.ticket_count or l.total_amount <> b.total_amount
--   union all
--   select 1 from marts.service_ticket_batch_lines l
--   where not exists (select 1 from {{ this }} b where b.batch_key = l.batch_key)
-- Daily summary invoices (docs/marts.md), one per (customer, Chicago issue date, cost
-- center), from the tickets of marts.service_ticket_batch_lines. What is posted is the batch's
-- revenue (Σ ticket subtotals) plus its tax (Σ ticket taxes): total_amount = subtotal +
-- tax_amount. The tie-out lines_tie_out checks that Σ of the tickets' own BuildOps totals equals
-- that batch total to the cent (a ticket whose totalAmount is not its subtotal + tax, or a ticket
-- without its batch, fails the mart and keeps the previous table). Decisions: models/marts/README.md.
with batches as (
  select
    customer_code,
    issue_date,
    cost_center,
    batch_key,
    count(*) as ticket_count,
    cast(sum(subtotal) as decimal(18, 2)) as subtotal,
    cast(sum(tax_amount) as decimal(18, 2)) as tax_amount,
    cast(sum(subtotal) + sum(tax_amount) as decimal(18, 2)) as total_amount
  from marts.service_ticket_batch_lines
  group by customer_code, issue_date, cost_center, batch_key
),

-- Money as the controller reads it ($1,284.50): the runner's money_text macro (portable SQL).
formatted as (
  select
    b.*,
    {{ money_text(b.subtotal) }} as subtotal_text,
    {{ money_text(b.tax_amount) }} as tax_text,
    {{ money_text(b.total_amount) }} as total_text
  from batches b
)

select
  cast({{ company_code }} as varchar) as company_code,
  f.batch_key,
  f.customer_code,
  f.issue_date,
  f.cost_center,
  cast(f.ticket_count as integer) as ticket_count,
  f.subtotal,
  f.tax_amount,
  f.total_amount,
  -- Revenue approved in BuildOps and not yet billed in Spectrum.
  cast(f.total_amount as decimal(18, 2)) as amount_at_risk,
  'Post one summary ' || case when f.total_amount < 0 then 'credit memo' else 'AR invoice' end
    || ' to customer ' || f.customer_code || ' dated ' || cast(f.issue_date as varchar)
    || case when f.cost_center = '' then ' with no cost center (department not mapped in department_cost_centers.csv)' else ' on cost center ' || f.cost_center end
    || ' for ' || cast(f.ticket_count as varchar) || case when f.ticket_count = 1 then ' service ticket: ' else ' service tickets: ' end
    || f.subtotal_text || ' + ' || f.tax_text || ' tax = ' || f.total_text as detail
from formatted f
