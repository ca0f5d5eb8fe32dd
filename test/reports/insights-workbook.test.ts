/**
 * insights.xlsx of a loaded sandbox (seed 1, tiny, DuckDB): one sheet per CFO question, the
 * figures a person checks written as formulas over the row's cells, whose cached results are
 * the marts' values — and what the formulas say agrees with them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { writeInsightsWorkbook } from '../../reports/excel/insights.ts';
import { filesConfig, loadAndBuild, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';

let warehouse: Warehouse;
let out: string;
let book: ExcelJS.Workbook;

beforeAll(async () => {
  const { dir, truth } = await sandboxExport(1, 'tiny');
  out = mkdtempSync(join(tmpdir(), 'plumbline-insights-xlsx-'));
  const location = join(out, 'warehouse.duckdb');
  warehouse = await openWarehouse(location);
  await loadAndBuild(warehouse, filesConfig(dir, truth, location), truth.asOf);
  const path = await writeInsightsWorkbook({ warehouse, outDir: out, asOf: truth.asOf, companyCode: truth.companyCode, logger: silentLogger });
  book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
}, 180_000);

afterAll(async () => {
  await warehouse?.close();
  rmSync(out, { recursive: true, force: true });
  removeSandboxExports();
});

/** The sheet's rows as objects keyed by header, formula cells as { formula, result }. */
function sheetRows(name: string): Record<string, ExcelJS.CellValue>[] {
  const ws = book.getWorksheet(name);
  if (!ws) throw new Error(`no sheet ${name}`);
  const headers = (ws.getRow(1).values as ExcelJS.CellValue[]).slice(1).map(String);
  const rows: Record<string, ExcelJS.CellValue>[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    const values = (row.values as ExcelJS.CellValue[]).slice(1);
    rows.push(Object.fromEntries(headers.map((h, i) => [h, values[i] ?? null])));
  });
  return rows;
}

const formulaOf = (cell: ExcelJS.CellValue): string => (cell as ExcelJS.CellFormulaValue).formula;
const resultOf = (cell: ExcelJS.CellValue): unknown => (cell as ExcelJS.CellFormulaValue).result;

it('one sheet per question', () => {
  expect(book.worksheets.map((w) => w.name)).toEqual([
    'Profitability',
    'Cost code overruns',
    'Phase budgets',
    'DSO trend',
    'Cash conversion',
    'Service conversion',
    'Conversion by origin',
    'Coverage',
  ]);
});

it('profitability: direct cost, gross and net profit and the margins are formulas over the row, cached at the mart values', async () => {
  const rows = sheetRows('Profitability');
  const [count] = await warehouse.query<{ n: number }>('select cast(count(*) as integer) as n from marts.customer_profitability');
  expect(rows.length).toBe(count?.n);
  for (const [i, row] of rows.entries()) {
    const r = i + 2;
    expect(formulaOf(row['Direct cost'])).toBe(`E${r}+F${r}+G${r}+H${r}`);
    expect(formulaOf(row['Gross profit'])).toBe(`D${r}-I${r}`);
    // what the formulas compute from the row's own cells, in cents, is the mart's figure
    const c = (v: unknown): number => Math.round(Number(v) * 100);
    expect(c(row.Wages) + c(row.Burden) + c(row['Uncosted labor']) + c(row['Other cost'])).toBe(c(resultOf(row['Direct cost'])));
    expect(c(row.Revenue) - c(resultOf(row['Direct cost']))).toBe(c(resultOf(row['Gross profit'])));
    expect(c(resultOf(row['Gross profit'])) - c(row.Overhead)).toBe(c(resultOf(row['Net profit'])));
  }
  const planted = rows.find((r) => r.Customer === 'INSG02');
  expect(resultOf(planted?.['Net profit'])).toBe(-1280);
  expect(resultOf(planted?.['Net margin'])).toBe(-0.0128);
});

it('DSO trend: thirteen rows, each DSO a formula of the row with the mart value cached', () => {
  const rows = sheetRows('DSO trend');
  expect(rows.length).toBe(13);
  const last = rows.at(-1)!;
  expect(formulaOf(last.DSO)).toBe('IF(D14=0,"",ROUND(B14/D14*90,1))');
  const ar = Number(last['AR open']);
  const billed = Number(last['Billed, 90 days']);
  expect(Math.round((ar / billed) * 90 * 10) / 10).toBe(resultOf(last.DSO));
});

it('coverage: each sub below requirement with its shortfall; a blank amount falls short by the whole requirement', () => {
  const rows = sheetRows('Coverage');
  expect(rows.length).toBe(2);
  for (const row of rows) {
    const shortfall = resultOf(row.Shortfall);
    const covered = row['Covered (blank = not stated)'];
    expect(shortfall).toBe(covered === null ? row.Required : Number(row.Required) - Number(covered));
  }
});
