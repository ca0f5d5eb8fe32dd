/**
 * marts.invoice_status against the ground truth: the rows with a drift exactly (the truth holds
 * only those), plus count sanity on the agreeing rows the mart keeps beside them.
 */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { InvoiceStatusTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['invoice_status'];

export type InvoiceStatusRow = InvoiceStatusTruth & {
  company_code: string;
  buildops_invoice_number: string | null;
  match_method: string;
  spectrum_open_total: string | null;
  spectrum_retainage_paid: string | null;
  amount_difference: string | null;
  detail: string | null;
};

/** Every row of marts.invoice_status (drift_type null as ''), money as 2-decimal strings. */
export async function invoiceStatusRows(warehouse: Warehouse): Promise<InvoiceStatusRow[]> {
  const rows = await warehouse.query<InvoiceStatusRow & { drift_type: string | null }>(`
    select company_code, buildops_invoice_id, invoice_number, buildops_invoice_number, job_number, customer_code, buildops_status,
      cast(buildops_total as varchar) as buildops_total, cast(spectrum_gross as varchar) as spectrum_gross, spectrum_status, drift_type,
      match_method, cast(spectrum_open_total as varchar) as spectrum_open_total, cast(spectrum_retainage_paid as varchar) as spectrum_retainage_paid,
      cast(amount_difference as varchar) as amount_difference, detail
    from marts.invoice_status order by buildops_invoice_id`);
  return rows.map((r) => ({ ...r, drift_type: r.drift_type ?? '' }));
}

/** The columns the ground truth holds. */
export function truthColumns(row: InvoiceStatusRow): InvoiceStatusTruth {
  const { buildops_invoice_id, invoice_number, job_number, customer_code, buildops_status, buildops_total, spectrum_gross, spectrum_status, drift_type } = row;
  return { buildops_invoice_id, invoice_number, job_number, customer_code, buildops_status, buildops_total, spectrum_gross, spectrum_status, drift_type };
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await invoiceStatusRows(warehouse);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  expect(new Set(rows.map((r) => r.buildops_invoice_id)).size).toBe(rows.length);

  const drifted = rows.filter((r) => r.drift_type !== '');
  expect(sortedBy(drifted.map(truthColumns), 'buildops_invoice_id')).toEqual(sortedBy(truth.invoice_status, 'buildops_invoice_id'));
  for (const type of ['missing_in_spectrum', 'awaiting_posting', 'paid_not_reflected', 'paid_in_buildops_only', 'amount_mismatch'])
    expect([type, drifted.filter((r) => r.drift_type === type).length]).toEqual([type, truth.planted[`invoice_status.${type}`] ?? 0]);
  expect(drifted.every((r) => r.detail !== null && r.detail.includes(r.invoice_number))).toBe(true);

  // The agreeing invoices are there too: every non-void BuildOps invoice sent to accounting, or
  // whose key a Spectrum invoice (posted or unposted) carries — counted here from raw tables.
  const [expected] = await warehouse.query<{ n: number | string | bigint }>(`
    select count(*) as n from raw.buildops__invoices i
    where trim(i.status) <> 'Void'
      and (trim(i.sync_status) in ('Synced', 'Bypassed', 'Failed', 'Pending') or trim(i.status) in ('Exported', 'Paid')
        or exists (select 1 from raw.spectrum__cr_invoice_header_mc h where trim(h.remarks) = 'BO:' || trim(i.id))
        or exists (select 1 from raw.spectrum__cr_unposted_invoice_mc u where trim(u.remarks) = 'BO:' || trim(i.id)))`);
  expect(rows.length).toBe(Number(expected?.n));
  expect(rows.length - drifted.length).toBeGreaterThan(drifted.length);
  // Every invoice Spectrum holds is matched by its Remarks key; the renumbered ones keep Spectrum's number.
  expect(rows.filter((r) => r.spectrum_status !== 'missing').every((r) => r.match_method === 'remarks')).toBe(true);
  const renumbered = rows.filter((r) => r.buildops_invoice_number !== r.invoice_number);
  expect(renumbered.length).toBe(truth.planted['plant.renumbered'] ?? 0);
  // Retention paid while the regular part is open is `partial`, never retention_held.
  const retentionFirst = rows.filter((r) => r.spectrum_status === 'partial' && r.spectrum_retainage_paid !== '0.00');
  expect(retentionFirst.length).toBeGreaterThanOrEqual(truth.planted['plant.retention_paid_regular_open'] ?? 0);
  // amount_difference and drift agree.
  for (const r of rows)
    if (r.spectrum_gross !== null && r.drift_type === '') expect([r.buildops_invoice_id, r.amount_difference]).toEqual([r.buildops_invoice_id, '0.00']);
}
