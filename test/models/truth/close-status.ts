/**
 * marts.close_status against the ground truth: each finding mart's row counts exactly the
 * planted findings, with the money at risk of the truth, and the status the rules give.
 */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import { decimalToUnscaled, unscaledToDecimal } from '../../../lib/decimal.ts';

export const marts = ['close_status'];

interface StatusRow {
  check: string;
  area: string;
  open_findings: number;
  amount_at_risk: string | null;
  status: string;
  detail: string;
}

const cents = (values: readonly (string | null | undefined)[]): string =>
  unscaledToDecimal(
    values.reduce((sum, v) => sum + decimalToUnscaled(v ?? '0', 2), 0n),
    2,
  );

export async function closeStatusRows(warehouse: Warehouse): Promise<Map<string, StatusRow>> {
  const rows = await warehouse.query<StatusRow>(`
    select "check", area, open_findings, cast(amount_at_risk as varchar) as amount_at_risk, status, detail
    from marts.close_status order by "check"`);
  return new Map(rows.map((r) => [r.check, { ...r, open_findings: Number(r.open_findings) }]));
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await closeStatusRows(warehouse);
  expect([...rows.keys()].sort()).toEqual(
    [
      'ar_aging',
      'ar_gl_tieout',
      'ar_window_closing',
      'invoices_outside_window',
      'billing_duplicates',
      'cost_code_drift',
      'freshness_buildops',
      'freshness_spectrum',
      'invoice_status',
      'quarantine',
      'retainage_reconciliation',
      'service_ticket_batches',
      'subcontractor_compliance',
      'wip_schedule',
      'volume',
      'writeback',
    ].sort(),
  );

  // Write-back before any push: every blocked outbound record of the truth, with its invoice amounts; attention.
  const blockedOutbound = truth.writeback_preflight.filter((r) => r.rules.length > 0);
  expect(rows.get('writeback')).toMatchObject({ open_findings: blockedOutbound.length, status: 'attention' });

  const over90 = truth.ar_aging.rows.filter((r) => r.aging_bucket === '90+' && decimalToUnscaled(r.open_net_of_retainage, 2) > 0n);
  expect(rows.get('ar_aging')).toMatchObject({ open_findings: over90.length, amount_at_risk: cents(over90.map((r) => r.open_net_of_retainage)) });

  // The sandbox plants a missing invoice, double billing and a posted cost-code mismatch: blocking.
  expect(rows.get('invoice_status')).toMatchObject({ open_findings: truth.invoice_status.length, status: 'blocking' });
  expect(rows.get('cost_code_drift')).toMatchObject({
    open_findings: truth.cost_code_drift.length,
    amount_at_risk: cents(truth.cost_code_drift.map((f) => f.amount)),
    status: 'blocking',
  });
  expect(rows.get('billing_duplicates')).toMatchObject({
    open_findings: truth.billing_duplicates.length,
    amount_at_risk: cents(truth.billing_duplicates.map((f) => f.amount_at_risk)),
    status: 'blocking',
  });

  const mismatched = truth.retainage_reconciliation.filter((r) => r.status === 'mismatch');
  expect(rows.get('retainage_reconciliation')).toMatchObject({
    open_findings: mismatched.length,
    amount_at_risk: cents(mismatched.map((r) => r.difference.replace('-', ''))),
    status: 'attention',
  });

  // The planted posting the subledger never saw leaves the AR account unexplained: blocking, by that amount.
  const unexplained = (truth.ar_gl_tieout ?? []).filter((r) => r.status === 'unexplained');
  expect(rows.get('ar_gl_tieout')).toMatchObject({
    open_findings: unexplained.length,
    amount_at_risk: cents((truth.ar_gl_tieout ?? []).map((r) => r.unexplained.replace('-', ''))),
    status: 'blocking',
  });

  const blocked = truth.subcontractor_compliance.filter((r) => !r.is_compliant);
  expect(rows.get('subcontractor_compliance')).toMatchObject({
    open_findings: blocked.length,
    amount_at_risk: cents(blocked.map((r) => r.open_ap_amount)),
    status: 'attention',
  });

  expect(rows.get('service_ticket_batches')).toMatchObject({
    open_findings: truth.service_ticket_batches.length,
    amount_at_risk: cents(truth.service_ticket_batches.map((b) => b.total_amount)),
  });

  const overBudget = truth.wip_schedule.filter(
    (j) => decimalToUnscaled(j.estimated_cost, 2) > 0n && decimalToUnscaled(j.cost_with_unprocessed, 2) > decimalToUnscaled(j.estimated_cost, 2),
  );
  expect(rows.get('wip_schedule')).toMatchObject({ open_findings: overBudget.length });

  // The sandbox's AR window closes within the default 3 days (checks.ar_window_warn_days): the approved
  // invoices dated inside it and not sent need attention; those dated outside it block (a push would fail).
  const window = truth.ar_window;
  expect(window).toBeDefined();
  if (window) {
    expect(window.days_left).toBeLessThanOrEqual(3);
    expect(rows.get('ar_window_closing')).toMatchObject({
      open_findings: window.unsent_inside.count,
      amount_at_risk: window.unsent_inside.amount,
      status: window.unsent_inside.count > 0 ? 'attention' : 'ok',
    });
    expect(rows.get('ar_window_closing')?.detail).toContain(`closes ${window.max_date}, in ${window.days_left} day(s)`);
    expect(rows.get('invoices_outside_window')).toMatchObject({
      open_findings: window.unsent_outside.count,
      amount_at_risk: window.unsent_outside.amount,
      status: window.unsent_outside.count > 0 ? 'blocking' : 'ok',
    });
    if (window.unsent_outside.count > 0) {
      // the fix is the preflight's own, not restated
      expect(rows.get('invoices_outside_window')?.detail).toContain('Change the issue date in BuildOps or ask accounting to open the period.');
    }
  }

  // Both sources were loaded for this run.
  expect(rows.get('freshness_buildops')).toMatchObject({ status: 'ok', open_findings: 0 });
  expect(rows.get('freshness_spectrum')).toMatchObject({ status: 'ok', open_findings: 0 });
  for (const row of rows.values()) expect(row.detail.length).toBeGreaterThan(10);
}
