/**
 * Issue 6: a crash in the reports stage never leaves a torn AR feed — every file is written
 * under a temporary name and renamed, the manifest last — and the feed's CSV quoting is
 * csv-stringify's (RFC 4180), read back exactly by a CSV parser.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import type { Warehouse } from '../../load/index.ts';
import { writeReports } from '../../reports/index.ts';
import { csvLine } from '../../reports/feed/index.ts';
import { loadSandbox, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import type { LoadedSandbox } from '../support/sandbox-warehouse.ts';

const out = mkdtempSync(join(tmpdir(), 'plumbline-reports-'));
const factory = {
  kind: 'duckdb' as const,
  newLocation: async () => join(mkdtempSync(join(tmpdir(), 'plumbline-rep-wh-')), 'w.duckdb'),
};

/** The warehouse, failing midway through the stream of the first AR feed file (a crash). */
function crashingInFeed(warehouse: Warehouse): Warehouse {
  return new Proxy(warehouse, {
    get(target, property, receiver) {
      if (property !== 'stream') return Reflect.get(target, property, receiver) as unknown;
      return (sqlText: string, parameters?: readonly unknown[]) => {
        const inner = target.stream(sqlText, parameters);
        if (!/ar_feed_invoices/.test(sqlText)) return inner;
        return (async function* () {
          for await (const rows of inner) {
            yield rows.slice(0, Math.ceil(rows.length / 2));
            throw new Error('simulated crash in the middle of the AR feed');
          }
        })();
      };
    },
  });
}

describe('report files are whole or absent', () => {
  let sandbox: LoadedSandbox;
  beforeAll(async () => {
    sandbox = await loadSandbox(factory, 2, 'tiny');
  });
  afterAll(async () => {
    await sandbox.warehouse.close();
    removeSandboxExports();
    rmSync(out, { recursive: true, force: true });
  });

  it('a crash while the feed is written leaves the previous feed whole and matching its manifest', async () => {
    const options = { outDir: out, asOf: sandbox.asOf, companyCode: sandbox.truth.companyCode, logger: silentLogger, since: '2026-01-01' };
    await writeReports({ ...options, warehouse: sandbox.warehouse });
    const feed = join(out, 'ar-feed');
    const before = Object.fromEntries(readdirSync(feed).map((name) => [name, readFileSync(join(feed, name), 'utf8')]));
    expect(Object.keys(before)).toContain('invoices.csv');

    await expect(writeReports({ ...options, warehouse: crashingInFeed(sandbox.warehouse) })).rejects.toThrow(/simulated crash/);
    const after = Object.fromEntries(readdirSync(feed).map((name) => [name, readFileSync(join(feed, name), 'utf8')]));
    expect(after).toEqual(before);
    const manifest = JSON.parse(after['manifest.json']!) as { files: Record<string, { rows: number; sha256: string }> };
    for (const [name, entry] of Object.entries(manifest.files)) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(feed, name)))
          .digest('hex'),
        name,
      ).toBe(entry.sha256);
    }
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('CSV quoting round-trips every awkward value exactly', () => {
    const values = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', ' padded ', '', '=1+1 stays text elsewhere', 'Ünïcødé ✓'];
    const [record] = parse(csvLine(values), { relax_column_count: false }) as string[][];
    expect(record).toEqual(values);
  });
});
