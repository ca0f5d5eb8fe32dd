/**
 * The findings a notice lists: the rows of the finding marts that are open findings (the same
 * conditions marts.close_status counts), each by its finding key (reports/excel/notes.ts), and
 * which of them are new since the previous run. The previous run's keys are kept in
 * meta.notice_findings: meta.finding_history records every row a workpaper sheet shows (a
 * compliant subcontractor too), so it cannot tell a finding that is new from a row that became one.
 */
import type { Warehouse } from '../load/types.ts';
import { findingKeySql } from '../reports/excel/notes.ts';
import { sqlText } from '../reports/html/format.ts';
import type { Finding } from './types.ts';

/** A finding mart: what makes one of its rows an open finding, and how a row reads in a notice. */
interface FindingMart {
  mart: string;
  title: string;
  /** SQL condition of an open finding; null = every row is one. */
  where: string | null;
  /** SQL of the row's one-line description. */
  detail: string;
}

/** The finding marts, in the order a notice lists them; conditions as marts.close_status counts them. */
export const FINDING_MARTS: readonly FindingMart[] = [
  { mart: 'invoice_status', title: 'Invoice status drift', where: 'drift_type is not null', detail: 'detail' },
  { mart: 'cost_code_drift', title: 'Cost-code drift', where: null, detail: 'detail' },
  { mart: 'billing_duplicates', title: 'Double billing and AIA tie-out', where: null, detail: 'detail' },
  { mart: 'retainage_reconciliation', title: 'Retainage', where: "status = 'mismatch'", detail: 'detail' },
  { mart: 'subcontractor_compliance', title: 'Subcontractors blocked from AP release', where: 'not is_compliant', detail: 'detail' },
  { mart: 'service_ticket_batches', title: 'Service tickets to bill', where: null, detail: 'detail' },
  { mart: 'wip_schedule', title: 'Jobs over budget', where: 'estimated_cost > 0 and cost_with_unprocessed > estimated_cost', detail: 'detail' },
  {
    mart: 'ar_gl_tieout',
    title: 'AR to GL tie-out',
    where: "status = 'unexplained'",
    detail: "'GL account ' || gl_account || ': ' || cast(unexplained as varchar) || ' that no journal entry explains'",
  },
];

/** The open findings of every finding mart the warehouse has, for one company (or all when null). */
export async function currentFindings(warehouse: Warehouse, companyCode: string | null): Promise<Finding[]> {
  const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
  const findings: Finding[] = [];
  for (const spec of FINDING_MARTS) {
    const key = findingKeySql(spec.mart);
    if (key === null || !marts.has(spec.mart)) continue;
    const conditions = [spec.where, companyCode === null ? null : `company_code = ${sqlText(companyCode)}`].filter((c): c is string => c !== null);
    const rows = await warehouse.query<{ finding_key: string; detail: string | null; amount: string | null }>(
      `select ${key} as finding_key, cast(${spec.detail} as varchar) as detail, cast(amount_at_risk as varchar) as amount
       from marts.${spec.mart} ${conditions.length > 0 ? `where ${conditions.map((c) => `(${c})`).join(' and ')}` : ''}
       order by 1`,
    );
    for (const row of rows) findings.push({ key: row.finding_key, mart: spec.mart, title: spec.title, detail: row.detail ?? '', amount: row.amount });
  }
  return findings;
}

/** The finding keys the previous notice saw, or null when no run has recorded any yet. */
export async function previousFindingKeys(warehouse: Warehouse): Promise<{ runId: string; keys: Set<string> } | null> {
  const rows = await warehouse.query<{ finding_key: string; run_id: string }>(`select finding_key, run_id from meta.notice_findings`);
  if (rows.length === 0) return null;
  return { runId: rows[0]!.run_id, keys: new Set(rows.map((r) => r.finding_key).filter((k) => k !== '')) };
}

/** Replaces the remembered findings with this run's (a run with none leaves one empty-key row, so "none" is remembered too). */
export async function rememberFindings(warehouse: Warehouse, runId: string, asOf: string, findings: readonly Finding[]): Promise<void> {
  const rows = findings.length > 0 ? findings : [{ key: '', mart: '' }];
  const unique = [...new Map(rows.map((f) => [f.key, f])).values()];
  await warehouse.transaction(async (tx) => {
    await tx.query('delete from meta.notice_findings');
    for (let i = 0; i < unique.length; i += 500) {
      const values = unique
        .slice(i, i + 500)
        .map((f) => `(${sqlText(f.key)}, ${sqlText(f.mart)}, ${sqlText(runId)}, cast(${sqlText(asOf)} as date))`)
        .join(', ');
      await tx.query(`insert into meta.notice_findings (finding_key, mart, run_id, as_of) values ${values}`);
    }
  });
}
