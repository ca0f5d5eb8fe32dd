/**
 * `plumbline report` with a reader on Postgres: the reports read the marts as plumbline_reader
 * (SELECT on marts only) and write their history through the writer; the figures equal those of
 * a report read by the writer alone. With `--no-history` only the reader is used: no history is
 * read or written, and the report says so. The reader itself cannot read raw, meta or files.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exportContractor, generateContractor, openStore } from '../../sandbox/index.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import { createTestDatabase } from '../support/postgres-server.ts';
import { plumbline } from './helpers.ts';

const pgUrl = inject('pgUrl');
const work = mkdtempSync(join(tmpdir(), 'plumbline-report-reader-'));

/** The numbers of the CFO report: every numeric table cell, in page order (the freshness of the loads apart: meta, not marts). */
function htmlFigures(dir: string): string[] {
  const html = readFileSync(join(dir, 'cfo-report.html'), 'utf8').replace(/<section id="freshness">[\s\S]*?<\/section>/, '');
  return [...html.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]!);
}

/** Every cell of every sheet of a workbook, as text (sheet!address=value). */
async function workbookCells(path: string): Promise<string[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const cells: string[] = [];
  workbook.eachSheet((sheet) =>
    sheet.eachRow((row) =>
      row.eachCell((cell) => {
        const value = cell.value instanceof Date ? cell.value.toISOString() : JSON.stringify(cell.value);
        cells.push(`${sheet.name}!${cell.address}=${value}`);
      }),
    ),
  );
  return cells;
}

/** The AR feed's data files by name and SHA-256 (the manifest, with its time, apart). */
function feedHashes(dir: string): Record<string, string> {
  const feed = join(dir, 'ar-feed');
  return Object.fromEntries(
    readdirSync(feed)
      .filter((name) => name !== 'manifest.json')
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(feed, name)))
          .digest('hex'),
      ]),
  );
}

describe.skipIf(!pgUrl)('report through the Postgres reader role', () => {
  let database: { url: string; drop(): Promise<void> };
  let writerUrl: string;
  let readerUrl: string;
  let truth: GroundTruth;
  const asRole = (url: string, role: string) => {
    const u = new URL(url);
    u.username = role;
    return u.toString();
  };
  const historyCounts = async (): Promise<Record<'report_history' | 'finding_history' | 'ar_feed_history', number>> => {
    const writer = new pg.Client({ connectionString: writerUrl });
    await writer.connect();
    try {
      const count = async (table: string): Promise<number> => Number((await writer.query(`select count(*) as n from meta.${table}`)).rows[0].n);
      return {
        report_history: await count('report_history'),
        finding_history: await count('finding_history'),
        ar_feed_history: await count('ar_feed_history'),
      };
    } finally {
      await writer.end();
    }
  };

  beforeAll(async () => {
    const store = await openStore(':memory:');
    truth = await generateContractor(store, { seed: 5, scale: 'tiny' });
    await exportContractor(store, join(work, 'export'));
    store.close();
    database = await createTestDatabase(pgUrl!);
    const printed = await plumbline(['init', '--postgres', new URL(database.url).pathname.slice(1)]);
    expect(printed.code).toBe(0);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(printed.stdout);
    await admin.end();
    writerUrl = asRole(database.url, 'plumbline_writer');
    readerUrl = asRole(database.url, 'plumbline_reader');
    const run = await plumbline(
      [
        'run',
        '--files',
        join(work, 'export'),
        '--company',
        truth.companyCode,
        '--as-of',
        truth.asOf,
        '--stages',
        'extract,load,models',
        '--warehouse',
        writerUrl,
      ],
      { cwd: work },
    );
    expect(run.code, run.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('reads the marts as the reader, writes the history as the writer, and its figures equal the writer-only report', async () => {
    const alone = await plumbline(['report', '--warehouse', writerUrl, '--out', join(work, 'writer')], { cwd: work });
    expect(alone.code, alone.stderr).toBe(0);
    const before = await historyCounts();
    expect(before.report_history).toBeGreaterThan(0);
    expect(before.finding_history).toBeGreaterThan(0);

    const split = await plumbline(['report', '--warehouse', writerUrl, '--reader', readerUrl, '--out', join(work, 'reader')], { cwd: work });
    expect(split.code, split.stderr).toBe(0);
    expect(split.stderr).not.toMatch(/permission denied|could not be read or written/);
    // The history went through the writer: one more report run and one more feed recorded.
    const after = await historyCounts();
    expect(after.report_history).toBe(before.report_history * 2);
    expect(after.ar_feed_history).toBe(before.ar_feed_history + 1);
    expect(after.finding_history).toBe(before.finding_history);

    const figures = htmlFigures(join(work, 'writer'));
    expect(figures.length).toBeGreaterThan(20);
    expect(htmlFigures(join(work, 'reader'))).toEqual(figures);
    expect(feedHashes(join(work, 'reader'))).toEqual(feedHashes(join(work, 'writer')));
    const cells = await workbookCells(join(work, 'writer', 'reconciliation.xlsx'));
    expect(cells.some((c) => c.endsWith('="First seen"'))).toBe(true);
    expect(await workbookCells(join(work, 'reader', 'reconciliation.xlsx'))).toEqual(cells);
  }, 300_000);

  it('with only the reader (--no-history) it writes no history and says so', async () => {
    const before = await historyCounts();
    const only = await plumbline(['report', '--warehouse', readerUrl, '--reader', readerUrl, '--no-history', '--out', join(work, 'only')], { cwd: work });
    expect(only.code, only.stderr).toBe(0);
    expect(only.stderr).toContain('the report history in meta is neither read nor written');
    expect(await historyCounts()).toEqual(before);
    const manifest = JSON.parse(readFileSync(join(work, 'only', 'ar-feed', 'manifest.json'), 'utf8')) as { not_available: string[] };
    expect(manifest.not_available.join('\n')).toContain('feed history: read through the reader only');
    expect(readFileSync(join(work, 'only', 'cfo-report.html'), 'utf8')).toContain('read through the reader role');
    expect(htmlFigures(join(work, 'only'))).toEqual(htmlFigures(join(work, 'writer')));
    expect(feedHashes(join(work, 'only'))).toEqual(feedHashes(join(work, 'writer')));
  }, 300_000);

  for (const [what, query] of [
    ['raw tables', 'select count(*) from raw.buildops__invoices'],
    ['meta tables', 'select count(*) from meta.report_history'],
    ['server files', "select pg_read_file('/etc/passwd')"],
  ] as const) {
    it(`the reader role the report used cannot read ${what}`, async () => {
      const reader = new pg.Client({ connectionString: readerUrl });
      await reader.connect();
      try {
        await expect(reader.query(query)).rejects.toThrow(/permission denied/i);
      } finally {
        await reader.end();
      }
    });
  }
});
