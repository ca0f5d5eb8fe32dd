/** marts.retainage_reconciliation against the ground truth: every job with retainage in either system, to the cent. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { RetainageTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['retainage_reconciliation'];

export type RetainageRow = RetainageTruth & {
  company_code: string;
  spectrum_retainage_unposted: string;
  differing_invoices: string | null;
  detail: string | null;
};

/** Every row of marts.retainage_reconciliation, money as 2-decimal strings. */
export async function retainageRows(warehouse: Warehouse): Promise<RetainageRow[]> {
  return warehouse.query<RetainageRow>(`
    select company_code, job_number, customer_code,
      cast(buildops_retainage_billed as varchar) as buildops_retainage_billed, cast(spectrum_retainage_billed as varchar) as spectrum_retainage_billed,
      cast(spectrum_retainage_paid as varchar) as spectrum_retainage_paid, cast(spectrum_retainage_open as varchar) as spectrum_retainage_open,
      cast(difference as varchar) as difference, status, cast(spectrum_retainage_unposted as varchar) as spectrum_retainage_unposted,
      differing_invoices, detail
    from marts.retainage_reconciliation order by job_number`);
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await retainageRows(warehouse);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  const actual = rows.map(
    ({ company_code: _company, spectrum_retainage_unposted: _unposted, differing_invoices: _invoices, detail: _detail, ...rest }): RetainageTruth => rest,
  );
  expect(sortedBy(actual, 'job_number')).toEqual(sortedBy(truth.retainage_reconciliation, 'job_number'));
  const mismatches = rows.filter((r) => r.status === 'mismatch');
  expect(mismatches.length).toBe(truth.planted['retainage_reconciliation.mismatch'] ?? 0);
  // A mismatch names its job and the invoices that differ; a matched job has no detail.
  expect(mismatches.every((r) => r.detail?.includes(r.job_number) && r.differing_invoices !== null)).toBe(true);
  expect(rows.filter((r) => r.status === 'matched').every((r) => r.detail === null)).toBe(true);
}
