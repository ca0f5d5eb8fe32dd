// The BuildOps extractor end to end against the sandbox, on both warehouses: a full extract over
// the API and from a file export load exactly the store's records, identically; a second run
// loads nothing new; changed records, and only they, arrive on the next run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBuildOpsApiResources, createBuildOpsFileResources } from '../../../extract/buildops/index.ts';
import type { Warehouse } from '../../../load/index.ts';
import { exportContractor } from '../../../sandbox/index.ts';
import type { Store } from '../../../sandbox/index.ts';
import type { SandboxServers } from '../../../sandbox/servers/start.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';
import { describeEachWarehouse } from '../../support/warehouses.ts';
import { apiOptions, expectedSummary, fetchedPerEndpoint, loadAll, recordingLogger, snapshot, storeDocs, tinyStore, warehouseSummary } from './helpers.ts';

describeEachWarehouse('BuildOps extract', (factory) => {
  let store: Store;
  let sandbox: SandboxServers;
  let api: Warehouse;
  let files: Warehouse;
  let dir: string;

  beforeAll(async () => {
    store = await tinyStore();
    // Short pages often, so that stopping on a short page would lose records.
    sandbox = await startSandboxServers(store, { shortPageEvery: 7 });
    dir = mkdtempSync(join(tmpdir(), 'plumbline-bo-export-'));
    await exportContractor(store, dir);
    api = await factory.open();
    files = await factory.open();
  });
  afterAll(async () => {
    await api?.close();
    await files?.close();
    await sandbox?.close();
    store?.close();
    await factory.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a full extract over the API loads exactly the store’s records, and the export folder gives the same warehouse', async () => {
    const { logger, records } = recordingLogger();
    const t0 = performance.now();
    const results = await loadAll(api, createBuildOpsApiResources(apiOptions(sandbox, { logger })));
    const apiSeconds = (performance.now() - t0) / 1000;
    const expected = await expectedSummary(store);
    expect(await warehouseSummary(api)).toEqual(expected);
    expect(expected.buildops__invoices!.rows).toBeGreaterThan(50);
    expect(expected.buildops__purchase_orders__receipt_lines!.rows).toBeGreaterThan(0);
    for (const result of results.values()) expect(result.rowsQuarantined).toBe(0);
    // One progress line per page, with the endpoint, page, records and rate.
    const pages = records.filter((r) => r.event === 'extract.page');
    expect(pages.length).toBeGreaterThan(14);
    expect(pages[0]!.fields).toMatchObject({ endpoint: 'customers', page: 0 });
    expect(typeof pages[0]!.fields.rate).toBe('number');

    const t1 = performance.now();
    await loadAll(files, createBuildOpsFileResources({ dir, timeZone: 'America/Chicago' }));
    const fileSeconds = (performance.now() - t1) / 1000;
    expect(await snapshot(files)).toEqual(await snapshot(api));
    process.stderr.write(`[buildops ${factory.kind}] full API extract ${apiSeconds.toFixed(2)} s (${pages.length} pages), files ${fileSeconds.toFixed(2)} s\n`);
  });

  test('types: exact money, epoch seconds as UTC instants plus the Chicago business date, audit flattened', async () => {
    const doc = (await storeDocs(store, 'invoices'))[0]!;
    const [row] = await api.query<Record<string, unknown>>(`SELECT * FROM raw.buildops__invoices WHERE id = $1`, [doc.id]);
    expect(row).toBeDefined();
    const issued = new Date(Number(doc.issuedDate) * 1000);
    expect((row!.issued_date as Date).toISOString()).toBe(issued.toISOString());
    expect(row!.issued_date_local).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(issued));
    expect(row!.total_amount).toBe((doc.totalAmount as number).toFixed(2));
    expect((row!.audit_last_updated_date as Date).toISOString()).toBe(doc.audit.lastUpdatedDate);
    expect((row!.audit_last_updated_date_time as Date).getTime()).toBe(doc.audit.lastUpdatedDateTime);
    expect(Number(row!.version)).toBe(doc.version);
    const columns = new Map((await api.describe('raw', 'buildops__invoices')).map((c) => [c.name, c.type]));
    expect(columns.get('total_amount')).toBe('decimal(18,2)');
    expect(columns.get('sales_tax_rate')).toBe('decimal(9,4)');
    expect(columns.get('issued_date')).toBe('timestamp');
    expect(columns.get('issued_date_local')).toBe('date');
  });

  test('a second run fetches only the lag window and loads no new version; changed records, and only they, arrive next', async () => {
    const { logger, records } = recordingLogger();
    const resources = createBuildOpsApiResources(apiOptions(sandbox, { logger }));
    const before = await snapshot(api);
    const second = await loadAll(api, resources);
    for (const [name, result] of second) expect(result.rowsLoaded, name).toBe(0);
    expect(await snapshot(api)).toEqual(before);
    // What was fetched: the records updated in the 10 minutes before each endpoint's latest (employees: all, filtered here).
    const inWindow: Record<string, number> = {};
    for (const spec of resources) {
      const table = `buildops.${spec.name.replaceAll('-', '_')}`;
      const reader = await store.connection.runAndReadAll(
        spec.name === 'employees'
          ? `SELECT count(*)::INTEGER FROM ${table}`
          : `SELECT count(*)::INTEGER FROM ${table} WHERE updated_at > (SELECT max(updated_at) FROM ${table}) - INTERVAL 10 MINUTE`,
      );
      inWindow[spec.name] = Number(reader.getRows()[0]![0]);
    }
    expect(fetchedPerEndpoint(records)).toEqual(inWindow);

    // Change two invoices (one loses an item) and a job, as BuildOps would: new version, new audit time.
    const now = new Date();
    const invoices = (await storeDocs(store, 'invoices')).filter((d) => (d.invoiceItems as unknown[]).length >= 2).slice(0, 2);
    const job = (await storeDocs(store, 'jobs'))[0]!;
    invoices[0]!.status = 'Void';
    invoices[1]!.invoiceItems = (invoices[1]!.invoiceItems as unknown[]).slice(1);
    job.status = 'On Hold';
    for (const [endpoint, doc] of [
      ['invoices', invoices[0]!],
      ['invoices', invoices[1]!],
      ['jobs', job],
    ] as const) {
      doc.version = (doc.version as number) + 1;
      doc.audit = { ...doc.audit, lastUpdatedDate: now.toISOString(), lastUpdatedDateTime: now.getTime() };
      await store.connection.run(`UPDATE buildops.${endpoint} SET doc = $doc, updated_at = $at::TIMESTAMP WHERE id = $id`, {
        doc: JSON.stringify(doc),
        at: now.toISOString().replace('T', ' ').replace('Z', ''),
        id: doc.id,
      });
    }
    const third = await loadAll(api, createBuildOpsApiResources(apiOptions(sandbox)));
    expect(third.get('invoices')!.rowsByTable.buildops__invoices).toBe(2);
    expect(third.get('jobs')!.rowsByTable.buildops__jobs).toBe(1);
    for (const [name, result] of third) if (name !== 'invoices' && name !== 'jobs') expect(result.rowsLoaded, name).toBe(0);
    expect(await warehouseSummary(api)).toEqual(await expectedSummary(store));
    const [voided] = await api.query<{ status: string; version: number }>(`SELECT status, version FROM raw.buildops__invoices WHERE id = $1`, [
      invoices[0]!.id,
    ]);
    expect(voided).toMatchObject({ status: 'Void' });
    expect(Number(voided!.version)).toBe(invoices[0]!.version);
    const items = await api.query(`SELECT position FROM raw.buildops__invoices__items WHERE invoice_id = $1`, [invoices[1]!.id]);
    expect(items.length).toBe((invoices[1]!.invoiceItems as unknown[]).length);
  });
});
