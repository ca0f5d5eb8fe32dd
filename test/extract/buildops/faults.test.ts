// The BuildOps extractor under faults (DuckDB): 429s (Retry-After 0 included), 5xx, resets and
// tokens expiring mid-run change nothing in the result; malformed records are quarantined with
// the field named; wrong credentials and exhausted retries stop with a clear message.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BuildOpsClient, createBuildOpsApiResources, createBuildOpsFileResources } from '../../../extract/buildops/index.ts';
import type { Warehouse } from '../../../load/index.ts';
import { loadResource, newLoadId, openWarehouse } from '../../../load/index.ts';
import type { Store } from '../../../sandbox/index.ts';
import type { SandboxServers } from '../../../sandbox/servers/start.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';
import { apiOptions, expectedSummary, extractApi, loadAll, recordingLogger, snapshot, storeDocs, tinyStore, warehouseSummary } from './helpers.ts';

let store: Store;
let sandbox: SandboxServers;
let dir: string;
let clean: Warehouse;
const opened: Warehouse[] = [];

async function newWarehouse(): Promise<Warehouse> {
  const warehouse = await openWarehouse(join(dir, `w${opened.length}.duckdb`));
  opened.push(warehouse);
  return warehouse;
}

beforeAll(async () => {
  store = await tinyStore(7);
  sandbox = await startSandboxServers(store, { shortPageEvery: 11 });
  dir = mkdtempSync(join(tmpdir(), 'plumbline-bo-faults-'));
  clean = await newWarehouse();
  await extractApi(clean, sandbox);
});
afterAll(async () => {
  for (const warehouse of opened) await warehouse.close();
  await sandbox?.close();
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('with 429 (Retry-After: 0 too), 5xx, connection resets and tokens expiring mid-run the extract completes with identical results', async () => {
  // A server of its own whose tokens live 2 s, so they are also refreshed before they expire.
  const faulty = await startSandboxServers(store, {
    shortPageEvery: 11,
    tokenLifetimeSeconds: 2,
    faults: [
      { path: '/v1/auth/token', nth: 1, action: { kind: 'status', status: 503 } },
      { path: '/v1/auth/token', action: { kind: 'delay', ms: 0 } }, // counts token requests
      { path: '/v1/customers', nth: 1, action: { kind: 'drop', when: 'before' } },
      { path: '/v1/jobs', nth: [1, 2], action: { kind: 'status', status: 503 } },
      { path: '/v1/invoices', nth: 2, action: { kind: 'status', status: 429, retryAfter: 0 } },
      { path: '/v1/invoices', nth: 4, action: { kind: 'status', status: 429, retryAfter: 1 } },
      { path: '/v1/timesheets', nth: [2, 5], action: { kind: 'drop', when: 'mid-response' } },
      { path: '/v1/timesheets', nth: 4, action: { kind: 'expire-tokens' } },
      { path: '/v1/payments', nth: 2, action: { kind: 'status', status: 500 } },
      { path: '/v1/service-agreements', nth: 1, action: { kind: 'status', status: 502 } },
    ],
  });
  try {
    const { logger, records } = recordingLogger();
    const warehouse = await newWarehouse();
    const t0 = performance.now();
    await extractApi(warehouse, faulty, { logger });
    const seconds = (performance.now() - t0) / 1000;
    expect(await snapshot(warehouse)).toEqual(await snapshot(clean));
    expect(await warehouseSummary(warehouse)).toEqual(await expectedSummary(store));

    const retries = records.filter((r) => r.event === 'extract.retry');
    const reasons = retries.map((r) => `${String(r.fields.endpoint ?? 'token')} ${String(r.fields.reason)}`);
    expect(reasons.some((r) => r.startsWith('invoices HTTP 429'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('jobs HTTP 503'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('payments HTTP 500'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('service-agreements HTTP 502'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('token HTTP 503'))).toBe(true);
    expect(reasons.filter((r) => r.startsWith('timesheets ')).length).toBe(2);
    expect(reasons.some((r) => r.startsWith('customers connection failed'))).toBe(true);
    // Retry-After: 0 still waits the floor; Retry-After: 1 waits a second.
    const invoiceDelays = retries.filter((r) => r.fields.endpoint === 'invoices').map((r) => Number(r.fields.delayMs));
    expect(invoiceDelays).toContain(50);
    expect(invoiceDelays).toContain(1000);
    // The expired token was refreshed once on the 401, and short-lived tokens were refreshed ahead of expiry.
    expect(records.some((r) => r.event === 'extract.token')).toBe(true);
    const tokenRequests = faulty.faults.state().find((r) => r.path === '/v1/auth/token' && r.action.kind === 'delay')!.seen;
    expect(tokenRequests).toBeGreaterThanOrEqual(3);
    process.stderr.write(`[buildops faults] ${retries.length} retries, ${tokenRequests} token requests, ${seconds.toFixed(2)} s\n`);
  } finally {
    await faulty.close();
  }
});

test('malformed records go to meta.quarantine with the field named; nothing else is lost', async () => {
  sandbox.faults.set([
    { path: '/v1/invoices', nth: 2, action: { kind: 'malformed', field: 'totalAmount', value: 'abc', index: 3 } },
    { path: '/v1/payments', nth: 1, action: { kind: 'malformed', field: 'amount', remove: true, index: 0 } },
    { path: '/v1/jobs', nth: 1, action: { kind: 'malformed', field: 'departments', value: [{ id: 7, name: 'x' }], index: 1 } },
  ]);
  try {
    const warehouse = await newWarehouse();
    const results = await extractApi(warehouse, sandbox);
    expect(results.get('invoices')!.rowsQuarantined).toBe(1);
    expect(results.get('payments')!.rowsQuarantined).toBe(1);
    expect(results.get('jobs')!.rowsQuarantined).toBe(1);
    const rows = await warehouse.query<{ resource: string; record_key: string; reasons: string; raw_record: string }>(
      `SELECT resource, record_key, reasons, raw_record FROM meta.quarantine ORDER BY resource`,
    );
    expect(rows.map((r) => [r.resource, JSON.parse(r.reasons)])).toEqual([
      ['invoices', ['totalAmount: expected number, received string']],
      ['jobs', ['departments.0.id: expected string, received number']],
      ['payments', ['amount: expected number, received undefined']],
    ]);
    const invoice = JSON.parse(rows[0]!.raw_record) as { id: string; totalAmount: unknown };
    expect(invoice.totalAmount).toBe('abc');
    expect(rows[0]!.record_key).toBe(invoice.id);
    // Every other record is there, exactly.
    const expected = await expectedSummary(store);
    const got = await warehouseSummary(warehouse);
    expect(got.buildops__invoices!.rows).toBe(expected.buildops__invoices!.rows - 1);
    expect(got.buildops__payments!.rows).toBe(expected.buildops__payments!.rows - 1);
    expect(got.buildops__jobs!.rows).toBe(expected.buildops__jobs!.rows - 1);
    for (const table of ['buildops__customers', 'buildops__timesheets', 'buildops__purchase_orders__receipt_lines'])
      expect(got[table]).toEqual(expected[table]);
    const [present] = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM raw.buildops__invoices WHERE id = $1`, [invoice.id]);
    expect(Number(present!.n)).toBe(0);
  } finally {
    sandbox.faults.clear();
  }
});

test('unknown fields become new columns; a full refresh of one resource replaces it', async () => {
  const warehouse = await newWarehouse();
  await extractApi(warehouse, sandbox, { endpoints: ['vendors'] });
  sandbox.faults.set([{ path: '/v1/vendors', nth: 1, action: { kind: 'malformed', field: 'insuranceTier', value: 'gold', index: 0 } }]);
  try {
    const [vendors] = createBuildOpsApiResources(apiOptions(sandbox, { endpoints: ['vendors'] }));
    const result = await loadResource(warehouse, vendors!, newLoadId(), { fullRefresh: true, asOf: '2026-11-15' });
    expect(result.newColumns).toEqual(['buildops__vendors.insurance_tier']);
    const rows = await warehouse.query<{ insurance_tier: string | null }>(`SELECT insurance_tier FROM raw.buildops__vendors WHERE insurance_tier IS NOT NULL`);
    expect(rows).toEqual([{ insurance_tier: 'gold' }]);
    expect(result.rowsLoaded).toBe((await storeDocs(store, 'vendors')).length);
  } finally {
    sandbox.faults.clear();
  }
});

test('wrong credentials stop with a clear message naming what to check', async () => {
  const warehouse = await newWarehouse();
  const [customers] = createBuildOpsApiResources(apiOptions(sandbox, { clientSecret: 'wrong' }));
  await expect(loadResource(warehouse, customers!, newLoadId(), { fullRefresh: false, asOf: '2026-11-15' })).rejects.toThrow(
    /BuildOps refused the client credentials \(POST \/v1\/auth\/token answered 401.*check BUILDOPS_CLIENT_ID\/BUILDOPS_CLIENT_SECRET and the tenant id/,
  );
  const wrongTenant = new BuildOpsClient({ ...apiOptions(sandbox), tenantId: 'someone-else' });
  await expect(wrongTenant.get('/v1/jobs?page=0&limit=1', { endpoint: 'jobs', page: 0 })).rejects.toThrow(/403 Forbidden.*check the tenant id/);
});

test('retries that run out name the endpoint, the page, the status and what to check', async () => {
  sandbox.faults.set([{ path: '/v1/projects', action: { kind: 'status', status: 503 } }]);
  try {
    const [projects] = createBuildOpsApiResources(
      apiOptions(sandbox, { endpoints: ['projects'], retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10, minDelayMs: 5 } }),
    );
    const warehouse = await newWarehouse();
    await expect(loadResource(warehouse, projects!, newLoadId(), { fullRefresh: false, asOf: '2026-11-15' })).rejects.toThrow(
      /BuildOps GET \/v1\/projects page 0 failed after 3 attempts: HTTP 503 .*Check that http:\/\/127\.0\.0\.1:\d+ is reachable/,
    );
    // Nothing was committed, not even the cursor.
    expect(await warehouse.getState('buildops', 'projects')).toBeUndefined();
  } finally {
    sandbox.faults.clear();
  }
});

test('files: a missing file is no records; a file that does not parse fails its resource, naming the file', async () => {
  const exportDir = join(dir, 'export');
  mkdirSync(join(exportDir, 'buildops'), { recursive: true });
  writeFileSync(join(exportDir, 'buildops', 'vendors.json'), '[{"id": "v1", "name": "Cut off"');
  writeFileSync(
    join(exportDir, 'buildops', 'projects.json'),
    JSON.stringify([
      { id: 'p1', projectNumber: 'P1', contractAmount: 1000.005, retainagePercent: 10, version: 1 },
      { id: 'p2', contractAmount: 'lots' },
    ]),
  );
  const warehouse = await newWarehouse();
  const resources = createBuildOpsFileResources({ dir: exportDir, timeZone: 'America/Chicago', endpoints: ['vendors', 'projects', 'jobs'] });
  // A cut file would load as "no vendors" and hide the loss: it fails instead (issue 18, item 2).
  await expect(
    loadAll(
      warehouse,
      resources.filter((r) => r.name === 'vendors'),
    ),
  ).rejects.toThrow(/vendors\.json: not valid JSON/);
  const results = await loadAll(
    warehouse,
    resources.filter((r) => r.name !== 'vendors'),
  );
  expect(results.get('jobs')!.rowsLoaded).toBe(0);
  expect(results.get('projects')!.rowsByTable.buildops__projects).toBe(1);
  const quarantine = await warehouse.query<{ resource: string; reasons: string }>(`SELECT resource, reasons FROM meta.quarantine ORDER BY resource`);
  expect(quarantine.map((q) => [q.resource, JSON.parse(q.reasons)])).toEqual([['projects', ['contractAmount: expected number, received string']]]);
  const [project] = await warehouse.query<{ contract_amount: string; retainage_percent: string }>(
    `SELECT contract_amount, retainage_percent FROM raw.buildops__projects`,
  );
  expect(project).toEqual({ contract_amount: '1000.01', retainage_percent: '10.0000' });
});

test('requests in flight stay within maxInFlight across every endpoint at once', async () => {
  // The server answers 429 past 2 requests at once; a client bounded at 2 never sees one.
  const narrow = await startSandboxServers(store, { shortPageEvery: 11, maxConcurrentRequests: 2 });
  try {
    const { logger, records } = recordingLogger();
    const resources = createBuildOpsApiResources(apiOptions(narrow, { maxInFlight: 2, pageSize: 10, logger }));
    const counts = await Promise.all(
      resources.map(async (resource) => {
        let n = 0;
        for await (const batch of resource.extract(undefined, { fullRefresh: false, asOf: '2026-11-15' })) {
          const rows = batch.rows instanceof Map ? batch.rows.get(resource.tables[0]!.name) : undefined;
          n += rows?.length ?? 0;
        }
        return [resource.name, n] as const;
      }),
    );
    expect(records.filter((r) => r.event === 'extract.retry')).toEqual([]);
    for (const [name, n] of counts) expect(n, name).toBe((await storeDocs(store, name)).length);
  } finally {
    await narrow.close();
  }
});

test('the lag window: a record that becomes visible late, with a time before the cursor, is still loaded', async () => {
  const local = await tinyStore(11);
  const server = await startSandboxServers(local, { shortPageEvery: 0 });
  try {
    const warehouse = await newWarehouse();
    const options = { endpoints: ['timesheets'] };
    await extractApi(warehouse, server, options);
    const state = (await warehouse.getState('buildops', 'timesheets')) as { cursor: string };
    const cursor = Date.parse(state.cursor);
    const template = (await storeDocs(local, 'timesheets'))[0]!;
    const insert = async (id: string, at: number): Promise<void> => {
      const doc = { ...template, id, audit: { ...template.audit, lastUpdatedDate: new Date(at).toISOString(), lastUpdatedDateTime: at } };
      await local.connection.run(`INSERT INTO buildops.timesheets VALUES ($id, $at::TIMESTAMP, $doc)`, {
        id,
        at: new Date(at).toISOString().replace('T', ' ').replace('Z', ''),
        doc: JSON.stringify(doc),
      });
    };
    await insert('late-inside-window', cursor - 5 * 60_000);
    await insert('late-outside-window', cursor - 20 * 60_000);
    const second = await extractApi(warehouse, server, options);
    expect(second.get('timesheets')!.rowsLoaded).toBe(1);
    const ids = await warehouse.query<{ id: string }>(`SELECT id FROM raw.buildops__timesheets WHERE id LIKE 'late-%'`);
    expect(ids).toEqual([{ id: 'late-inside-window' }]);
  } finally {
    await server.close();
    local.close();
  }
});

test('a record met twice in one run is one row, in its newer version', async () => {
  const exportDir = join(dir, 'dupes');
  mkdirSync(join(exportDir, 'buildops'), { recursive: true });
  const v = (version: number, status: string, ms: number) => ({
    id: 'x1',
    version,
    status,
    audit: { lastUpdatedDate: new Date(ms).toISOString(), lastUpdatedDateTime: ms },
  });
  writeFileSync(
    join(exportDir, 'buildops', 'projects.json'),
    JSON.stringify([
      v(1, 'Old', 1_000_000),
      v(2, 'New', 2_000_000),
      v(1, 'Old', 1_000_000),
      { ...v(3, 'Newest', 3_000_000), id: 'x2' },
      { ...v(2, 'Older', 500_000), id: 'x2' },
    ]),
  );
  const warehouse = await newWarehouse();
  await loadAll(warehouse, createBuildOpsFileResources({ dir: exportDir, timeZone: 'America/Chicago', endpoints: ['projects'] }));
  const rows = await warehouse.query<{ id: string; status: string }>(`SELECT id, status FROM raw.buildops__projects ORDER BY id`);
  expect(rows).toEqual([
    { id: 'x1', status: 'New' },
    { id: 'x2', status: 'Newest' },
  ]);
});
