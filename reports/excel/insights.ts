/**
 * `insights.xlsx`: one sheet per CFO question, read from the insight marts. The figures a person
 * would check are formulas over the row's own cells (direct cost, gross and net profit, margins,
 * overruns, DSO, the cycle, the coverage shortfall), with the mart's exact value as the cached
 * result; a check column beside the cycle compares the sheet's arithmetic with the mart's.
 * The sheets, their columns and formulas are reports/insights-catalog.ts's (the CFO report's too).
 */
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import type { ReportOptions } from '../types.ts';
import { readMartColumns } from '../mart-columns.ts';
import { safeText } from './safe-text.ts';
import {
  DATE_FORMAT,
  INT_FORMAT,
  MONEY_FORMAT,
  PERCENT_FORMAT,
  cellValue,
  columnLetter,
  newWorkbook,
  setWidths,
  sqlText,
  writeHeader,
  writeNoticeSheet,
} from './sheet.ts';
import type { ColumnKind } from './sheet.ts';
import { WORKBOOK_INSIGHTS, workbookColumns } from '../insights-catalog.ts';
import type { InsightColumn } from '../insights-catalog.ts';

const DAYS_FORMAT = '0.0';

const FORMAT: Partial<Record<ColumnKind | 'days', string>> = {
  money: MONEY_FORMAT,
  percent: PERCENT_FORMAT,
  date: DATE_FORMAT,
  int: INT_FORMAT,
  days: DAYS_FORMAT,
};

const FORMAT_STYLE: Partial<Record<ColumnKind | 'days', Partial<ExcelJS.Style>>> = Object.fromEntries(
  Object.entries(FORMAT).map(([kind, numFmt]) => [kind, { numFmt }]),
);

/** Writes `insights.xlsx` into options.outDir: one sheet per insight mart (a notice where one was not built); returns its path. */
export async function writeInsightsWorkbook(options: ReportOptions): Promise<string> {
  const { warehouse } = options;
  const path = join(options.outDir, 'insights.xlsx');
  const workbook = newWorkbook(path);
  const marts = await readMartColumns(warehouse);
  for (const spec of WORKBOOK_INSIGHTS) {
    const ws = workbook.addWorksheet(spec.sheet, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
    if (!marts.has(spec.mart)) {
      writeNoticeSheet(ws, [`not available: marts.${spec.mart} was not built — its sources are not loaded`]);
      continue;
    }
    const have = marts.get(spec.mart) ?? new Set<string>();
    const columns = workbookColumns(spec).filter((c) => have.has(c.key) || c.formula !== undefined);
    const conditions: string[] = [];
    if (spec.filter) conditions.push(spec.filter);
    if (options.companyCode !== null && have.has('company_code')) conditions.push(`company_code = ${sqlText(options.companyCode)}`);
    const where = conditions.length > 0 ? `where ${conditions.map((c) => `(${c})`).join(' and ')}` : '';
    const select = columns
      .filter((c) => have.has(c.key))
      .map((c) => (c.kind === 'text' || c.kind === 'date' || c.kind === 'bool' || c.kind === 'int' ? c.key : `cast(${c.key} as varchar) as ${c.key}`));
    const rows = await warehouse.query<Record<string, unknown>>(`select ${select.join(', ')} from marts.${spec.mart} ${where} order by ${spec.orderBy}`);
    writeSheet(ws, columns, rows);
  }
  await workbook.commit();
  options.logger.info('report.excel', `wrote ${path}`, { path });
  return path;
}

/** The rows under a frozen header; formula columns refer to the row's own cells. */
function writeSheet(ws: ExcelJS.Worksheet, columns: readonly InsightColumn[], rows: readonly Record<string, unknown>[]): void {
  setWidths(
    ws,
    columns.map((c) => c.width ?? Math.max(Math.min(c.label.length, 26) + 2, c.kind === 'money' ? 16 : 10)),
  );
  writeHeader(
    ws,
    columns.map((c) => c.label),
  );
  const letters = new Map(columns.map((c, i) => [c.key, columnLetter(i + 1)]));
  rows.forEach((record, index) => {
    const sheetRow = index + 2;
    const values = columns.map((c): ExcelJS.CellValue => {
      const value = c.cached ? c.cached(record) : valueOf(c, record[c.key]);
      if (!c.formula) return value;
      const formula = c.formula.replace(/\{([a-z0-9_]+)\}/g, (_m, key: string) => `${letters.get(key) ?? 'A'}${sheetRow}`);
      return { formula, result: value === null ? '' : (value as number | string) } as ExcelJS.CellFormulaValue;
    });
    const row = ws.addRow(values);
    columns.forEach((c, i) => {
      // One style object per format, shared by its cells: exceljs finds a style it has seen by identity.
      const style = FORMAT_STYLE[c.kind];
      if (style) row.getCell(i + 1).style = style;
    });
    row.commit();
  });
  if (rows.length === 0) ws.addRow(['(no rows)']).commit();
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(rows.length + 1, 1), column: Math.max(columns.length, 1) } };
  ws.commit();
}

/** A cell value: money and ratios as numbers (exact text from the warehouse), text protected against formulas. */
function valueOf(column: InsightColumn, value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (column.kind === 'days') return Number(value);
  if (column.kind === 'text') return safeText(String(value));
  return cellValue(column.kind, value);
}
