/** marts.ar_gl_tieout and ar_gl_tieout_entries against the ground truth: each control account, each journal entry; the planted difference is unexplained. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { ArGlEntryTruth, ArGlTieoutTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['ar_gl_tieout', 'ar_gl_tieout_entries'];

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  if (!truth.ar_gl_tieout || !truth.ar_gl_tieout_entries) throw new Error('the ground truth has no ar_gl_tieout');
  const rows = await warehouse.query<ArGlTieoutTruth & { company_code: string }>(`
    select company_code, gl_account, description, cast(subledger_balance as varchar) as subledger_balance, cast(gl_balance as varchar) as gl_balance,
      cast(difference as varchar) as difference, cast(explained_by_entries as varchar) as explained_by_entries,
      cast(unexplained as varchar) as unexplained, status
    from marts.ar_gl_tieout`);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  const actual = rows.map(({ company_code: _c, ...rest }) => rest);
  expect(sortedBy(actual, 'gl_account')).toEqual(sortedBy(truth.ar_gl_tieout, 'gl_account'));
  // The planted posting the subledger never saw is unexplained; the journal entry on the retention account explains its difference.
  expect(rows.map((r) => r.status).sort()).toEqual(['explained', 'unexplained']);

  const entries = await warehouse.query<ArGlEntryTruth>(`
    select gl_account, cast(transaction_date as varchar) as transaction_date, source_module, reference, description, cast(amount as varchar) as amount
    from marts.ar_gl_tieout_entries`);
  expect(sortedBy(entries, 'gl_account', 'transaction_date', 'reference')).toEqual(
    sortedBy(truth.ar_gl_tieout_entries, 'gl_account', 'transaction_date', 'reference'),
  );
}
