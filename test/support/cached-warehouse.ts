/**
 * Loaded and built warehouses, shared by the test run: the first test that loads an export
 * builds it once into the run cache (a DuckDB file, or a Postgres template database), and
 * every test that loads the same export gets its own copy of that build.
 *
 * The key is everything the load depends on: the backend, the as-of date, the config (minus
 * where the warehouse and export are) and the bytes of every folder the config reads. A test
 * that changes its export folder before loading gets a build of its own.
 */
import { existsSync } from 'node:fs';
import { inject } from 'vitest';
import pg from 'pg';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { configPath, mappingsDir } from '../../scheduler/config.ts';
import { TEMPLATE_PREFIX, buildOnce, cacheKey, hashFolder, runTag } from './run-cache.ts';

type Build = (warehouse: Warehouse, config: PlumblineConfig, asOf: string) => Promise<void>;

/** Schemas a fresh warehouse has no relations in. */
const LOADED_SCHEMAS = ['raw', 'staging', 'intermediate', 'marts'] as const;
/** Meta tables a fresh warehouse has no rows in. */
const RUN_META_TABLES = ['loads', 'state', 'quarantine', 'model_runs'];

/**
 * Fills the new, empty `warehouse` with a copy of `build`'s result for this config, building it
 * once per run. Returns false (and does nothing) when the load cannot be shared: a source that is
 * not a file export, a warehouse that is not empty, or a Postgres database on another server.
 */
export async function copyCachedBuild(warehouse: Warehouse, config: PlumblineConfig, asOf: string, build: Build): Promise<boolean> {
  const key = loadKey(warehouse, config, asOf);
  if (!key || !(await isEmpty(warehouse))) return false;
  if (warehouse.kind === 'duckdb') return copyDuckDb(warehouse, config, asOf, key, build);
  return copyPostgres(warehouse, config, asOf, key, build);
}

/** The cache key of a load into a `warehouse` of this kind, or null when a source is read from anything but files. */
export function loadKey(warehouse: Pick<Warehouse, 'kind'>, config: PlumblineConfig, asOf: string): string | null {
  const { buildops, spectrum } = config.sources;
  if (![buildops.kind, spectrum.kind].every((kind) => kind === 'files' || kind === 'none')) return null;
  const folder = (path: string | undefined): string | null => {
    if (path === undefined) return null;
    const resolved = configPath(config, path);
    return existsSync(resolved) ? hashFolder(resolved) : `missing:${path}`;
  };
  const mappings = mappingsDir(config);
  return cacheKey({
    backend: warehouse.kind,
    asOf,
    company: config.company,
    buildops: { ...buildops, files_dir: folder(buildops.files_dir) },
    spectrum: { ...spectrum, files_dir: folder(spectrum.files_dir) },
    mappings: existsSync(mappings) ? hashFolder(mappings) : null,
    models: config.models.extra_dirs.map(folder),
  });
}

async function isEmpty(warehouse: Warehouse): Promise<boolean> {
  for (const schema of LOADED_SCHEMAS) if ((await warehouse.listRelations(schema)).length > 0) return false;
  const meta = new Set((await warehouse.listRelations('meta')).map((r) => r.name));
  for (const table of RUN_META_TABLES.filter((t) => meta.has(t))) {
    const [row] = await warehouse.query<{ n: number | string }>(`SELECT count(*) AS n FROM meta.${table}`);
    if (Number(row?.n) > 0) return false;
  }
  return true;
}

/** DuckDB: build into a file of the run cache, then copy its whole catalog into the open warehouse. */
async function copyDuckDb(warehouse: Warehouse, config: PlumblineConfig, asOf: string, key: string, build: Build): Promise<boolean> {
  const file = await buildOnce(`warehouse-${key}.duckdb`, async (path) => {
    const built = await openWarehouse(path);
    try {
      await build(built, { ...config, warehouse: path }, asOf);
    } finally {
      await built.close();
    }
  });
  const [{ db } = { db: '' }] = await warehouse.query<{ db: string }>('SELECT current_database() AS db');
  const target = `"${db.replace(/"/g, '""')}"`;
  await warehouse.query(`ATTACH '${file.replace(/'/g, "''")}' AS plumbline_cached (READ_ONLY)`);
  try {
    for (const schema of [...LOADED_SCHEMAS, 'meta']) await warehouse.query(`DROP SCHEMA IF EXISTS ${target}."${schema}" CASCADE`);
    await warehouse.query(`COPY FROM DATABASE plumbline_cached TO ${target}`);
  } finally {
    await warehouse.query('DETACH plumbline_cached');
  }
  return true;
}

/**
 * Postgres: build into a template database once, then recreate the warehouse's database from it.
 * The warehouse keeps its pool: its connections to the old database are closed by the drop, and
 * the pool opens new ones to the database of the same name.
 */
async function copyPostgres(warehouse: Warehouse, config: PlumblineConfig, asOf: string, key: string, build: Build): Promise<boolean> {
  const serverUrl = inject('pgUrl');
  if (!serverUrl) return false;
  const location = new URL(config.warehouse);
  const server = new URL(serverUrl);
  const database = decodeURIComponent(location.pathname.slice(1));
  const [current] = await warehouse.query<{ db: string }>('SELECT current_database() AS db');
  if (location.host !== server.host || current?.db !== database) return false;

  const template = `${TEMPLATE_PREFIX}${runTag()}_${key}`;
  await buildOnce(`postgres-${key}`, async () => {
    await admin(serverUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${template}`);
    });
    const url = new URL(serverUrl);
    url.pathname = `/${template}`;
    const built = await openWarehouse(url.toString());
    try {
      await build(built, { ...config, warehouse: url.toString() }, asOf);
    } finally {
      await built.close();
    }
  });
  await admin(serverUrl, async (client) => {
    await client.query(`DROP DATABASE ${quote(database)} WITH (FORCE)`);
    await createFromTemplate(client, database, template);
  });
  await reconnected(warehouse);
  return true;
}

async function admin(serverUrl: string, work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** CREATE DATABASE … TEMPLATE, retried while another worker's copy of the same template is under way. */
async function createFromTemplate(client: pg.Client, database: string, template: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`CREATE DATABASE ${quote(database)} TEMPLATE ${template}`);
      return;
    } catch (error) {
      if (attempt >= 50 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Waits until the warehouse's pool has dropped the connections the drop closed. */
async function reconnected(warehouse: Warehouse): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // More queries than the pool has connections, so that every idle one is tried.
      for (let i = 0; i < 8; i++) await warehouse.query('SELECT 1');
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
    }
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
