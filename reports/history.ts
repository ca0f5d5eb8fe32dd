/**
 * The report's memory: each report run records its headline figures (per check: open findings
 * and amount at risk; the AR totals) in `meta.report_history`, so the next report can show the
 * change since the previous run with an earlier as-of date. The table is one of the meta tables
 * (load/meta-tables.ts), made by the warehouse's migrations when it is opened.
 */
import type { Warehouse } from '../load/index.ts';
import { sqlText } from './html/format.ts';

/** One headline figure: `close_status.billing_duplicates.amount_at_risk`, `ar.open_total`, … */
export interface HistoryFigure {
  figure: string;
  /** Decimal text (money) or a whole number as text. */
  value: string;
}

export interface PreviousRun {
  asOf: string;
  runAt: Date;
  figures: Map<string, string>;
}

/** The figures of the latest report run with an as-of before `asOf` (same company scope), or null. */
export async function previousRun(warehouse: Warehouse, asOf: string, companyCode: string | null): Promise<PreviousRun | null> {
  const scope = sqlText(companyCode ?? '');
  const [last] = await warehouse.query<{ as_of: string; run_at: Date }>(
    `select as_of, run_at from meta.report_history where company_code = ${scope} and as_of < cast(${sqlText(asOf)} as date)
     order by as_of desc, run_at desc limit 1`,
  );
  if (!last) return null;
  const runAt = last.run_at instanceof Date ? last.run_at : new Date(String(last.run_at));
  const rows = await warehouse.query<{ figure: string; value: string }>(
    `select figure, cast(value as varchar) as value from meta.report_history
     where company_code = ${scope} and as_of = cast(${sqlText(String(last.as_of))} as date) and run_at = cast(${sqlText(sqlTimestamp(runAt))} as timestamp)`,
  );
  return { asOf: String(last.as_of), runAt, figures: new Map(rows.map((r) => [r.figure, r.value])) };
}

/** Records this run's figures under (as-of, run time, company scope). */
export async function recordRun(warehouse: Warehouse, asOf: string, companyCode: string | null, runAt: Date, figures: readonly HistoryFigure[]): Promise<void> {
  if (figures.length === 0) return;
  const scope = sqlText(companyCode ?? '');
  const at = `cast(${sqlText(sqlTimestamp(runAt))} as timestamp)`;
  const values = figures
    .map((f) => `(cast(${sqlText(asOf)} as date), ${at}, ${scope}, ${sqlText(f.figure)}, cast(${sqlText(f.value)} as decimal(18, 2)))`)
    .join(',\n');
  await warehouse.query(`insert into meta.report_history (as_of, run_at, company_code, figure, value) values ${values}`);
}

/** A UTC instant as 'YYYY-MM-DD HH:MM:SS.mmm' (what both backends read as a timestamp). */
function sqlTimestamp(instant: Date): string {
  return instant.toISOString().replace('T', ' ').replace('Z', '');
}
