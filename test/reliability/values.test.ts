/**
 * Issues 5 and 7, at the loader, on both backends: bytes Postgres cannot store are stripped with
 * a note naming the field; an undeclared field that normalises onto a declared column never
 * overrides it; impossible timestamps are refused; duplicate ids keep the later record, counted.
 */
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { newLoadId } from '../../load/index.ts';
import type { LoadBatch, TableSpec, Warehouse } from '../../load/index.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const invoices: TableSpec = {
  schema: 'raw',
  name: 'rel__invoices',
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'varchar' },
    { name: 'invoice_number', type: 'varchar' },
    { name: 'total_amount', type: 'decimal(18,2)' },
    { name: 'memo', type: 'varchar' },
    { name: 'updated_at', type: 'timestamp' },
  ],
};

describeEachWarehouse('loader: values are never silently altered', (factory) => {
  let warehouse: Warehouse;
  beforeEach(async () => {
    warehouse = await factory.open();
  });
  afterEach(() => warehouse.close());
  afterAll(() => factory.cleanup());

  const load = (batches: LoadBatch[], mode: 'merge' | 'replace' = 'merge') =>
    warehouse.load({ loadId: newLoadId(), source: 'rel', resource: 'invoices', tables: [invoices], mode, batches });
  const quarantine = async () =>
    (await warehouse.query<{ record_key: string; reasons: string }>(`SELECT record_key, reasons FROM meta.quarantine ORDER BY quarantined_at`)).map((r) => ({
      key: r.record_key,
      reasons: JSON.parse(r.reasons) as string[],
    }));

  it('a NUL byte or a lone surrogate in a text field is stripped with a note naming the field; the resource loads', async () => {
    const result = await load([
      {
        rows: {
          rel__invoices: [
            { id: 'a', memo: 'Ac\u0000me', invoice_number: 'INV\uD800-1' },
            { id: 'b', memo: 'fine' },
          ],
        },
      },
    ]);
    expect(result.rowsLoaded).toBe(2);
    const rows = await warehouse.query(`SELECT id, memo, invoice_number FROM raw.rel__invoices ORDER BY id`);
    expect(rows).toEqual([
      { id: 'a', memo: 'Acme', invoice_number: 'INV\uFFFD-1' },
      { id: 'b', memo: 'fine', invoice_number: null },
    ]);
    const notes = await quarantine();
    expect(notes).toHaveLength(1);
    expect(notes[0]!.key).toBe('a');
    expect(notes[0]!.reasons.join(' ')).toMatch(/memo: .*NUL/);
    expect(notes[0]!.reasons.join(' ')).toMatch(/invoice_number: .*surrogate/);
  });

  it('an undeclared field that normalises onto a declared column never overrides it, and is noted', async () => {
    await load([
      { rows: { rel__invoices: [{ id: 'a', invoice_number: 'INV-1', total_amount: '2349.00', TotalAmount: 999999.99, 'Invoice Number': 'FAKE' }] } },
    ]);
    expect(await warehouse.query(`SELECT invoice_number, total_amount FROM raw.rel__invoices`)).toEqual([{ invoice_number: 'INV-1', total_amount: '2349.00' }]);
    const reasons = (await quarantine()).flatMap((q) => q.reasons).join('\n');
    expect(reasons).toMatch(/TotalAmount.*total_amount/);
    expect(reasons).toMatch(/Invoice Number.*invoice_number/);
  });

  it('an impossible date inside an ISO timestamp is quarantined, not rolled over', async () => {
    await load([
      {
        rows: {
          rel__invoices: [
            { id: 'a', updated_at: '2026-02-30T10:00:00Z' },
            { id: 'b', updated_at: '2026-02-28T25:00:00Z' },
          ],
        },
      },
    ]);
    expect(await warehouse.query(`SELECT id FROM raw.rel__invoices`)).toEqual([]);
    const reasons = (await quarantine()).flatMap((q) => q.reasons).join('\n');
    expect(reasons).toMatch(/updated_at: "2026-02-30T10:00:00Z" is not a timestamp/);
    expect(reasons).toMatch(/updated_at: "2026-02-28T25:00:00Z" is not a timestamp/);
  });

  it('duplicate ids within one load keep the later record and the load counts them', async () => {
    const result = await load([
      {
        rows: {
          rel__invoices: [
            { id: 'a', memo: 'first' },
            { id: 'b', memo: 'only' },
          ],
        },
      },
      { rows: { rel__invoices: [{ id: 'a', memo: 'second' }] } },
    ]);
    expect(await warehouse.query(`SELECT id, memo FROM raw.rel__invoices ORDER BY id`)).toEqual([
      { id: 'a', memo: 'second' },
      { id: 'b', memo: 'only' },
    ]);
    expect(result.rowsLoaded).toBe(2);
    expect(result.duplicatesReplaced).toBe(1);
    const [volume] = await warehouse.query<{ duplicates_replaced: number; rows_loaded: number }>(
      `SELECT duplicates_replaced, rows_loaded FROM meta.load_volumes WHERE load_id = $1`,
      [result.loadId],
    );
    expect(volume).toEqual({ duplicates_replaced: 1, rows_loaded: 2 });
  });
});
