/** marts.ar_bridge and its summary against the ground truth: every row on every line, both totals, and the bridge ties. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { ArBridgeTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['ar_bridge', 'ar_bridge_summary'];

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const expected = truth.ar_bridge;
  if (!expected) throw new Error('the ground truth has no ar_bridge');
  const rows = await warehouse.query<ArBridgeTruth & { company_code: string }>(`
    select company_code, line, buildops_invoice_id, invoice_number, customer_code, job_number,
      cast(buildops_open as varchar) as buildops_open, cast(spectrum_open as varchar) as spectrum_open, cast(amount as varchar) as amount
    from marts.ar_bridge`);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  const actual = rows.map(({ company_code: _c, ...rest }) => rest);
  expect(sortedBy(actual, 'line', 'invoice_number', 'buildops_invoice_id')).toEqual(sortedBy(expected.rows, 'line', 'invoice_number', 'buildops_invoice_id'));
  // Every kind of line is planted, so a line the mart forgets cannot pass unnoticed.
  for (const line of ['not_in_spectrum', 'awaiting_posting', 'spectrum_only', 'amount_difference', 'payment_timing'])
    expect(
      rows.some((r) => r.line === line),
      line,
    ).toBe(true);

  const summary = await warehouse.query<{ step: number; line: string; amount: string; running_total: string }>(
    `select step, line, cast(amount as varchar) as amount, cast(running_total as varchar) as running_total from marts.ar_bridge_summary order by step`,
  );
  expect(summary.map((s) => s.line)).toEqual([
    'buildops_open_ar',
    'not_in_spectrum',
    'awaiting_posting',
    'spectrum_only',
    'amount_difference',
    'payment_timing',
    'spectrum_open_ar',
  ]);
  expect(summary[0]!.amount).toBe(expected.buildops_open_ar);
  const last = summary[summary.length - 1]!;
  expect(last.amount).toBe(expected.spectrum_open_ar);
  // bridge_ties_out: BuildOps open AR + Σ lines = Spectrum open AR, to the cent.
  expect(last.running_total).toBe(last.amount);
}
