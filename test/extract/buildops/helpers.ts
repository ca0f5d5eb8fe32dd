// Shared by the BuildOps extractor suites: a generated tiny contractor served by the sandbox,
// what the store says every raw table must hold, and warehouse snapshots to compare.
import { createHash } from 'node:crypto';
import { createBuildOpsApiResources } from '../../../extract/buildops/index.ts';
import type { BuildOpsApiResourceOptions } from '../../../extract/buildops/index.ts';
import { BUILDOPS_ENDPOINT_SPECS } from '../../../extract/buildops/endpoints.ts';
import { endpointTables } from '../../../extract/buildops/records.ts';
import type { LogRecord } from '../../../lib/logger.ts';
import { createLogger } from '../../../lib/logger.ts';
import type { LoadResult, Warehouse } from '../../../load/index.ts';
import { loadResource, newLoadId } from '../../../load/index.ts';
import type { Resource } from '../../../extract/types.ts';
import { generateContractor, openStore } from '../../../sandbox/index.ts';
import type { Store } from '../../../sandbox/index.ts';
import type { SandboxServers } from '../../../sandbox/servers/start.ts';

export const TABLES = BUILDOPS_ENDPOINT_SPECS.flatMap((spec) => endpointTables(spec));

/** A generated tiny contractor in a new in-memory store. */
export async function tinyStore(seed = 42): Promise<Store> {
  const store = await openStore();
  await generateContractor(store, { seed, scale: 'tiny' });
  return store;
}

/** The docs of one endpoint as the store holds them. */
export async function storeDocs(store: Store, endpoint: string): Promise<Record<string, any>[]> {
  const reader = await store.connection.runAndReadAll(`SELECT doc FROM buildops.${endpoint.replaceAll('-', '_')} ORDER BY id`);
  return reader.getRows().map((r) => JSON.parse(String(r[0])) as Record<string, any>);
}

/** A logger that keeps every record (JSON lines) for assertions. */
export function recordingLogger(): { logger: ReturnType<typeof createLogger>; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = createLogger({
    format: 'json',
    level: 'debug',
    write: (line) => {
      const { time, level, event, message, ...fields } = JSON.parse(line) as LogRecord & Record<string, unknown>;
      records.push({ time, level, event, message, fields });
    },
  });
  return { logger, records };
}

/** Resource options against a running sandbox, with short retry delays. */
export function apiOptions(sandbox: SandboxServers, extra: Partial<BuildOpsApiResourceOptions> = {}): BuildOpsApiResourceOptions {
  const { url, tenantId, clientId, clientSecret } = sandbox.buildops;
  return {
    baseUrl: url,
    tenantId,
    clientId,
    clientSecret,
    pageSize: 20,
    maxInFlight: 4,
    retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 200, minDelayMs: 50 },
    ...extra,
  };
}

/** Loads every resource in turn; returns the load results by resource name. */
export async function loadAll(warehouse: Warehouse, resources: readonly Resource[], fullRefresh = false): Promise<Map<string, LoadResult>> {
  const results = new Map<string, LoadResult>();
  for (const resource of resources) results.set(resource.name, await loadResource(warehouse, resource, newLoadId(), { fullRefresh, asOf: '2026-11-15' }));
  return results;
}

/** Runs an API extract of every endpoint. */
export async function extractApi(
  warehouse: Warehouse,
  sandbox: SandboxServers,
  extra: Partial<BuildOpsApiResourceOptions> = {},
): Promise<Map<string, LoadResult>> {
  return loadAll(warehouse, createBuildOpsApiResources(apiOptions(sandbox, extra)));
}

function cents(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(Math.round(value * 100));
  const text = String(value);
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace(/^[-+]/, '').split('.');
  const c = BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
  return negative ? -c : c;
}

function hashOf(keys: string[]): string {
  return createHash('sha256').update(keys.sort().join('\n')).digest('hex').slice(0, 16);
}

/** Per table: row count, a hash of the sorted primary keys, and a money sum (in cents) where there is one. */
export type TableSummary = Record<string, { rows: number; keys: string; money: string }>;

// The money column summed per table (source field for the store side, column for the warehouse side).
const MONEY: Record<string, [string, string]> = {
  buildops__invoices: ['totalAmount', 'total_amount'],
  buildops__invoices__items: ['amount', 'amount'],
  buildops__invoices__payments: ['appliedAmount', 'applied_amount'],
  buildops__payments: ['amount', 'amount'],
  buildops__payments__applications: ['appliedAmount', 'applied_amount'],
  buildops__projects: ['contractAmount', 'contract_amount'],
  buildops__pay_applications__lines: ['scheduledValue', 'scheduled_value'],
  buildops__purchase_orders__receipt_lines: ['amount', 'amount'],
};

/** What the raw tables must hold, computed straight from the store's documents. */
export async function expectedSummary(store: Store): Promise<TableSummary> {
  const out: TableSummary = {};
  const add = (table: string, key: string, item: Record<string, any>): void => {
    const entry = (out[table] ??= { rows: 0, keys: '', money: '0' });
    entry.rows++;
    (keysByTable[table] ??= []).push(key);
    const money = MONEY[table];
    if (money) entry.money = String(BigInt(entry.money) + cents(item[money[0]]));
  };
  const keysByTable: Record<string, string[]> = {};
  for (const spec of BUILDOPS_ENDPOINT_SPECS) {
    for (const table of endpointTables(spec)) out[table.name] = { rows: 0, keys: '', money: '0' };
    for (const doc of await storeDocs(store, spec.endpoint)) {
      add(spec.table, doc.id, doc);
      for (const child of spec.children) {
        ((doc[child.source] ?? []) as Record<string, any>[]).forEach((item, i) => {
          add(child.table, `${doc.id}|${i + 1}`, item);
          for (const nested of child.children ?? []) {
            ((item[nested.source] ?? []) as Record<string, any>[]).forEach((n, j) => add(nested.table, `${doc.id}|${i + 1}|${j + 1}`, n));
          }
        });
      }
    }
  }
  for (const [table, entry] of Object.entries(out)) entry.keys = hashOf(keysByTable[table] ?? []);
  return out;
}

/** The same summary, read from the warehouse. */
export async function warehouseSummary(warehouse: Warehouse): Promise<TableSummary> {
  const out: TableSummary = {};
  for (const table of TABLES) {
    const rows = await warehouse.query(`SELECT * FROM raw.${table.name}`);
    const money = MONEY[table.name];
    out[table.name] = {
      rows: rows.length,
      keys: hashOf(rows.map((r) => table.primaryKey.map((k) => String(r[k])).join('|'))),
      money: String(rows.reduce((sum, r) => sum + (money ? cents(r[money[1]]) : 0n), 0n)),
    };
  }
  return out;
}

/** Every raw BuildOps table's rows without the load columns, as sorted JSON lines, for exact comparison. */
export async function snapshot(warehouse: Warehouse): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = await warehouse.query(`SELECT * FROM raw.${table.name}`);
    out[table.name] = rows
      .map((row) => {
        const entries = Object.entries(row)
          .filter(([k]) => k !== '_load_id' && k !== '_loaded_at')
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v]);
        return JSON.stringify(Object.fromEntries(entries));
      })
      .sort();
  }
  return out;
}

/** Records fetched per endpoint, summed from the `extract.page` log lines. */
export function fetchedPerEndpoint(records: readonly LogRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) if (r.event === 'extract.page') out[String(r.fields.endpoint)] = (out[String(r.fields.endpoint)] ?? 0) + Number(r.fields.records);
  return out;
}
