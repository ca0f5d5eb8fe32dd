/** The coverage_below_requirement reason of marts.subcontractor_compliance: every finding names the requirement and the coverage, and nothing else has it. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { CoverageTruth } from '../../../sandbox/generate/insights-truth.ts';
import { martRows } from '../insights-rows.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['subcontractor_compliance (coverage)'];

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const insights = truth.insights;
  if (!insights) throw new Error('the ground truth has no insights');
  const rows = await martRows<CoverageTruth & { reasons: string; detail: string }>(
    warehouse,
    'subcontractor_compliance',
    { job_number: 'text', vendor_code: 'text', required_coverage: 'text', coverage_amount: 'text', reasons: 'text', detail: 'text' },
    'job_number, vendor_code',
  );
  const found = rows
    .filter((r) => r.reasons.split(', ').includes('coverage_below_requirement'))
    .map((r) => ({ job_number: r.job_number, vendor_code: r.vendor_code, required_coverage: r.required_coverage, coverage_amount: r.coverage_amount }));
  const expected = insights.coverage_below_requirement.map(({ customer_code: _c, ...rest }) => rest);
  expect(sortedBy(found, 'job_number', 'vendor_code')).toEqual(sortedBy(expected, 'job_number', 'vendor_code'));
  // planted: one sub insured below the requirement, one whose COI carries no amount
  expect(expected.some((e) => e.coverage_amount === null)).toBe(true);
  expect(expected.some((e) => e.coverage_amount !== null && Number(e.coverage_amount) < Number(e.required_coverage))).toBe(true);
  for (const r of rows.filter((x) => x.reasons.includes('coverage_below_requirement'))) expect(r.detail).toContain('customer');
}
