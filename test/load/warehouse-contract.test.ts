/**
 * The warehouse contract, run on DuckDB and on a real Postgres: append, merge, child tables,
 * schema evolution, state committed with rows, quarantine, exact decimals and timestamps.
 */
import { afterAll, beforeEach, afterEach, expect, it } from 'vitest';
import { newLoadId } from '../../load/index.ts';
import type { LoadBatch, LoadRequest, TableSpec, Warehouse } from '../../load/index.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const invoices: TableSpec = {
  schema: 'raw',
  name: 'test__invoices',
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'varchar' },
    { name: 'invoiceNumber', type: 'varchar' },
    { name: 'totalAmount', type: 'decimal(18,2)' },
    { name: 'issuedOn', type: 'date' },
    { name: 'updatedAt', type: 'timestamp' },
  ],
};
const items: TableSpec = {
  schema: 'raw',
  name: 'test__invoices__items',
  primaryKey: ['invoice_id', 'position'],
  columns: [
    { name: 'invoice_id', type: 'varchar' },
    { name: 'position', type: 'bigint' },
    { name: 'amount', type: 'decimal(18,2)' },
  ],
};

function request(batches: LoadBatch[] | AsyncIterable<LoadBatch>, mode: LoadRequest['mode'] = 'merge', tables = [invoices]): LoadRequest {
  return { loadId: newLoadId(), source: 'test', resource: 'invoices', tables, mode, batches };
}

describeEachWarehouse('warehouse contract', (factory) => {
  let warehouse: Warehouse;
  beforeEach(async () => {
    warehouse = await factory.open();
  });
  afterEach(async () => {
    await warehouse.close();
  });
  afterAll(() => factory.cleanup());

  const count = async (table = 'test__invoices') => (await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM raw.${table}`))[0]!.n;

  it('creates the layer schemas and the meta tables', async () => {
    for (const schema of ['raw', 'staging', 'intermediate', 'marts', 'meta']) {
      const rows = await warehouse.query(`SELECT schema_name FROM information_schema.schemata WHERE schema_name = $1`, [schema]);
      expect(rows, schema).toHaveLength(1);
    }
    const meta = (await warehouse.listRelations('meta')).map((r) => r.name);
    expect(meta).toEqual(expect.arrayContaining(['loads', 'state', 'quarantine', 'model_runs']));
  });

  it('appends rows and stamps each with its load id and load time', async () => {
    const batch = { rows: { test__invoices: [{ id: 'a', invoiceNumber: 'INV1', totalAmount: '10.00' }] } };
    const first = await warehouse.load(request([batch], 'append'));
    await warehouse.load(request([batch], 'append'));
    expect(await count()).toBe(2);
    const rows = await warehouse.query<{ _load_id: string; _loaded_at: Date }>(`SELECT _load_id, _loaded_at FROM raw.test__invoices ORDER BY _loaded_at`);
    expect(rows[0]!._load_id).toBe(first.loadId);
    expect(rows[0]!._loaded_at).toBeInstanceOf(Date);
    expect(new Set(rows.map((r) => r._load_id)).size).toBe(2);
    const loads = await warehouse.query<{ status: string; rows_loaded: number }>(`SELECT status, rows_loaded FROM meta.loads WHERE load_id = $1`, [
      first.loadId,
    ]);
    expect(loads).toEqual([{ status: 'loaded', rows_loaded: 1 }]);
  });

  it('merges on the primary key, the last version in a load winning', async () => {
    await warehouse.load(
      request([
        {
          rows: {
            test__invoices: [
              { id: 'a', totalAmount: '1.00' },
              { id: 'b', totalAmount: '2.00' },
            ],
          },
        },
      ]),
    );
    await warehouse.load(
      request([
        {
          rows: {
            test__invoices: [
              { id: 'b', totalAmount: '20.00' },
              { id: 'c', totalAmount: '3.00' },
            ],
          },
        },
        { rows: { test__invoices: [{ id: 'b', totalAmount: '21.00' }] } },
      ]),
    );
    const rows = await warehouse.query<{ id: string; total_amount: string }>(`SELECT id, total_amount FROM raw.test__invoices ORDER BY id`);
    expect(rows).toEqual([
      { id: 'a', total_amount: '1.00' },
      { id: 'b', total_amount: '21.00' },
      { id: 'c', total_amount: '3.00' },
    ]);
  });

  it('replaces all children of a parent that arrives in a new version', async () => {
    const parentWith = (n: number) => ({
      rows: { test__invoices: [{ id: 'a' }], test__invoices__items: Array.from({ length: n }, (_, i) => ({ invoice_id: 'a', position: i, amount: '1.00' })) },
    });
    await warehouse.load(request([parentWith(3)], 'merge', [invoices, items]));
    expect(await count('test__invoices__items')).toBe(3);
    await warehouse.load(request([parentWith(1)], 'merge', [invoices, items]));
    expect(await count('test__invoices__items')).toBe(1);
    await warehouse.load(request([parentWith(0)], 'merge', [invoices, items]));
    expect(await count('test__invoices__items')).toBe(0);
  });

  it('a parent arriving twice in one load keeps only its last version of children', async () => {
    const version = (n: number) => ({
      rows: {
        test__invoices: [{ id: 'a' }],
        test__invoices__items: Array.from({ length: n }, (_, i) => ({ invoice_id: 'a', position: i, amount: `${n}.00` })),
      },
    });
    await warehouse.load(request([version(3), version(1)], 'merge', [invoices, items]));
    expect(await warehouse.query(`SELECT position, amount FROM raw.test__invoices__items`)).toEqual([{ position: 0, amount: '1.00' }]);
  });

  it('replace mode makes the load the whole table', async () => {
    await warehouse.load(request([{ rows: { test__invoices: [{ id: 'a' }, { id: 'b' }] } }]));
    await warehouse.load(request([{ rows: { test__invoices: [{ id: 'c' }] } }], 'replace'));
    expect(await warehouse.query(`SELECT id FROM raw.test__invoices`)).toEqual([{ id: 'c' }]);
    // A replace that brings no state clears the old cursor with the old rows.
    await warehouse.load(request([{ rows: { test__invoices: [] }, state: { cursor: 'old' } }]));
    await warehouse.load(request([{ rows: { test__invoices: [{ id: 'd' }] } }], 'replace'));
    expect(await warehouse.getState('test', 'invoices')).toBeUndefined();
  });

  it('evolves the schema additively: a new source field becomes a new column', async () => {
    await warehouse.load(request([{ rows: { test__invoices: [{ id: 'a', totalAmount: '1.00' }] } }]));
    const result = await warehouse.load(request([{ rows: { test__invoices: [{ id: 'b', totalAmount: '2.00', customerPONumber: 'PO-7', lateFee: 12.5 }] } }]));
    expect(result.newColumns).toEqual(['test__invoices.customer_po_number', 'test__invoices.late_fee']);
    const rows = await warehouse.query(`SELECT id, customer_po_number, late_fee FROM raw.test__invoices ORDER BY id`);
    expect(rows).toEqual([
      { id: 'a', customer_po_number: null, late_fee: null },
      { id: 'b', customer_po_number: 'PO-7', late_fee: '12.5' },
    ]);
    // A column declared by a newer version of the resource is added with its declared type.
    const wider: TableSpec = { ...invoices, columns: [...invoices.columns, { name: 'retainageAmount', type: 'decimal(18,2)' }] };
    await warehouse.load(request([{ rows: { test__invoices: [{ id: 'c', retainageAmount: '5.50' }] } }], 'merge', [wider]));
    const columns = await warehouse.describe('raw', 'test__invoices');
    expect(columns.find((c) => c.name === 'retainage_amount')?.type).toBe('decimal(18,2)');
  });

  it('commits extraction state with the rows, and neither when the load fails midway', async () => {
    await warehouse.load(request([{ rows: { test__invoices: [{ id: 'a' }] }, state: { cursor: 'v1' } }]));
    expect(await warehouse.getState('test', 'invoices')).toEqual({ cursor: 'v1' });

    async function* failing(): AsyncIterable<LoadBatch> {
      yield { rows: { test__invoices: [{ id: 'b' }, { id: 'c' }] }, state: { cursor: 'v2' } };
      throw new Error('connection reset by the source');
    }
    await expect(warehouse.load(request(failing()))).rejects.toThrow(/rolled back.*connection reset/);
    expect(await warehouse.query(`SELECT id FROM raw.test__invoices`)).toEqual([{ id: 'a' }]);
    expect(await warehouse.getState('test', 'invoices')).toEqual({ cursor: 'v1' });
    const failed = await warehouse.query<{ status: string; message: string }>(`SELECT status, message FROM meta.loads WHERE status = 'failed'`);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toContain('connection reset');
    // A failure creating a table the first time leaves no table behind either.
    const fresh: TableSpec = { ...invoices, name: 'test__fresh' };
    await expect(warehouse.load(request(failing(), 'merge', [fresh]))).rejects.toThrow();
    expect((await warehouse.listRelations('raw')).map((r) => r.name)).not.toContain('test__fresh');
    // Resetting one resource's state leaves the others alone.
    await warehouse.load({ ...request([{ rows: { test__invoices: [] }, state: { cursor: 'other' } }]), resource: 'other' });
    await warehouse.resetState('test', 'invoices');
    expect(await warehouse.getState('test', 'invoices')).toBeUndefined();
    expect(await warehouse.getState('test', 'other')).toEqual({ cursor: 'other' });
  });

  it('quarantines invalid records with reasons naming the field, and loads the rest', async () => {
    const result = await warehouse.load(
      request([
        {
          rows: { test__invoices: [{ id: 'good', totalAmount: '10.00' }, { id: 'bad', totalAmount: 'abc', issuedOn: '2026-02-30' }, { totalAmount: '1.00' }] },
          quarantine: [{ recordKey: 'x1', rawRecord: { id: 'x1', weird: true }, reasons: ['status: expected one of Draft, Approved'] }],
        },
      ]),
    );
    expect(result.rowsLoaded).toBe(1);
    expect(result.rowsQuarantined).toBe(3);
    const rows = await warehouse.query<{ record_key: string | null; reasons: string; raw_record: string }>(
      `SELECT record_key, reasons, raw_record FROM meta.quarantine ORDER BY record_key`,
    );
    const bad = rows.find((r) => r.record_key === 'bad')!;
    expect(JSON.parse(bad.reasons)).toEqual(['total_amount: "abc" is not a decimal amount', 'issued_on: "2026-02-30" is not a date (YYYY-MM-DD)']);
    expect(JSON.parse(bad.raw_record)).toEqual({ id: 'bad', totalAmount: 'abc', issuedOn: '2026-02-30' });
    expect(rows.find((r) => r.record_key === null)!.reasons).toContain('id: the primary key is missing');
    expect(JSON.parse(rows.find((r) => r.record_key === 'x1')!.reasons)).toEqual(['status: expected one of Draft, Approved']);
  });

  it('round-trips DECIMAL, DATE and TIMESTAMP exactly', async () => {
    const values = [
      { id: '1', totalAmount: '9999999999999999.99', issuedOn: '2024-02-29', updatedAt: new Date('2026-03-01T23:59:59.999Z') },
      { id: '2', totalAmount: '-0.01', issuedOn: '1999-12-31', updatedAt: '2026-11-01T05:00:00.123Z' },
      { id: '3', totalAmount: 0.1, issuedOn: '2026-11-01', updatedAt: '2026-11-01 05:00:00' },
      { id: '4', totalAmount: '0.105', issuedOn: null, updatedAt: null },
    ];
    await warehouse.load(request([{ rows: { test__invoices: values } }]));
    const rows = await warehouse.query(`SELECT id, total_amount, issued_on, updated_at FROM raw.test__invoices ORDER BY id`);
    expect(rows).toEqual([
      { id: '1', total_amount: '9999999999999999.99', issued_on: '2024-02-29', updated_at: new Date('2026-03-01T23:59:59.999Z') },
      { id: '2', total_amount: '-0.01', issued_on: '1999-12-31', updated_at: new Date('2026-11-01T05:00:00.123Z') },
      { id: '3', total_amount: '0.10', issued_on: '2026-11-01', updated_at: new Date('2026-11-01T05:00:00.000Z') },
      { id: '4', total_amount: '0.11', issued_on: null, updated_at: null },
    ]);
    const [sum] = await warehouse.query<{ total: string }>(`SELECT sum(total_amount) AS total FROM raw.test__invoices WHERE id <> '1'`);
    expect(sum!.total).toBe('0.20');
    // Parameters bind exactly too.
    const found = await warehouse.query(`SELECT id FROM raw.test__invoices WHERE updated_at = $1 AND total_amount = $2`, [
      new Date('2026-11-01T05:00:00.123Z'),
      '-0.01',
    ]);
    expect(found).toEqual([{ id: '2' }]);
  });

  it('streams a large result in batches', async () => {
    let rows = 0;
    let batches = 0;
    for await (const batch of warehouse.stream(`SELECT x FROM generate_series(1, 10000) AS t(x)`)) {
      rows += batch.length;
      batches += 1;
    }
    expect(rows).toBe(10000);
    expect(batches).toBeGreaterThan(1);
  });

  it('runs Kysely queries with the same exact values', async () => {
    await warehouse.load(request([{ rows: { test__invoices: [{ id: 'k', totalAmount: '12.34', issuedOn: '2026-01-02' }] } }]));
    const row = await warehouse.db.selectFrom('raw.test__invoices').select(['id', 'total_amount', 'issued_on']).where('id', '=', 'k').executeTakeFirstOrThrow();
    expect(row).toEqual({ id: 'k', total_amount: '12.34', issued_on: '2026-01-02' });
    const result = await warehouse.db.deleteFrom('raw.test__invoices').where('id', '=', 'k').executeTakeFirst();
    expect(Number(result.numDeletedRows)).toBe(1);
  });
});
