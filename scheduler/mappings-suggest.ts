/**
 * `plumbline mappings suggest`: starter mapping files proposed from what a loaded warehouse
 * already knows — how Spectrum posted the lines that came from BuildOps, which cost center the
 * posted invoices of each department carry, and what payroll costs per hour behind each labor
 * item's timesheets. Every row has a `review` cell saying what a person must check; a row that
 * cannot be inferred says so and leaves its codes blank (the loader quarantines a blank code, so
 * an unreviewed row can never pass for a mapping).
 */
import type { Warehouse } from '../load/types.ts';

/** A CSV file to write: its columns, in order, and its rows. */
export interface SuggestedFile {
  name: 'cost_code_map.csv' | 'department_cost_centers.csv' | 'labor_rates.csv';
  columns: readonly string[];
  rows: Record<string, string | number>[];
}

/** A candidate answer (`15500/L`, a cost center) and how many posted records support it. */
export interface Candidate {
  code: string;
  lines: number;
}

/** One phase + cost type that some posted lines of an item went to. */
interface PostedTarget extends Candidate {
  phase_code: string;
  cost_type: string;
}

/** The review cell of a row that could not be inferred starts with this. */
export const NOT_INFERRED = 'not inferred';

// The company BuildOps belongs to, as the models take it: the configured code, else the one
// company of the Spectrum invoices.
const RUN_COMPANY = `run_company as (
  select coalesce(nullif($1, ''), (select min(company_code) from staging.stg_spectrum__invoice_headers)) as company_code
)`;

// Every line of a non-void BuildOps invoice with its item (the line's code, else its product's).
const BUILDOPS_LINES = `buildops_lines as (
  select i.buildops_invoice_id, i.department_name, l.line_number, coalesce(l.item_code, p.item_code) as item_code, coalesce(l.amount, 0) as amount
  from staging.stg_buildops__invoice_items l
  join staging.stg_buildops__invoices i on i.buildops_invoice_id = l.buildops_invoice_id
  left join staging.stg_buildops__products p on p.buildops_product_id = l.product_id
  where i.status <> 'Void'
)`;

// The posted Spectrum invoices that came from BuildOps (the one shared match of the models).
const POSTED_MATCHES = `posted_matches as (
  select m.company_code, m.invoice_number, m.buildops_invoice_id
  from intermediate.int_invoices_matched m
  where m.spectrum_source = 'posted' and m.buildops_invoice_id is not null
    and m.company_code = (select company_code from run_company)
)`;

/**
 * The most likely answer: the candidate most posted records support (an item's phase + cost
 * type, a department's cost center). The one rule of "most likely"; a tie is reported, never
 * broken silently.
 */
export function mostLikelyTarget<T extends Candidate>(candidates: readonly T[]): { best: T; posted: number; tiedWith: T[] } | null {
  if (candidates.length === 0) return null;
  const sorted = [...candidates].sort((a, b) => b.lines - a.lines || a.code.localeCompare(b.code));
  const best = sorted[0]!;
  return { best, posted: sorted.reduce((n, t) => n + t.lines, 0), tiedWith: sorted.slice(1).filter((t) => t.lines === best.lines) };
}

const target = (t: { phase_code: string; cost_type: string }): string => `${t.phase_code}/${t.cost_type}`;

/** The columns of the suggested cost_code_map.csv: the mapping's own three first, so the file loads as a mapping. */
const COST_CODE_COLUMNS = [
  'item_code',
  'phase_code',
  'cost_type',
  'item_name',
  'item_type',
  'billed_lines',
  'billed_amount',
  'posted_lines',
  'supporting_lines',
  'phase_active',
  'review',
] as const;

/** cost_code_map.csv: every item on a non-void BuildOps invoice with its most likely phase + cost type. */
export async function suggestCostCodes(warehouse: Warehouse, companyCode: string): Promise<SuggestedFile> {
  const items = await warehouse.query<{
    item_code: string;
    item_name: string | null;
    item_type: string | null;
    is_active: boolean | null;
    lines: number;
    amount: string;
  }>(
    `with ${BUILDOPS_LINES}
     select l.item_code, max(p.product_name) as item_name, max(p.product_type) as item_type,
            max(case when p.is_active then 1 else 0 end) = 1 as is_active, count(*) as lines, sum(l.amount) as amount
     from buildops_lines l
     left join staging.stg_buildops__products p on p.item_code = l.item_code
     where l.item_code is not null
     group by l.item_code
     order by l.item_code`,
  );
  const votes = await warehouse.query<{ item_code: string; phase_code: string; cost_type: string; lines: number }>(
    `with ${RUN_COMPANY}, ${BUILDOPS_LINES}, ${POSTED_MATCHES}
     select bl.item_code, d.phase_code, d.cost_type, count(*) as lines
     from staging.stg_spectrum__invoice_details d
     join posted_matches pm on pm.company_code = d.company_code and pm.invoice_number = d.invoice_number
     join buildops_lines bl on bl.buildops_invoice_id = pm.buildops_invoice_id and bl.line_number = d.line_number
     where bl.item_code is not null and d.phase_code is not null and d.cost_type is not null
     group by bl.item_code, d.phase_code, d.cost_type`,
    [companyCode],
  );
  const phases = await warehouse.query<{ phase_code: string; cost_type: string; jobs: number; active_jobs: number }>(
    `with ${RUN_COMPANY}
     select phase_code, cost_type, count(*) as jobs, sum(case when status_code = 'A' then 1 else 0 end) as active_jobs
     from staging.stg_spectrum__phases
     where company_code = (select company_code from run_company)
     group by phase_code, cost_type`,
    [companyCode],
  );
  const current = await warehouse.query<{ item_code: string; phase_code: string; cost_type: string }>(
    `select item_code, phase_code, cost_type from staging.stg_mappings__cost_code_map`,
  );
  const phaseByKey = new Map(phases.map((p) => [target(p), p]));
  const currentByItem = new Map(current.map((m) => [m.item_code, m]));
  const votesByItem = new Map<string, PostedTarget[]>();
  for (const v of votes)
    votesByItem.set(v.item_code, [
      ...(votesByItem.get(v.item_code) ?? []),
      { code: target(v), phase_code: v.phase_code, cost_type: v.cost_type, lines: Number(v.lines) },
    ]);

  const rows = items.map((item) => {
    const choice = mostLikelyTarget(votesByItem.get(item.item_code) ?? []);
    const phase = choice ? phaseByKey.get(target(choice.best)) : undefined;
    const phaseActive = !choice ? '' : !phase ? 'missing' : Number(phase.active_jobs) > 0 ? 'yes' : 'no';
    const notes: string[] = [];
    if (!choice) {
      notes.push(`${NOT_INFERRED}: no line of this item has been posted in Spectrum yet; choose its phase and cost type`);
    } else {
      const others = (votesByItem.get(item.item_code) ?? []).filter((t) => t !== choice.best).map((t) => `${target(t)} (${t.lines})`);
      if (choice.tiedWith.length > 0)
        notes.push(`choose: the posted lines split evenly between ${[choice.best, ...choice.tiedWith].map(target).join(' and ')}`);
      else if (others.length > 0)
        notes.push(`check: ${choice.best.lines} of ${choice.posted} posted lines went to ${target(choice.best)}; the others to ${others.join(', ')}`);
      else notes.push(`confirm: all ${choice.posted} posted line${choice.posted === 1 ? '' : 's'} went to ${target(choice.best)}`);
      if (phaseActive === 'no') notes.push(`the phase is inactive on every job that has it (${phase!.jobs}): reactivate it in Spectrum or choose another`);
      if (phaseActive === 'missing') notes.push('no Spectrum job has this phase and cost type any more: choose another');
    }
    if (item.is_active === false) notes.push('the item is inactive in the BuildOps pricebook');
    const mapped = currentByItem.get(item.item_code);
    if (mapped && (!choice || target(mapped) !== target(choice.best))) notes.push(`your cost_code_map.csv says ${target(mapped)}`);
    return {
      item_code: item.item_code,
      phase_code: choice?.best.phase_code ?? '',
      cost_type: choice?.best.cost_type ?? '',
      item_name: item.item_name ?? '',
      item_type: item.item_type ?? '',
      billed_lines: Number(item.lines),
      billed_amount: item.amount,
      posted_lines: choice?.posted ?? 0,
      supporting_lines: choice?.best.lines ?? 0,
      phase_active: phaseActive,
      review: notes.join('; '),
    };
  });
  return { name: 'cost_code_map.csv', columns: COST_CODE_COLUMNS, rows };
}

/** department_cost_centers.csv: every department on a non-void BuildOps invoice with the cost center its posted invoices carry most. */
export async function suggestCostCenters(warehouse: Warehouse, companyCode: string): Promise<SuggestedFile> {
  const departments = await warehouse.query<{ department_name: string; invoices: number }>(
    `select department_name, count(*) as invoices
     from staging.stg_buildops__invoices
     where department_name is not null and status <> 'Void'
     group by department_name
     order by department_name`,
  );
  const votes = await warehouse.query<{ department_name: string; cost_center: string; invoices: number }>(
    `with ${RUN_COMPANY}, ${POSTED_MATCHES}
     select i.department_name, h.cost_center, count(*) as invoices
     from posted_matches pm
     join staging.stg_spectrum__invoice_headers h on h.company_code = pm.company_code and h.invoice_number = pm.invoice_number
     join staging.stg_buildops__invoices i on i.buildops_invoice_id = pm.buildops_invoice_id
     where i.department_name is not null and h.cost_center is not null and i.status <> 'Void'
     group by i.department_name, h.cost_center`,
    [companyCode],
  );
  const votesByDepartment = new Map<string, Candidate[]>();
  for (const v of votes)
    votesByDepartment.set(v.department_name, [...(votesByDepartment.get(v.department_name) ?? []), { code: v.cost_center, lines: Number(v.invoices) }]);
  const rows = departments.map((d) => {
    const choice = mostLikelyTarget(votesByDepartment.get(d.department_name) ?? []);
    let review: string;
    if (!choice) review = `${NOT_INFERRED}: no invoice of this department has been posted in Spectrum yet; enter its cost center`;
    else if (choice.tiedWith.length > 0)
      review = `choose: the posted invoices split evenly between cost centers ${[choice.best, ...choice.tiedWith].map((t) => t.code).join(' and ')}`;
    else if (choice.best.lines < choice.posted)
      review = `check: ${choice.best.lines} of ${choice.posted} posted invoices carry cost center ${choice.best.code}`;
    else review = `confirm: all ${choice.posted} posted invoice${choice.posted === 1 ? '' : 's'} carry cost center ${choice.best.code}`;
    return {
      department_name: d.department_name,
      cost_center: choice?.best.code ?? '',
      invoices: Number(d.invoices),
      posted_invoices: choice?.posted ?? 0,
      supporting_invoices: choice?.best.lines ?? 0,
      review,
    };
  });
  return {
    name: 'department_cost_centers.csv',
    columns: ['department_name', 'cost_center', 'invoices', 'posted_invoices', 'supporting_invoices', 'review'],
    rows,
  };
}

/**
 * labor_rates.csv: each labor item's burdened cost per hour, from the payroll time cards that
 * match its approved timesheets (same job, work date and hours; a (job, day, hours) that two
 * labor items share is left out, since it cannot say whose card it is): Σ (Amount + Burden) ÷ Σ Hours.
 */
export async function suggestLaborRates(warehouse: Warehouse, companyCode: string): Promise<SuggestedFile> {
  const rows = await warehouse.query<{ item_code: string; item_name: string | null; cards: number | null; hours: string | null; rate: string | null }>(
    `with ${RUN_COMPANY},
     timesheet_keys as (
       select t.job_number, t.work_date, t.hours, min(p.item_code) as item_code, count(distinct p.item_code) as items
       from staging.stg_buildops__timesheets t
       join staging.stg_buildops__products p on p.buildops_product_id = t.product_id and p.product_type = 'labor'
       where t.approved_status = 'Approved' and t.job_number is not null and p.item_code is not null
       group by t.job_number, t.work_date, t.hours
     ),
     card_keys as (
       select job_number, work_date, hours, count(*) as cards, sum(hours) as card_hours, sum(amount + coalesce(burden_amount, 0)) as cost
       from staging.stg_spectrum__time_cards
       where company_code = (select company_code from run_company) and job_number is not null
       group by job_number, work_date, hours
     ),
     matched as (
       select k.item_code, sum(c.cards) as cards, sum(c.card_hours) as hours, sum(c.cost) as cost
       from timesheet_keys k
       join card_keys c on c.job_number = k.job_number and c.work_date = k.work_date and c.hours = k.hours
       where k.items = 1
       group by k.item_code
     )
     select p.item_code, max(p.product_name) as item_name, max(m.cards) as cards,
            cast(max(m.hours) as decimal(18, 2)) as hours,
            cast(round(max(m.cost) / nullif(max(m.hours), 0), 2) as decimal(18, 2)) as rate
     from staging.stg_buildops__products p
     left join matched m on m.item_code = p.item_code
     where p.product_type = 'labor' and p.item_code is not null
     group by p.item_code
     order by p.item_code`,
    [companyCode],
  );
  return {
    name: 'labor_rates.csv',
    columns: ['item_code', 'burdened_rate', 'item_name', 'time_cards', 'hours', 'review'],
    rows: rows.map((r) => ({
      item_code: r.item_code,
      burdened_rate: r.rate ?? '',
      item_name: r.item_name ?? '',
      time_cards: Number(r.cards ?? 0),
      hours: r.hours ?? '',
      review:
        r.rate === null
          ? `${NOT_INFERRED}: no payroll time card matches this item's approved timesheets (same job, day and hours); enter its burdened cost per hour`
          : `check: payroll cost with burden ÷ hours over ${Number(r.cards)} time cards (${r.hours} hours); compare with the burden your payroll adds (taxes, benefits, workers' comp)`,
    })),
  };
}
