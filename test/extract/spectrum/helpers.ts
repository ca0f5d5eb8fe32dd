/**
 * Shared by the Spectrum extractor suites: a generated sandbox contractor behind the TDS
 * server, the expected counts and totals straight from the sandbox store, and loading helpers.
 */
import { normalizeDecimal } from '../../../lib/decimal.ts';
import { loadResource, newLoadId } from '../../../load/index.ts';
import type { LoadResult, Warehouse } from '../../../load/index.ts';
import type { Resource } from '../../../extract/types.ts';
import { generateContractor, openStore } from '../../../sandbox/index.ts';
import type { Store } from '../../../sandbox/index.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';
import type { SandboxServerOptions, SandboxServers } from '../../../sandbox/servers/start.ts';
import type { SpectrumSqlOptions } from '../../../extract/spectrum/index.ts';
import { SPECTRUM_TABLE_NAMES, SPECTRUM_TABLES, rawTableName } from '../../../extract/spectrum/index.ts';
import type { SpectrumTableName } from '../../../extract/spectrum/index.ts';

/** The sandbox's as-of date. */
export const AS_OF = '2026-11-15';

/** A generated tiny contractor and its servers. */
export interface Sandbox {
  store: Store;
  servers: SandboxServers;
  close(): Promise<void>;
}

/** Generates a tiny contractor into an in-memory store and starts the servers over it. */
export async function startSandbox(seed = 11, options: SandboxServerOptions = {}): Promise<Sandbox> {
  const store = await openStore();
  await generateContractor(store, { seed, scale: 'tiny' });
  const servers = await startSandboxServers(store, options);
  return {
    store,
    servers,
    close: async () => {
      await servers.close();
      store.close();
    },
  };
}

/** SQL options pointing at the sandbox's TDS server. */
export function sqlOptions(sandbox: Sandbox, overrides: Partial<SpectrumSqlOptions> = {}): SpectrumSqlOptions {
  const s = sandbox.servers.spectrumSql;
  return {
    server: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: s.password,
    encrypt: false,
    trustServerCertificate: true,
    companyCodes: ['1'],
    retry: { baseDelayMs: 20, maxDelayMs: 100, minDelayMs: 10, quickRetryDelayMs: 10 },
    ...overrides,
  };
}

/** Loads every resource once; results by resource name. */
export async function loadAll(warehouse: Warehouse, resources: readonly Resource[], fullRefresh = false): Promise<Map<string, LoadResult>> {
  const out = new Map<string, LoadResult>();
  for (const resource of resources) out.set(resource.name, await loadResource(warehouse, resource, newLoadId(), { fullRefresh, asOf: AS_OF }));
  return out;
}

/** Row count and the sum of every decimal column of one table (sums normalized to 4 places). */
export type Totals = { rows: number } & Record<string, string | number | null>;

function decimalColumns(table: SpectrumTableName): { source: string; name: string }[] {
  return SPECTRUM_TABLES.get(table)!.columns.filter((c) => c.kind === 'money' || c.kind === 'rate' || c.kind === 'qty');
}

function norm(value: unknown): string | null {
  return value === null || value === undefined ? null : normalizeDecimal(String(value), 4);
}

/** The expected totals of a table for a company, computed in the sandbox store. */
export async function storeTotals(store: Store, table: SpectrumTableName, company = '1'): Promise<Totals> {
  const sums = decimalColumns(table).map((c) => `CAST(SUM("${c.source}") AS VARCHAR) AS "${c.name}"`);
  const sql = `SELECT CAST(count(*) AS INTEGER) AS rows${sums.map((s) => `, ${s}`).join('')} FROM spectrum."${table}" WHERE "Company_Code" = $1`;
  const reader = await store.connection.runAndReadAll(sql, [company]);
  const row = reader.getRowObjectsJS()[0] as Record<string, unknown>;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'rows' ? Number(v) : norm(v)])) as Totals;
}

/** The same totals as loaded into the warehouse. */
export async function warehouseTotals(warehouse: Warehouse, table: SpectrumTableName): Promise<Totals> {
  const sums = decimalColumns(table).map((c) => `CAST(SUM(${c.name}) AS VARCHAR) AS ${c.name}`);
  const rows = await warehouse.query(`SELECT count(*) AS rows${sums.map((s) => `, ${s}`).join('')} FROM raw.${rawTableName(table)}`);
  const row = rows[0] as Record<string, unknown>;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'rows' ? Number(v) : norm(v)])) as Totals;
}

/** Expected and loaded totals of every table, for one toEqual. */
export async function compareAll(store: Store, warehouse: Warehouse): Promise<{ expected: Record<string, Totals>; loaded: Record<string, Totals> }> {
  const expected: Record<string, Totals> = {};
  const loaded: Record<string, Totals> = {};
  for (const table of SPECTRUM_TABLE_NAMES) {
    expected[table] = await storeTotals(store, table);
    loaded[table] = await warehouseTotals(warehouse, table);
  }
  return { expected, loaded };
}

/** Runs one query against the sandbox store (to change it as Spectrum users would). */
export async function storeRun(store: Store, sql: string): Promise<void> {
  await store.connection.run(sql);
}

/** Quarantine rows of a resource. */
export async function quarantineOf(warehouse: Warehouse, resource: string): Promise<{ record_key: string | null; reasons: string[] }[]> {
  const rows = await warehouse.query<{ record_key: string | null; reasons: unknown }>(`SELECT record_key, reasons FROM meta.quarantine WHERE resource = $1`, [
    resource,
  ]);
  return rows.map((r) => ({ record_key: r.record_key, reasons: (typeof r.reasons === 'string' ? JSON.parse(r.reasons) : r.reasons) as string[] }));
}
