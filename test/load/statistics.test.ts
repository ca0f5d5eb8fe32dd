/**
 * A table filled inside the run carries planner statistics before anything reads it: on Postgres
 * the load and the model runner ANALYZE what they fill (load/statistics.ts), so the planner does
 * not take a fresh table for an empty one and join it by nested loops.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import { loadSandbox, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

afterAll(() => removeSandboxExports());

const TABLES = [
  ['raw', 'buildops__invoices'],
  ['raw', 'spectrum__cr_invoice_header_mc'],
  ['intermediate', 'int_ar_invoices_aged'],
  ['marts', 'ar_aging'],
] as const;

describeEachWarehouse('planner statistics of the tables a run fills', (factory) => {
  let warehouse: Warehouse;

  beforeAll(async () => {
    ({ warehouse } = await loadSandbox(factory, 1, 'tiny'));
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  it('every loaded raw table and every built model table has row estimates near its real count', async () => {
    for (const [schema, table] of TABLES) {
      const [counted] = await warehouse.query<{ n: number | string }>(`select count(*) as n from ${schema}.${table}`);
      const real = Number(counted?.n);
      expect(real, `${schema}.${table} has rows`).toBeGreaterThan(0);
      const [estimate] =
        factory.kind === 'postgres'
          ? await warehouse.query<{ rows: number | string }>(
              `select c.reltuples as rows from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and c.relname = $2`,
              [schema, table],
            )
          : await warehouse.query<{ rows: number | string }>(`select estimated_size as rows from duckdb_tables() where schema_name = $1 and table_name = $2`, [
              schema,
              table,
            ]);
      // Postgres says -1 for a table never analyzed; a fresh table's estimate would be far off.
      expect(Number(estimate?.rows), `${schema}.${table}: the planner's row estimate`).toBeGreaterThanOrEqual(real * 0.5);
    }
  });
});
