/** marts.subcontractor_compliance against the ground truth: every active assignment, compliant or not, with its reasons in order. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { ComplianceTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['subcontractor_compliance'];

export type ComplianceRow = ComplianceTruth & { company_code: string; detail: string };

/** The mart's rows in the truth's shape (reasons split from their comma-separated text), plus company_code and detail. */
export async function complianceRows(warehouse: Warehouse): Promise<ComplianceRow[]> {
  const rows = await warehouse.query<Record<string, unknown>>(`
    select company_code, job_number, vendor_code, vendor_name, cast(coi_expires_on as varchar) as coi_expires_on,
      w9_on_file, cast(lien_waiver_on as varchar) as lien_waiver_on, cast(open_ap_amount as varchar) as open_ap_amount,
      is_compliant, reasons, detail
    from marts.subcontractor_compliance order by job_number, vendor_code`);
  return rows.map((r) => ({
    company_code: String(r.company_code),
    job_number: String(r.job_number),
    vendor_code: String(r.vendor_code),
    vendor_name: String(r.vendor_name),
    coi_expires_on: (r.coi_expires_on as string | null) ?? null,
    w9_on_file: r.w9_on_file === true,
    lien_waiver_on: (r.lien_waiver_on as string | null) ?? null,
    open_ap_amount: String(r.open_ap_amount),
    is_compliant: r.is_compliant === true,
    reasons: typeof r.reasons === 'string' && r.reasons !== '' ? r.reasons.split(', ') : [],
    detail: String(r.detail),
  }));
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await complianceRows(warehouse);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  expect(rows.every((r) => r.detail.startsWith(`Vendor ${r.vendor_code} on job ${r.job_number}: `))).toBe(true);
  const actual = rows.map(({ company_code: _company, detail: _detail, ...rest }) => rest);
  expect(sortedBy(actual, 'job_number', 'vendor_code')).toEqual(sortedBy(truth.subcontractor_compliance, 'job_number', 'vendor_code'));
}
