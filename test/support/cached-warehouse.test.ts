/**
 * The run cache the model and report tests load from: a warehouse copied from it must be the
 * warehouse the real pipeline builds, each copy must be its own, and a changed export (or
 * backend, as-of date, config) must never be served another's build.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse, WarehouseSchema } from '../../load/index.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { loadKey } from './cached-warehouse.ts';
import { filesConfig, loadAndBuild, loadAndBuildInPlace, removeSandboxExports, sandboxExport } from './sandbox-warehouse.ts';
import { describeEachWarehouse } from './warehouses.ts';

afterAll(() => removeSandboxExports());

/** Columns that differ between two real loads of the same export (ids and clocks of the run, and the hash of SQL that names them). */
const RUN_COLUMNS = /(^|_)(load_id|run_id|started_at|finished_at|ended_at|seconds|built_at|loaded_at|applied_at|recorded_at|sql_hash|pid|host|warehouse)$/;

/** Everything a test could read: relations, their columns, their rows (run ids and clocks aside) and constraints. */
async function snapshot(warehouse: Warehouse): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const schema of ['raw', 'staging', 'intermediate', 'marts', 'meta'] as WarehouseSchema[]) {
    for (const { name, kind } of (await warehouse.listRelations(schema)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const columns = await warehouse.describe(schema, name);
      const kept = columns.filter((c) => !RUN_COLUMNS.test(c.name)).map((c) => `"${c.name}"`);
      const rows = kept.length ? await warehouse.query(`SELECT ${kept.join(', ')} FROM "${schema}"."${name}"`) : [];
      const lines = rows.map((row) => JSON.stringify(row)).sort();
      out[`${schema}.${name}`] = { kind, columns, rows: lines };
    }
  }
  out.constraints = (
    await warehouse.query<Record<string, string>>(
      `SELECT table_schema, table_name, constraint_type FROM information_schema.table_constraints
       WHERE table_schema IN ('raw', 'staging', 'intermediate', 'marts', 'meta')`,
    )
  )
    .map((row) => `${row.table_schema}.${row.table_name} ${row.constraint_type}`)
    .sort();
  return out;
}

describeEachWarehouse('a warehouse copied from the run cache', (factory) => {
  let dir: string;
  let truth: GroundTruth;
  const opened: Warehouse[] = [];

  async function loaded(cached: boolean, exportDir = dir): Promise<Warehouse> {
    const location = await factory.newLocation();
    const warehouse = await openWarehouse(location);
    opened.push(warehouse);
    const config = filesConfig(exportDir, truth, location);
    await (cached ? loadAndBuild : loadAndBuildInPlace)(warehouse, config, truth.asOf);
    return warehouse;
  }

  beforeAll(async () => {
    ({ dir, truth } = await sandboxExport(1, 'tiny'));
  }, 120_000);

  afterAll(async () => {
    for (const warehouse of opened) await warehouse.close();
    await factory.cleanup();
  });

  it('equals the warehouse the pipeline loads: the same relations, columns, rows and constraints', async () => {
    const fromScratch = await snapshot(await loaded(false));
    const fromCache = await snapshot(await loaded(true));
    expect(Object.keys(fromCache)).toEqual(Object.keys(fromScratch));
    expect(Object.keys(fromCache).length).toBeGreaterThan(50);
    expect(fromCache).toEqual(fromScratch);
  }, 120_000);

  it('is a copy of its own: a change in one copy is not seen by the next', async () => {
    const first = await loaded(true);
    await first.query(`DELETE FROM marts.ar_aging`);
    const second = await loaded(true);
    const [row] = await second.query<{ n: number | string }>(`SELECT count(*) AS n FROM marts.ar_aging`);
    expect(Number(row?.n)).toBeGreaterThan(0);
  }, 120_000);
});

describe('the run cache key of a load', () => {
  it('is the same for two copies of an export and differs when a file, the backend, the as-of date or the config differ', async () => {
    const a = await sandboxExport(1, 'tiny');
    const b = await sandboxExport(1, 'tiny');
    const key = (dir: string, kind: 'duckdb' | 'postgres' = 'duckdb', asOf = a.truth.asOf, change: Partial<PlumblineConfig> = {}): string | null =>
      loadKey({ kind }, { ...filesConfig(dir, a.truth, join(dir, 'warehouse.duckdb')), ...change }, asOf);
    expect(key(a.dir)).toMatch(/^[0-9a-f]{20}$/);
    expect(key(b.dir)).toBe(key(a.dir));
    expect(key(a.dir, 'postgres')).not.toBe(key(a.dir));
    expect(key(a.dir, 'duckdb', '2026-11-16')).not.toBe(key(a.dir));
    expect(key(a.dir, 'duckdb', a.truth.asOf, { company: { code: '2', time_zone: a.truth.timeZone } })).not.toBe(key(a.dir));
    const path = join(b.dir, 'buildops', 'customers.json');
    const customers = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
    writeFileSync(path, JSON.stringify([...customers, { ...customers[0], id: 'zz-cache-key', customerNumber: '99999', version: 1 }]));
    expect(key(b.dir)).not.toBe(key(a.dir));
    writeFileSync(join(a.dir, 'mappings', 'cost_code_map.csv'), 'item_code,phase_code,cost_type\n');
    expect(key(a.dir)).not.toBe(key(b.dir));
    // A source read over the network is never shared.
    const api = filesConfig(a.dir, a.truth, 'w.duckdb');
    expect(loadKey({ kind: 'duckdb' }, { ...api, sources: { ...api.sources, buildops: { ...api.sources.buildops, kind: 'api' } } }, a.truth.asOf)).toBeNull();
  });
});
