/**
 * The Spectrum file export (docs/export-folder.md): the same tables as over SQL from
 * `<dir>/spectrum/<TABLE>.csv`, company 1 only, bad rows quarantined with their column.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openWarehouse } from '../../../load/index.ts';
import type { Warehouse } from '../../../load/index.ts';
import { exportContractor, generateContractor, openStore } from '../../../sandbox/index.ts';
import type { Store } from '../../../sandbox/index.ts';
import {
  SPECTRUM_TABLE_NAMES,
  createSpectrumFileResources,
  createSpectrumSqlResources,
  detectFileCompanies,
  rawTableName,
} from '../../../extract/spectrum/index.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';
import { compareAll, loadAll, quarantineOf, sqlOptions, storeTotals, warehouseTotals } from './helpers.ts';

let store: Store;
let dir: string;
let exportDir: string;
const warehouses: Warehouse[] = [];

async function freshWarehouse(): Promise<Warehouse> {
  const warehouse = await openWarehouse(join(mkdtempSync(join(dir, 'w-')), 'w.duckdb'));
  warehouses.push(warehouse);
  return warehouse;
}

/** A copy of the export whose `table` file is rewritten by `edit` (rows as arrays, header first). */
function editedExport(name: string, table: string, edit: (rows: string[][]) => string[][]): string {
  const copy = join(dir, name);
  cpSync(exportDir, copy, { recursive: true });
  const path = join(copy, 'spectrum', `${table}.csv`);
  const rows = parse(readFileSync(path, 'utf8')) as string[][];
  writeFileSync(path, stringify(edit(rows), { record_delimiter: '\r\n' }));
  return copy;
}

beforeAll(async () => {
  store = await openStore();
  await generateContractor(store, { seed: 21, scale: 'tiny' });
  dir = mkdtempSync(join(tmpdir(), 'plumbline-spectrum-files-'));
  exportDir = join(dir, 'export');
  await exportContractor(store, exportDir);
});
afterAll(async () => {
  for (const warehouse of warehouses) await warehouse.close();
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('spectrum from a file export', () => {
  test('detects the companies present', async () => {
    expect(await detectFileCompanies(exportDir)).toEqual(['1', '2']);
    expect(await detectFileCompanies(join(dir, 'nowhere'))).toEqual([]);
  });

  test('every table loads with the sandbox counts and totals, company 1 only', async () => {
    const warehouse = await freshWarehouse();
    const results = await loadAll(warehouse, createSpectrumFileResources({ dir: exportDir, companyCodes: ['1'] }));
    for (const [name, result] of results) expect(result.rowsQuarantined, name).toBe(0);
    const { expected, loaded } = await compareAll(store, warehouse);
    expect(loaded).toEqual(expected);
    expect(await warehouse.query(`SELECT DISTINCT company_code FROM raw.spectrum__cr_open_item_mc`)).toEqual([{ company_code: '1' }]);
    // Padded codes (quoted in the CSV to keep their spaces) are trimmed.
    expect(
      await warehouse.query(
        `SELECT count(*) AS n FROM raw.spectrum__jc_phase_master_mc WHERE phase_code <> trim(phase_code) OR job_number <> trim(job_number)`,
      ),
    ).toEqual([{ n: 0 }]);
    // A second read of the same files changes nothing (merge on keys, days replaced, snapshots replaced).
    await loadAll(warehouse, createSpectrumFileResources({ dir: exportDir, companyCodes: ['1'] }));
    expect((await compareAll(store, warehouse)).loaded).toEqual(expected);
  });

  test('the files and SQL give the same warehouse, row for row', async () => {
    const fromFiles = await freshWarehouse();
    await loadAll(fromFiles, createSpectrumFileResources({ dir: exportDir, companyCodes: ['1'] }));
    const servers = await startSandboxServers(store);
    const fromSql = await freshWarehouse();
    const sql = createSpectrumSqlResources(sqlOptions({ store, servers, close: async () => undefined }));
    try {
      await loadAll(fromSql, sql.resources);
    } finally {
      await sql.close();
      await servers.close();
    }
    for (const table of SPECTRUM_TABLE_NAMES) {
      // day_seq numbers rows in read order, which differs between a file and a query.
      const columns = (await fromSql.describe('raw', rawTableName(table))).map((c) => c.name).filter((c) => !c.startsWith('_') && c !== 'day_seq');
      const query = `SELECT ${columns.join(', ')} FROM raw.${rawTableName(table)} ORDER BY ${columns.map((_, i) => i + 1).join(', ')}`;
      expect(await fromFiles.query(query), table).toEqual(await fromSql.query(query));
    }
  });

  test('a missing file is no records, not an error', async () => {
    const copy = join(dir, 'missing');
    cpSync(exportDir, copy, { recursive: true });
    unlinkSync(join(copy, 'spectrum', 'VN_OPEN_ITEMS_MC.csv'));
    const warehouse = await freshWarehouse();
    const results = await loadAll(
      warehouse,
      createSpectrumFileResources({ dir: copy, companyCodes: ['1'] }).filter((r) => r.name === 'VN_OPEN_ITEMS_MC' || r.name === 'GL_MASTER_MC'),
    );
    expect(results.get('VN_OPEN_ITEMS_MC')!.rowsLoaded).toBe(0);
    expect((await warehouseTotals(warehouse, 'VN_OPEN_ITEMS_MC')).rows).toBe(0);
    expect((await warehouseTotals(warehouse, 'GL_MASTER_MC')).rows).toBe((await storeTotals(store, 'GL_MASTER_MC')).rows);
  });

  test('unparseable dates, text in money and broken lines are quarantined with the column named', async () => {
    const firstOf = (rows: string[][], n: number): number => rows.findIndex((r, i) => i > 0 && r[0] === '1' && --n === 0);
    let header: string[] = [];
    const copy = editedExport('bad', 'CR_INVOICE_HEADER_MC', (rows) => {
      header = rows[0]!;
      const date = header.indexOf('Invoice_Date');
      const money = header.indexOf('Invoice_Extension');
      rows[firstOf(rows, 1)]![date] = '2026-13-45';
      rows[firstOf(rows, 2)]![money] = '12,50 USD';
      return rows;
    });
    // A line with too few fields, and a bad Tran_Date_Text in another table.
    const headerPath = join(copy, 'spectrum', 'CR_INVOICE_HEADER_MC.csv');
    writeFileSync(headerPath, readFileSync(headerPath, 'utf8') + '1,BROKEN\r\n');
    const jcPath = join(copy, 'spectrum', 'JC_TRANSACTION_HISTORY_MC.csv');
    const jc = parse(readFileSync(jcPath, 'utf8')) as string[][];
    const jcRow = jc.findIndex((r, i) => i > 0 && r[0] === '1');
    jc[jcRow]![jc[0]!.indexOf('Tran_Date_Text')] = '2026AB01';
    writeFileSync(jcPath, stringify(jc, { record_delimiter: '\r\n' }));

    const warehouse = await freshWarehouse();
    const resources = createSpectrumFileResources({ dir: copy, companyCodes: ['1'] }).filter((r) =>
      ['CR_INVOICE_HEADER_MC', 'JC_TRANSACTION_HISTORY_MC'].includes(r.name),
    );
    const results = await loadAll(warehouse, resources);
    expect(results.get('CR_INVOICE_HEADER_MC')!.rowsQuarantined).toBe(3);
    const expectedHeaders = await storeTotals(store, 'CR_INVOICE_HEADER_MC');
    expect((await warehouseTotals(warehouse, 'CR_INVOICE_HEADER_MC')).rows).toBe(expectedHeaders.rows - 2);
    const reasons = (await quarantineOf(warehouse, 'CR_INVOICE_HEADER_MC')).flatMap((q) => q.reasons);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^invoice_date: "2026-13-45" is not a date \(YYYY-MM-DD\) \(CR_INVOICE_HEADER_MC\.csv line \d+\)$/),
        expect.stringMatching(/^invoice_extension: "12,50 USD" is not a decimal amount/),
        expect.stringMatching(/^CR_INVOICE_HEADER_MC\.csv line \d+: .*/),
      ]),
    );
    expect(results.get('JC_TRANSACTION_HISTORY_MC')!.rowsQuarantined).toBe(1);
    expect((await quarantineOf(warehouse, 'JC_TRANSACTION_HISTORY_MC'))[0]!.reasons[0]).toMatch(/^tran_date_text: "2026AB01" is not a date \(YYYYMMDD\)/);
    expect((await warehouseTotals(warehouse, 'JC_TRANSACTION_HISTORY_MC')).rows).toBe((await storeTotals(store, 'JC_TRANSACTION_HISTORY_MC')).rows - 1);
  });

  test('a file without a contract column stops that table with a clear error', async () => {
    const copy = editedExport('nocolumn', 'GL_MASTER_COST_CENTERS_MC', (rows) => rows.map((r) => r.slice(0, 3)));
    const warehouse = await freshWarehouse();
    const resources = createSpectrumFileResources({ dir: copy, companyCodes: ['1'] }).filter((r) => r.name === 'GL_MASTER_COST_CENTERS_MC');
    await expect(loadAll(warehouse, resources)).rejects.toThrow(/header lacks the columns Status of GL_MASTER_COST_CENTERS_MC/);
  });
});
