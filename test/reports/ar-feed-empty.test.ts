/** A warehouse where the feed's marts were not built: empty files with their header, and the manifest says why. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { writeArFeed } from '../../reports/feed/index.ts';
import type { FeedManifest } from '../../reports/feed/index.ts';

let dir: string;
let warehouse: Warehouse;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-empty-feed-'));
  warehouse = await openWarehouse(join(dir, 'warehouse.duckdb'));
  await warehouse.ensureReady();
});

afterAll(async () => {
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('writes every file with its header only and names the missing marts in the manifest', async () => {
  const feed = await writeArFeed({ warehouse, outDir: dir, asOf: '2026-11-15', companyCode: '1', logger: silentLogger });
  const manifest = JSON.parse(readFileSync(feed.manifest, 'utf8')) as FeedManifest;
  expect(manifest.not_available).toEqual([
    'not available: marts.ar_feed_invoices was not built — its sources are not loaded',
    'not available: marts.ar_feed_payments was not built — its sources are not loaded',
    'not available: marts.ar_aging_by_customer was not built — its sources are not loaded',
    'not available: marts.customer_directory was not built — its sources are not loaded',
  ]);
  expect(Object.values(manifest.files).every((f) => f.rows === 0)).toBe(true);
  expect(readFileSync(join(feed.dir, 'payments.csv'), 'utf8')).toBe(
    'company_code,payment_id,customer_code,transaction_type,check_number,payment_date,application_count,amount,retainage_amount\r\n',
  );
  expect(readFileSync(join(feed.dir, 'payments.jsonl'), 'utf8')).toBe('');
  expect(manifest.files['payments.csv']?.money_totals).toEqual({ amount: '0.00', retainage_amount: '0.00' });
});
