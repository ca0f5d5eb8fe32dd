/** marts.billing_duplicates against the ground truth: every finding, with its keys and amount at risk to the cent. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { BillingDuplicateTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['billing_duplicates'];

export type BillingDuplicateRow = BillingDuplicateTruth & { company_code: string; detail: string };

/** Every row of marts.billing_duplicates, shaped like the ground truth (plus company_code and detail). */
export async function billingDuplicateRows(warehouse: Warehouse): Promise<BillingDuplicateRow[]> {
  const rows = await warehouse.query<Record<string, unknown>>(`
    select company_code, finding_type, source_system, job_number, application_number, item_number, invoice_number,
      buildops_invoice_id, buildops_pay_application_id, cast(amount_at_risk as varchar) as amount_at_risk, detail
    from marts.billing_duplicates`);
  return rows.map((r) => ({
    ...(r as unknown as BillingDuplicateRow),
    application_number: r.application_number === null ? null : Number(r.application_number),
  }));
}

const KEYS = [
  'finding_type',
  'source_system',
  'job_number',
  'application_number',
  'item_number',
  'buildops_invoice_id',
  'buildops_pay_application_id',
] as const;

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await billingDuplicateRows(warehouse);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  expect(rows.every((r) => typeof r.detail === 'string' && r.detail.length > 0)).toBe(true);
  const actual: BillingDuplicateTruth[] = rows.map(({ company_code: _company, detail: _detail, ...rest }) => rest);
  expect(sortedBy(actual, ...KEYS)).toEqual(sortedBy(truth.billing_duplicates, ...KEYS));
}
