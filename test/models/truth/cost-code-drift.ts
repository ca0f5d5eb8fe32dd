/** marts.cost_code_drift against the ground truth: every finding with its keys, first line and amount, to the cent. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { CostCodeDriftTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['cost_code_drift'];

/** One mart row in the truth's shape, plus the columns the truth does not hold. */
export type DriftRow = CostCodeDriftTruth & { company_code: string; buildops_invoice_id: string | null; detail: string };

/** Every row of marts.cost_code_drift (money as 2-decimal strings, line_number as a number). */
export async function driftRows(warehouse: Warehouse): Promise<DriftRow[]> {
  const rows = await warehouse.query<Record<string, unknown>>(`
    select company_code, finding_type, item_code, job_number, phase_code, cost_type, mapped_phase_code, mapped_cost_type,
      gl_account, invoice_number, line_number, buildops_invoice_id, cast(amount as varchar) as amount, detail
    from marts.cost_code_drift`);
  return rows.map((r) => ({ ...(r as unknown as DriftRow), line_number: r.line_number === null ? null : Number(r.line_number) }));
}

const KEYS = ['finding_type', 'item_code', 'job_number', 'gl_account', 'invoice_number', 'line_number'] as const;

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await driftRows(warehouse);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  expect(rows.every((r) => r.detail.length > 0)).toBe(true);
  const actual = rows.map(({ company_code: _company, buildops_invoice_id: _id, detail: _detail, ...rest }) => rest);
  expect(sortedBy(actual, ...KEYS)).toEqual(sortedBy(truth.cost_code_drift, ...KEYS));
}
