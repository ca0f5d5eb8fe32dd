/**
 * The numbered meta migrations: a warehouse written by plumbline 0.1.0 (test/fixtures) opens with
 * this version, is migrated, and keeps every row; opening again applies nothing; a warehouse
 * migrated by a newer plumbline is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { LATEST_MIGRATION, migrationSteps } from '../../load/meta-migrations.ts';
import { META_MIGRATIONS, META_TABLES } from '../../load/meta-tables.ts';
import { metaDb } from '../../load/meta-database.ts';
import { runPipeline } from '../../scheduler/pipeline.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import { filesConfig, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import type { WarehouseFactory } from '../support/warehouses.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'release-0.1.0');
const META_TABLES_OF_0_1_0 = ['ar_feed_history', 'loads', 'model_runs', 'quarantine', 'report_history', 'state'];

/** A new warehouse location holding the 0.1.0 fixture, not yet opened by this version. */
async function releaseFixture(factory: WarehouseFactory): Promise<string> {
  const location = await factory.newLocation();
  if (factory.kind === 'duckdb') {
    writeFileSync(location, gunzipSync(readFileSync(join(FIXTURES, 'warehouse.duckdb.gz'))));
    return location;
  }
  // pg_dump's psql meta-commands (\restrict) are not SQL; the rest runs as one script.
  const dump = gunzipSync(readFileSync(join(FIXTURES, 'warehouse-postgres.sql.gz')))
    .toString('utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await client.query(dump);
  } finally {
    await client.end();
  }
  return location;
}

/** Rows of every table, by qualified name, read without migrating (DuckDB read-only; Postgres through pg). */
async function rowCounts(factory: WarehouseFactory, location: string): Promise<Map<string, number>> {
  const listSql = `select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' and table_schema in ('raw', 'staging', 'intermediate', 'marts', 'meta') order by 1, 2`;
  const counts = new Map<string, number>();
  if (factory.kind === 'duckdb') {
    const warehouse = await openWarehouse(location, { readOnly: true });
    try {
      for (const t of await warehouse.query<{ table_schema: string; table_name: string }>(listSql)) {
        const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from "${t.table_schema}"."${t.table_name}"`);
        counts.set(`${t.table_schema}.${t.table_name}`, Number(row!.n));
      }
    } finally {
      await warehouse.close();
    }
    return counts;
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    for (const t of (await client.query<{ table_schema: string; table_name: string }>(listSql)).rows) {
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from "${t.table_schema}"."${t.table_name}"`);
      counts.set(`${t.table_schema}.${t.table_name}`, Number(rows[0]!.n));
    }
  } finally {
    await client.end();
  }
  return counts;
}

async function appliedMigrations(warehouse: Warehouse): Promise<{ id: number; applied_at: Date | null }[]> {
  return metaDb(warehouse).selectFrom('meta.schema_migrations').select(['id', 'applied_at']).orderBy('id').execute();
}

it('migration 1 is frozen: its tables are the ones it shipped with (a later table needs `since` and a new migration)', () => {
  const created = migrationSteps({ sqlType: (t) => t }, 1)
    .filter((s) => s.kind === 'create')
    .map((s) => s.table)
    .sort();
  expect(created).toEqual(['ar_feed_history', 'loads', 'model_runs', 'quarantine', 'report_history', 'run_steps', 'runs', 'schema_migrations', 'state']);
  for (const table of META_TABLES) expect(table.since ?? 1, table.name).toBeLessThanOrEqual(LATEST_MIGRATION);
});

/** Every migration this version has, in order: a new warehouse and a migrated one record them all. */
const MIGRATION_IDS = META_MIGRATIONS.map((m) => m.id);

describeEachWarehouse('meta migrations', (factory) => {
  afterAll(() => factory.cleanup());

  it('a warehouse written by 0.1.0 opens with this version, is migrated, keeps every row, and runs', async () => {
    const location = await releaseFixture(factory);
    const before = await rowCounts(factory, location);
    expect([...before.keys()].filter((t) => t.startsWith('meta.')).map((t) => t.slice(5))).toEqual(META_TABLES_OF_0_1_0);
    expect(before.get('meta.report_history')).toBeGreaterThan(0);
    expect(before.get('meta.ar_feed_history')).toBeGreaterThan(0);
    expect(before.get('raw.spectrum__cr_invoice_header_mc')).toBeGreaterThan(0);

    const warehouse = await openWarehouse(location);
    try {
      expect((await appliedMigrations(warehouse)).map((m) => m.id)).toEqual(MIGRATION_IDS);
      // Every table the release wrote is still there with every row; the run records are new.
      const after = await rowCounts(factory, location);
      for (const [table, n] of before) expect(after.get(table), table).toBe(n);
      expect(after.get('meta.runs')).toBe(0);
      expect(after.get('meta.run_steps')).toBe(0);
      // Every meta table has every column of the registry.
      for (const table of META_TABLES) {
        const columns = (await warehouse.describe('meta', table.name)).map((c) => c.name);
        expect(columns, table.name).toEqual(expect.arrayContaining(table.columns.map(([name]) => name)));
      }

      // The migrated warehouse works: the next nightly run loads on top of it (adding the columns
      // this version extracts and 0.1.0 did not), the models rebuild, and the run is stored.
      const { dir, truth } = await sandboxExport(1, 'tiny');
      const config = filesConfig(dir, truth, location);
      const result = await runPipeline({ warehouse, config, secrets: loadSecrets({}), logger: silentLogger, asOf: '2026-11-15', stages: ['load', 'models'] });
      expect(result.status, result.message ?? '').toBe('ok');
      const runs = await metaDb(warehouse).selectFrom('meta.runs').selectAll().execute();
      expect(runs.map((r) => [r.run_id, r.status, r.trigger, r.as_of])).toEqual([[result.runId, 'ok', 'manual', '2026-11-15']]);
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('the migrations are idempotent: opening again applies nothing and changes nothing', async () => {
    const location = await factory.newLocation();
    const first = await openWarehouse(location);
    const applied = await appliedMigrations(first);
    await first.close();
    expect(applied.map((m) => m.id)).toEqual(MIGRATION_IDS);
    const second = await openWarehouse(location);
    try {
      expect(await appliedMigrations(second)).toEqual(applied);
    } finally {
      await second.close();
    }
  });

  it('a warehouse migrated by a newer plumbline is refused, with what to do', async () => {
    const location = await factory.newLocation();
    const warehouse = await openWarehouse(location);
    await metaDb(warehouse)
      .insertInto('meta.schema_migrations')
      .values({ id: 999, description: 'from the future', plumbline_version: '9.0.0', applied_at: null })
      .execute();
    await warehouse.close();
    await expect(openWarehouse(location)).rejects.toThrow(
      new RegExp(`migrated by a newer plumbline \\(meta migration 999; this version knows up to ${MIGRATION_IDS[MIGRATION_IDS.length - 1]}\\)`),
    );
  });
});
