/**
 * The Excel workbooks of a loaded sandbox (seed 1, tiny, DuckDB), with a customer named
 * `=HYPERLINK("http://x","y")` added (one open invoice of 1,234.56). Read back with exceljs
 * (always), then opened in LibreOffice headless with formulas recalculated on load and every
 * sheet exported to CSV (when LibreOffice is installed): the totals and formulas compute to the
 * marts' values and to the ground truth, and the customer's name stays text.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decimalToUnscaled, unscaledToDecimal } from '../../lib/decimal.ts';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { writeWorkbooks } from '../../reports/excel/index.ts';
import { importNotes } from '../../reports/excel/notes.ts';
import { FINDING_SHEETS, writeReconciliationWorkbook } from '../../reports/excel/reconciliation.ts';
import { DATE_FORMAT, MONEY_FORMAT } from '../../reports/excel/sheet.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import { filesConfig, loadAndBuild, rebuild, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';

const INJECTED = '=HYPERLINK("http://x","y")';
const INJECTED_OPEN = '1234.56';

const run = promisify(execFile);
const soffice = ['soffice', 'libreoffice']
  .flatMap((name) => (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)))
  .find((path) => existsSync(path));
const noLibreOffice = soffice ? '' : 'neither soffice nor libreoffice is on PATH (install the Debian libreoffice-calc package)';
if (!soffice) process.stderr.write(`[workbooks] the LibreOffice tests did not run: ${noLibreOffice}\n`);

let warehouse: Warehouse;
let truth: GroundTruth;
let out: string;
let asOf: string;

const cents = (text: unknown): bigint => decimalToUnscaled(String(text ?? '0'), 2);
const money = (value: bigint): string => unscaledToDecimal(value, 2);

async function martSum(sql: string): Promise<bigint> {
  const [row] = await warehouse.query<{ s: string | null }>(sql);
  return cents(row?.s ?? '0');
}

beforeAll(async () => {
  const exported = await sandboxExport(1, 'tiny');
  truth = exported.truth;
  asOf = truth.asOf;
  out = mkdtempSync(join(tmpdir(), 'plumbline-workbooks-'));
  const location = join(out, 'warehouse.duckdb');
  warehouse = await openWarehouse(location);
  const config = filesConfig(exported.dir, truth, location);
  await loadAndBuild(warehouse, config, asOf);
  const company = truth.companyCode;
  await warehouse.query(
    `insert into raw.spectrum__cr_customer_master_mc (company_code, customer_code, name, status) values ('${company}', 'ZZHACK', '${INJECTED.replace(/'/g, "''")}', 'A')`,
  );
  await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type)
      values ('${company}', 'ZZH001', 'ZZHACK', 'ZJOB9', CAST('2026-11-01' AS DATE), CAST('2026-12-01' AS DATE), ${INJECTED_OPEN}, 0.00, null, 'I')`);
  await warehouse.query(`insert into raw.spectrum__cr_open_item_mc
      (company_code, customer_code, invoice_or_transaction, job_number, transaction_type, invoice_date, due_date, invoice_balance)
      values ('${company}', 'ZZHACK', 'ZZH001', 'ZJOB9', 'I', CAST('2026-11-01' AS DATE), CAST('2026-12-01' AS DATE), ${INJECTED_OPEN})`);
  await rebuild(warehouse, config, asOf);
  await writeWorkbooks({ warehouse, outDir: out, asOf, companyCode: null, logger: silentLogger });
}, 240_000);

afterAll(async () => {
  await warehouse?.close();
  if (out) rmSync(out, { recursive: true, force: true });
  removeSandboxExports();
});

/** The ground truth's AR totals plus the injected customer's open invoice (current, no retainage). */
function expectedTotals(): Record<string, bigint> {
  const t = truth.ar_aging.totals;
  const extra = cents(INJECTED_OPEN);
  return {
    bucket_current: cents(t.current) + extra,
    bucket_1_30: cents(t['1-30']),
    bucket_31_60: cents(t['31-60']),
    bucket_61_90: cents(t['61-90']),
    bucket_90_plus: cents(t['90+']),
    open_net_of_retainage: cents(t.open_net_of_retainage) + extra,
    retainage_open: cents(t.retainage_open),
    open_credits: cents(t.open_credits),
    open_total: cents(t.open_total) + extra,
  };
}

async function readWorkbook(name: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(join(out, name));
  return workbook;
}

function sheetOf(workbook: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const sheet = workbook.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  return sheet;
}

/** A date cell as YYYY-MM-DD. */
function excelDay(value: ExcelJS.CellValue): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
}

function headerIndex(sheet: ExcelJS.Worksheet, header: string): number {
  const values = sheet.getRow(1).values as unknown[];
  const index = values.indexOf(header);
  if (index < 1) throw new Error(`no column ${header} in ${sheet.name}`);
  return index;
}

/** The row whose first cell says `label` (as a value, or as a formula's result). */
function rowLabelled(sheet: ExcelJS.Worksheet, label: string): ExcelJS.Row {
  const shown = (value: ExcelJS.CellValue): unknown => (value !== null && typeof value === 'object' && 'formula' in value ? value.result : value);
  for (let r = 1; r <= sheet.rowCount; r += 1) if (shown(sheet.getRow(r).getCell(1).value) === label) return sheet.getRow(r);
  throw new Error(`no row "${label}" in ${sheet.name}`);
}

describe('workbooks read back with exceljs (no LibreOffice needed)', () => {
  it('ar-aging.xlsx: Summary, By customer, Detail; frozen header, filter, accounting money, real dates', async () => {
    const workbook = await readWorkbook('ar-aging.xlsx');
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Summary', 'By customer', 'Detail', 'By job', 'Retainage receivable']);
    const [openInvoices] = await warehouse.query<{ n: number }>('select count(*) as n from marts.ar_aging');
    for (const name of ['By customer', 'Detail']) {
      const sheet = sheetOf(workbook, name);
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(String(sheet.autoFilter)).toMatch(/^A1:[A-Z]+\d+$/);
      expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
      expect(sheet.getColumn(headerIndex(sheet, 'Open total')).width).toBeGreaterThanOrEqual(12);
    }
    const detail = sheetOf(workbook, 'Detail');
    expect(String(detail.autoFilter)).toBe(`A1:P${1 + Number(openInvoices?.n)}`);
    const first = detail.getRow(2);
    const due = first.getCell(headerIndex(detail, 'Due date'));
    expect(due.value).toBeInstanceOf(Date);
    expect(due.numFmt).toBe(DATE_FORMAT);
    const open = first.getCell(headerIndex(detail, 'Open total'));
    expect(typeof open.value).toBe('number');
    expect(open.numFmt).toBe(MONEY_FORMAT);
  });

  it('totals are SUM formulas whose cached results are the marts’ sums, to the cent', async () => {
    const workbook = await readWorkbook('ar-aging.xlsx');
    const expected = expectedTotals();
    const byCustomer = sheetOf(workbook, 'By customer');
    const total = rowLabelled(byCustomer, 'Total');
    const headers: Record<string, string> = {
      bucket_current: 'Current',
      bucket_1_30: '1–30 days',
      bucket_31_60: '31–60 days',
      bucket_61_90: '61–90 days',
      bucket_90_plus: 'Over 90 days',
      open_net_of_retainage: 'Open net of retainage',
      retainage_open: 'Retainage open',
      open_credits: 'Open credits',
      open_total: 'Open total',
    };
    for (const [key, header] of Object.entries(headers)) {
      const cell = total.getCell(headerIndex(byCustomer, header));
      expect(cell.formula, header).toMatch(/^SUM\([A-Z]+2:[A-Z]+\d+\)$/);
      expect(cents((cell.result as number).toFixed(2)), header).toBe(expected[key]);
      expect(cell.numFmt).toBe(MONEY_FORMAT);
    }
    const detail = sheetOf(workbook, 'Detail');
    const detailTotal = rowLabelled(detail, 'Total').getCell(headerIndex(detail, 'Open total'));
    expect(detailTotal.formula).toMatch(/^SUM\(O2:O\d+\)$/);
    expect(cents((detailTotal.result as number).toFixed(2))).toBe(expected.open_total);

    const summary = sheetOf(workbook, 'Summary');
    const tie = rowLabelled(summary, "Open total — tie-out against Spectrum's open items (type I)");
    expect(tie.getCell(2).formula).toMatch(/^SUM\('Detail'!\$O\$2:\$O\$\d+\)$/);
    expect(cents((tie.getCell(2).result as number).toFixed(2))).toBe(expected.open_total);
    expect(cents((tie.getCell(4).value as number).toFixed(2))).toBe(expected.open_total);
    expect(tie.getCell(6).result).toBe('ties out');
  });

  it('a customer named =HYPERLINK(…) is a text cell starting with an apostrophe, never a formula', async () => {
    const workbook = await readWorkbook('ar-aging.xlsx');
    for (const name of ['By customer', 'Detail']) {
      const sheet = sheetOf(workbook, name);
      const column = headerIndex(sheet, 'Customer name');
      const cells: ExcelJS.Cell[] = [];
      sheet.eachRow((row) => {
        if (row.getCell(headerIndex(sheet, 'Customer')).value === 'ZZHACK') cells.push(row.getCell(column));
      });
      expect(cells.length, name).toBe(1);
      expect(cells[0]?.type).toBe(ExcelJS.ValueType.String);
      expect(cells[0]?.value).toBe(`'${INJECTED}`);
      expect(cells[0]?.formula).toBeUndefined();
    }
  });

  it('reconciliation.xlsx: a Summary linking to each finding sheet, with counts and amounts that point at each sheet’s total', async () => {
    const workbook = await readWorkbook('reconciliation.xlsx');
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Summary', ...FINDING_SHEETS.map((s) => s.name)]);
    const summary = sheetOf(workbook, 'Summary');
    const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
    for (const spec of FINDING_SHEETS) {
      const row = rowLabelled(summary, spec.name);
      expect(row.getCell(1).formula).toBe(`HYPERLINK("#'${spec.name}'!A1","${spec.name}")`);
      const sheet = sheetOf(workbook, spec.name);
      if (!marts.has(spec.mart)) {
        expect(String(sheet.getRow(1).getCell(1).value)).toMatch(spec.mart === 'writeback_preflight' ? /^Write-back has not run/ : /^not available: marts\./);
        continue;
      }
      const where = spec.filter ? `where ${spec.filter}` : '';
      const [count] = await warehouse.query<{ n: number }>(`select count(*) as n from marts.${spec.mart} ${where}`);
      expect(row.getCell(3).value, spec.name).toBe(Number(count?.n));
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      if (spec.amount) {
        const column = spec.columns.find((c) => c.key === spec.amount?.key);
        const expected = await martSum(`select cast(sum(${column?.expr ?? column?.key}) as decimal(18, 2)) as s from marts.${spec.mart} ${where}`);
        const amount = row.getCell(4);
        expect(amount.formula, spec.name).toMatch(new RegExp(`^'${spec.name}'![A-Z]+\\d+$`));
        expect(cents((amount.result as number).toFixed(2)), spec.name).toBe(expected);
        // The cell it points at is that sheet's SUM total, with the same cached result.
        const target = sheet.getCell(String(amount.formula).split('!')[1] as string);
        expect(target.formula).toMatch(/^SUM\(/);
        expect(target.result).toBe(amount.result);
      }
    }
  });

  it('a finding sheet whose mart was not built says so instead of failing', async () => {
    const dir = join(out, 'missing');
    mkdirSync(dir);
    const sheets = [{ ...(FINDING_SHEETS[0] as (typeof FINDING_SHEETS)[number]), mart: 'not_built_here' }];
    const path = await writeReconciliationWorkbook({ warehouse, outDir: dir, asOf, companyCode: null, logger: silentLogger }, sheets);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    expect(sheetOf(workbook, 'Invoice status drift').getRow(1).getCell(1).value).toBe(
      'not available: marts.not_built_here was not built — its sources are not loaded',
    );
    expect(rowLabelled(sheetOf(workbook, 'Summary'), 'Invoice status drift').getCell(3).value).toBe('not available');
  });
});

describe('workpaper notes', () => {
  it('a note typed on an exception sheet survives notes import and the next workbook; first_seen is the as-of it appeared', async () => {
    const typed = join(out, 'typed.xlsx');
    const workbook = await readWorkbook('reconciliation.xlsx');
    const sheet = sheetOf(workbook, 'Invoice status drift');
    const keyAt = headerIndex(sheet, 'Finding key');
    const key = String(sheet.getRow(2).getCell(keyAt).value);
    expect(key).toMatch(/^invoice_status\|/);
    expect(excelDay(sheet.getRow(2).getCell(headerIndex(sheet, 'First seen')).value)).toBe(asOf);
    sheet.getRow(2).getCell(headerIndex(sheet, 'Owner')).value = 'J. Rivera';
    sheet.getRow(2).getCell(headerIndex(sheet, 'Review status')).value = 'in progress';
    sheet.getRow(2).getCell(headerIndex(sheet, 'Notes')).value = 'Called the customer; credit memo coming';
    await workbook.xlsx.writeFile(typed);

    expect(await importNotes(warehouse, typed)).toMatchObject({ notes: 1 });
    const next = join(out, 'next');
    await writeWorkbooks({ warehouse, outDir: next, asOf, companyCode: null, logger: silentLogger });
    const again = new ExcelJS.Workbook();
    await again.xlsx.readFile(join(next, 'reconciliation.xlsx'));
    const rebuilt = sheetOf(again, 'Invoice status drift');
    let found: ExcelJS.Row | null = null;
    rebuilt.eachRow((row) => {
      if (String(row.getCell(headerIndex(rebuilt, 'Finding key')).value) === key) found = row;
    });
    expect(found).not.toBeNull();
    const row = found as unknown as ExcelJS.Row;
    expect(row.getCell(headerIndex(rebuilt, 'Owner')).value).toBe('J. Rivera');
    expect(row.getCell(headerIndex(rebuilt, 'Review status')).value).toBe('in progress');
    expect(row.getCell(headerIndex(rebuilt, 'Notes')).value).toBe('Called the customer; credit memo coming');
  });
});

describe.skipIf(!soffice)(`workbooks opened in LibreOffice${soffice ? '' : ` — NOT RUN: ${noLibreOffice}`}`, () => {
  let csvDir: string;

  /** Every sheet of a workbook, as LibreOffice computes and exports it. */
  function sheetCsv(workbook: string, sheet: string): string[][] {
    return parse(readFileSync(join(csvDir, `${workbook}-${sheet}.csv`), 'utf8'), { relax_column_count: true }) as string[][];
  }

  function csvRow(rows: string[][], label: string): string[] {
    const row = rows.find((r) => r[0] === label);
    if (!row) throw new Error(`no row "${label}"`);
    return row;
  }

  beforeAll(async () => {
    csvDir = join(out, 'csv');
    // A private profile that recalculates every formula on load (LibreOffice's default for
    // .xlsx is to trust the cached results, which would prove nothing about the formulas).
    const profile = join(out, 'lo-profile');
    mkdirSync(join(profile, 'user'), { recursive: true });
    writeFileSync(
      join(profile, 'user', 'registrymodifications.xcu'),
      `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`,
    );
    // A workbook whose cached result is wrong on purpose: the export must show the computed 3.
    const check = new ExcelJS.Workbook();
    const sheet = check.addWorksheet('Check');
    sheet.addRow([1]);
    sheet.addRow([2]);
    sheet.addRow([{ formula: 'SUM(A1:A2)', result: 999 }]);
    await check.xlsx.writeFile(join(out, 'recalc-check.xlsx'));
    // Filter options: comma, double quote, UTF-8, from line 1, … , raw values (not as shown), every sheet (-1) to its own file.
    await run(
      soffice as string,
      [
        `-env:UserInstallation=file://${profile}`,
        '--headless',
        '--convert-to',
        'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1',
        '--outdir',
        csvDir,
        join(out, 'ar-aging.xlsx'),
        join(out, 'reconciliation.xlsx'),
        join(out, 'recalc-check.xlsx'),
      ],
      { timeout: 180_000 },
    );
  }, 200_000);

  it('every sheet prints landscape, one page wide, header repeated, with a header and a page-n-of-m footer; LibreOffice renders the expected pages', async () => {
    const pdfDir = join(out, 'pdf');
    await run(soffice as string, ['--headless', '--convert-to', 'pdf', '--outdir', pdfDir, join(out, 'ar-aging.xlsx'), join(out, 'reconciliation.xlsx')], {
      timeout: 180_000,
    });
    for (const name of ['ar-aging', 'reconciliation']) {
      const workbook = await readWorkbook(`${name}.xlsx`);
      // The print setup as Excel reads it.
      let expectedMax = 0;
      for (const sheet of workbook.worksheets) {
        expect(sheet.pageSetup.orientation, `${name} ${sheet.name}`).toBe('landscape');
        expect(sheet.pageSetup.fitToPage && sheet.pageSetup.fitToWidth === 1 && sheet.pageSetup.fitToHeight === 0, `${name} ${sheet.name}`).toBe(true);
        expect(sheet.headerFooter.oddHeader, sheet.name).toContain(`As of ${asOf}`);
        expect(sheet.headerFooter.oddFooter, sheet.name).toContain('Page &P of &N');
        expect(sheet.headerFooter.oddFooter, sheet.name).toMatch(/Run \S+/);
        if (sheet.name !== 'Summary' && sheet.rowCount > 1) expect(sheet.pageSetup.printTitlesRow, sheet.name).toBe('1:1');
        // Landscape letter, one page wide: at least 25 rows a page.
        expectedMax += Math.max(1, Math.ceil(sheet.rowCount / 25));
      }
      const pdf = readFileSync(join(pdfDir, `${name}.pdf`), 'latin1');
      const pages = (pdf.match(/\/Type\s*\/Page[^s]/g) ?? []).length;
      const boxes = [...pdf.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => Number(m[1]) > Number(m[2]));
      process.stderr.write(`[workbooks] ${name}.pdf: ${pages} pages for ${workbook.worksheets.length} sheets (at most ${expectedMax} expected)\n`);
      expect(pages).toBeGreaterThanOrEqual(workbook.worksheets.length);
      expect(pages).toBeLessThanOrEqual(expectedMax);
      expect(boxes.length).toBeGreaterThan(0);
      expect(boxes.every(Boolean)).toBe(true);
    }
    // The Summary carries the sign-off block; wide sheets keep their key columns frozen.
    const reconciliation = await readWorkbook('reconciliation.xlsx');
    expect(() => rowLabelled(sheetOf(reconciliation, 'Summary'), 'Prepared by')).not.toThrow();
    expect(() => rowLabelled(sheetOf(reconciliation, 'Summary'), 'Reviewed by')).not.toThrow();
    const wip = sheetOf(reconciliation, 'WIP schedule');
    expect(wip.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect((wip.views[0] as { xSplit?: number }).xSplit).toBeGreaterThanOrEqual(2);
    // The new sheets are there.
    expect(reconciliation.worksheets.map((w) => w.name)).toEqual(expect.arrayContaining(['AR bridge', 'GL tie-out', 'GL entries']));
    expect((await readWorkbook('ar-aging.xlsx')).worksheets.map((w) => w.name)).toEqual(['Summary', 'By customer', 'Detail', 'By job', 'Retainage receivable']);
  });

  it('LibreOffice recalculates the formulas (a wrong cached result is replaced)', () => {
    expect(readdirSync(csvDir)).toContain('recalc-check-Check.csv');
    expect(sheetCsv('recalc-check', 'Check').map((r) => r[0])).toEqual(['1', '2', '3']);
  });

  it('ar-aging: the Summary ties out, and its figures equal the ground truth', () => {
    const expected = expectedTotals();
    const summary = sheetCsv('ar-aging', 'Summary');
    const measures: [string, string][] = [
      ['Current (net of retainage)', 'bucket_current'],
      ['1–30 days (net of retainage)', 'bucket_1_30'],
      ['31–60 days (net of retainage)', 'bucket_31_60'],
      ['61–90 days (net of retainage)', 'bucket_61_90'],
      ['Over 90 days (net of retainage)', 'bucket_90_plus'],
      ['Open net of retainage', 'open_net_of_retainage'],
      ['Retainage open (not aged)', 'retainage_open'],
      ["Open total — tie-out against Spectrum's open items (type I)", 'open_total'],
    ];
    for (const [label, key] of measures) {
      const row = csvRow(summary, label);
      expect([money(cents(row[1])), money(cents(row[2])), money(cents(row[3])), money(cents(row[4])), row[5]], label).toEqual([
        money(expected[key] as bigint),
        money(expected[key] as bigint),
        money(expected[key] as bigint),
        '0.00',
        'ties out',
      ]);
    }
    const credits = csvRow(summary, 'Open credits (credit memos, unapplied payments; not in the buckets)');
    expect(money(cents(credits[2]))).toBe(money(expected.open_credits as bigint));
    expect(csvRow(summary, 'Invoices (Detail rows)')[1]).toBe(String(truth.ar_aging.rows.length + 1));
  });

  it('ar-aging: the By customer and Detail totals compute to the marts', async () => {
    const expected = expectedTotals();
    const byCustomer = sheetCsv('ar-aging', 'By customer');
    const header = byCustomer[0] as string[];
    const total = csvRow(byCustomer, 'Total');
    expect(money(cents(total[header.indexOf('Open total')]))).toBe(money(expected.open_total as bigint));
    expect(money(cents(total[header.indexOf('Over 90 days')]))).toBe(money(expected.bucket_90_plus as bigint));
    expect(money(cents(total[header.indexOf('Open credits')]))).toBe(money(expected.open_credits as bigint));
    const detail = sheetCsv('ar-aging', 'Detail');
    const detailHeader = detail[0] as string[];
    const detailTotal = csvRow(detail, 'Total');
    for (const [header, column] of [
      ['Gross', 'gross_amount'],
      ['Retainage billed', 'retainage_billed'],
      ['Retainage open', 'retainage_open'],
      ['Open total', 'open_total'],
    ] as const) {
      const sum = await martSum(`select cast(sum(${column}) as decimal(18, 2)) as s from marts.ar_aging`);
      expect(money(cents(detailTotal[detailHeader.indexOf(header)])), header).toBe(money(sum));
    }
    // Real dates come out as dates, not serial numbers or text.
    expect(detail[1]?.[detailHeader.indexOf('Due date')]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('a customer named =HYPERLINK("http://x","y") shows as text in the CSV LibreOffice produces', () => {
    for (const sheet of ['By customer', 'Detail']) {
      const rows = sheetCsv('ar-aging', sheet);
      const header = rows[0] as string[];
      const row = rows.find((r) => r[header.indexOf('Customer')] === 'ZZHACK');
      expect(row?.[header.indexOf('Customer name')], sheet).toBe(`'${INJECTED}`);
      expect(rows.some((r) => r.includes('y'))).toBe(false);
    }
  });

  it('reconciliation: the Summary amounts and every sheet total compute to the marts; the WIP tie-outs are 0', async () => {
    const summary = sheetCsv('reconciliation', 'Summary');
    const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
    for (const spec of FINDING_SHEETS) {
      const row = csvRow(summary, spec.name);
      if (!marts.has(spec.mart)) continue;
      const where = spec.filter ? `where ${spec.filter}` : '';
      const [count] = await warehouse.query<{ n: number }>(`select count(*) as n from marts.${spec.mart} ${where}`);
      expect(row[2], spec.name).toBe(String(count?.n));
      const rows = sheetCsv('reconciliation', spec.name);
      const header = rows[0] as string[];
      for (const column of spec.columns.filter((c) => c.total && header.includes(c.header))) {
        const sum = await martSum(`select cast(coalesce(sum(${column.expr ?? column.key}), 0) as decimal(18, 2)) as s from marts.${spec.mart} ${where}`);
        expect(money(cents(csvRow(rows, 'Total')[header.indexOf(column.header)] || '0')), `${spec.name}: ${column.header}`).toBe(money(sum));
        if (column.key === spec.amount?.key) expect(money(cents(row[3] || '0')), `${spec.name} on the Summary`).toBe(money(sum));
      }
    }
    if (marts.has('wip_schedule')) {
      const wip = sheetCsv('reconciliation', 'WIP schedule');
      const ties = wip.filter((r) => r[0]?.startsWith('Tie-out: '));
      expect(ties.length).toBe(2);
      for (const tie of ties) {
        expect(tie[3]).toBe(tie[4]);
        expect(Number(tie[5])).toBe(0);
      }
    }
  });
});
