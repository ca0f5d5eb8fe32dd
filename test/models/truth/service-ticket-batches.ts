/** marts.service_ticket_batches (and its lines) against the ground truth: every batch, to the cent. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { ServiceBatchTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['service_ticket_batches', 'service_ticket_batch_lines'];

export type BatchRow = ServiceBatchTruth & { company_code: string; detail: string };

/** The batches in the truth's shape, plus company_code and detail. */
export async function batchRows(warehouse: Warehouse): Promise<BatchRow[]> {
  const rows = await warehouse.query<Record<string, unknown>>(`
    select company_code, batch_key, customer_code, cast(issue_date as varchar) as issue_date, cost_center, ticket_count,
      cast(subtotal as varchar) as subtotal, cast(tax_amount as varchar) as tax_amount, cast(total_amount as varchar) as total_amount, detail
    from marts.service_ticket_batches order by batch_key`);
  return rows.map((r) => ({ ...(r as unknown as BatchRow), ticket_count: Number(r.ticket_count) }));
}

export interface BatchLineRow {
  batch_key: string;
  buildops_invoice_id: string;
  invoice_number: string | null;
  total_amount: string;
}

/** The tickets of every batch. */
export async function batchLineRows(warehouse: Warehouse): Promise<BatchLineRow[]> {
  return warehouse.query<BatchLineRow>(`
    select batch_key, buildops_invoice_id, invoice_number, cast(total_amount as varchar) as total_amount
    from marts.service_ticket_batch_lines order by batch_key, buildops_invoice_id`);
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await batchRows(warehouse);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  expect(rows.every((r) => r.detail.startsWith('Post one summary '))).toBe(true);
  const actual = rows.map(({ company_code: _company, detail: _detail, ...rest }) => rest);
  expect(sortedBy(actual, 'batch_key')).toEqual(sortedBy(truth.service_ticket_batches, 'batch_key'));

  // The lines are the batches' tickets, one each: as many per batch as its ticket_count.
  const lines = await batchLineRows(warehouse);
  const perBatch = new Map<string, number>();
  for (const line of lines) perBatch.set(line.batch_key, (perBatch.get(line.batch_key) ?? 0) + 1);
  expect(Object.fromEntries(perBatch)).toEqual(Object.fromEntries(truth.service_ticket_batches.map((b) => [b.batch_key, b.ticket_count])));
  expect(new Set(lines.map((l) => l.buildops_invoice_id)).size).toBe(lines.length);
}
