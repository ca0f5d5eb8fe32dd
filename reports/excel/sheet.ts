/**
 * The shared table writer of the workbooks: a header row that stays frozen, an auto filter over
 * the rows, accounting money, real Excel dates, widths fitted to the data, and a totals row of
 * `SUM` formulas whose cached results are summed exactly, in cents, from the rows written.
 * Rows are streamed from the warehouse a batch at a time and committed as they are written.
 */
import { publishFile, temporaryPath } from '../atomic-files.ts';
import ExcelJS from 'exceljs';
import type { Warehouse } from '../../load/index.ts';
import { decimalToUnscaled, unscaledToDecimal } from '../../lib/decimal.ts';
import { safeText } from './safe-text.ts';

export type ColumnKind = 'text' | 'money' | 'date' | 'timestamp' | 'int' | 'number' | 'percent' | 'bool';

/** One column of a sheet: the mart column (or a SQL expression over it) and how it is shown. */
export interface ColumnSpec {
  key: string;
  header: string;
  kind: ColumnKind;
  /** A SQL expression computing the column (from the mart's columns), instead of the column itself. */
  expr?: string;
  /** Columns `expr` needs; the column is left out when one of them is missing from the mart. */
  needs?: string[];
  /** A `SUM` formula under the rows. */
  total?: boolean;
}

/** Accounting format: `$ 1,234.50`, `$ (1,234.50)`, `$ -` for zero. */
export const MONEY_FORMAT = '_($* #,##0.00_);_($* (#,##0.00);_($* "-"??_);_(@_)';
export const DATE_FORMAT = 'yyyy-mm-dd';
export const TIMESTAMP_FORMAT = 'yyyy-mm-dd hh:mm';
export const INT_FORMAT = '#,##0';
export const NUMBER_FORMAT = '#,##0.00';
export const PERCENT_FORMAT = '0.0%';

const HEADER_FONT: Partial<ExcelJS.Font> = { bold: true };
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E9EE' } };
const HEADER_BORDER: Partial<ExcelJS.Borders> = { bottom: { style: 'thin', color: { argb: 'FF8A8F98' } } };
const TOTAL_BORDER: Partial<ExcelJS.Borders> = {
  top: { style: 'thin', color: { argb: 'FF000000' } },
  bottom: { style: 'double', color: { argb: 'FF000000' } },
};

/** The style of a column's data cells (one shared object per kind, so exceljs reuses one style id). */
const KIND_STYLE: Record<ColumnKind, Partial<ExcelJS.Style>> = {
  text: {},
  bool: {},
  money: { numFmt: MONEY_FORMAT },
  date: { numFmt: DATE_FORMAT },
  timestamp: { numFmt: TIMESTAMP_FORMAT },
  int: { numFmt: INT_FORMAT },
  number: { numFmt: NUMBER_FORMAT },
  percent: { numFmt: PERCENT_FORMAT },
};

/** A new streaming workbook writing to `filename` (shared strings: text cells are real text cells). */
export function newWorkbook(filename: string): ExcelJS.stream.xlsx.WorkbookWriter {
  // Written under a temporary name and renamed when committed: a crash leaves the previous workbook.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: temporaryPath(filename), useStyles: true, useSharedStrings: true });
  workbook.creator = 'plumbline';
  workbook.created = new Date();
  const commit = workbook.commit.bind(workbook);
  workbook.commit = async () => {
    await commit();
    publishFile(filename);
  };
  return workbook;
}

/** Column letters of a 1-based column number (1 → A, 27 → AA). */
export function columnLetter(column: number): string {
  let n = column;
  let letters = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    letters = String.fromCharCode(65 + rest) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** A sheet name quoted for use in a formula or link: `'By customer'`. */
export function sheetRef(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

export { sqlText } from '../html/format.ts';

/** Decimal text as exact cents (null → 0). */
export function cents(value: unknown): bigint {
  if (value === null || value === undefined || value === '') return 0n;
  return decimalToUnscaled(typeof value === 'number' ? value.toFixed(2) : String(value), 2);
}

/** Exact cents as the number a cell holds. */
export function centsToNumber(value: bigint): number {
  return Number(unscaledToDecimal(value, 2));
}

/** A 'YYYY-MM-DD' date as the Date exceljs writes as that calendar day (UTC midnight). */
export function excelDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return new Date(Date.UTC(value.getUTCFullYear(), value.getUTCMonth(), value.getUTCDate()));
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  if (!match) return null;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** A warehouse value as the cell value of its column kind; text is made formula-safe. */
export function cellValue(kind: ColumnKind, value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'money':
    case 'number':
    case 'percent':
    case 'int':
      if (value === '') return null;
      return typeof value === 'number' ? value : Number(String(value));
    case 'date':
      return excelDate(value);
    case 'timestamp':
      return value instanceof Date ? value : new Date(String(value));
    case 'bool':
      if (typeof value === 'boolean') return value ? 'yes' : 'no';
      return /^(t|true|y|yes|1)$/i.test(String(value)) ? 'yes' : 'no';
    case 'text':
    default:
      if (Array.isArray(value)) return safeText(value.map(String).join(', '));
      return safeText(value instanceof Date ? value.toISOString() : String(value));
  }
}

/** Writes a bold, shaded header row. */
export function writeHeader(sheet: ExcelJS.Worksheet, headers: readonly string[]): void {
  const row = sheet.addRow(headers.map((h) => safeText(h)));
  row.eachCell((cell) => {
    cell.font = HEADER_FONT;
    cell.fill = HEADER_FILL;
    cell.border = HEADER_BORDER;
    cell.alignment = { vertical: 'bottom', wrapText: true };
  });
  row.commit();
}

/** Sets the widths of a sheet's columns (before any row is written). */
export function setWidths(sheet: ExcelJS.Worksheet, widths: readonly number[]): void {
  sheet.columns = widths.map((width) => ({ width }));
}

export interface PreparedTable {
  columns: ColumnSpec[];
  /** Columns of the spec the mart does not have (left out). */
  missing: string[];
  widths: number[];
  rows: number;
}

/**
 * The spec's columns the mart has, their widths fitted to the data, and the row count. `have`: the
 * relation's columns when the caller has read them already (reports/mart-columns.ts).
 */
export async function prepareTable(
  warehouse: Warehouse,
  relation: string,
  spec: readonly ColumnSpec[],
  where: string,
  have?: ReadonlySet<string>,
): Promise<PreparedTable> {
  return prepareColumns(warehouse, relation, spec, where, have ?? (await relationColumns(warehouse, relation)));
}

async function relationColumns(warehouse: Warehouse, relation: string): Promise<Set<string>> {
  const [schema, name] = relation.split('.') as [string, string];
  return new Set((await warehouse.describe(schema, name)).map((c) => c.name));
}

async function prepareColumns(
  warehouse: Warehouse,
  relation: string,
  spec: readonly ColumnSpec[],
  where: string,
  have: ReadonlySet<string>,
): Promise<PreparedTable> {
  const columns = spec.filter((c) => (c.expr ? (c.needs ?? []).every((n) => have.has(n)) : have.has(c.key)));
  const missing = spec.filter((c) => !columns.includes(c)).map((c) => c.key);
  const lengths = columns.map((c, i) => (c.kind === 'text' ? `coalesce(max(length(cast(${c.expr ?? c.key} as varchar))), 0) as w${i}` : `0 as w${i}`));
  const [stats] = await warehouse.query<Record<string, unknown>>(`select count(*) as n, ${['0 as w_', ...lengths].join(', ')} from ${relation} ${where}`);
  const widths = columns.map((c, i) => fitWidth(c, Number(stats?.[`w${i}`] ?? 0)));
  return { columns, missing, widths, rows: Number(stats?.n ?? 0) };
}

/** A sensible width for a column: its header, its longest text (capped), or its kind's usual width. */
export function fitWidth(column: ColumnSpec, longestText: number): number {
  const header = Math.min(column.header.length, 24) + 2;
  switch (column.kind) {
    case 'money':
      return Math.max(header, 16);
    case 'date':
      return Math.max(header, 12);
    case 'timestamp':
      return Math.max(header, 17);
    case 'int':
    case 'number':
    case 'percent':
    case 'bool':
      return Math.max(header, 9);
    default:
      return Math.min(Math.max(header, longestText + 2, 8), 60);
  }
}

export interface TableResult {
  /** Data rows written. */
  rows: number;
  /** Sheet row of the first data row (2) and of the last one (1 when there are none). */
  firstRow: number;
  lastRow: number;
  /** Sheet row of the totals row, or null when no column is totalled. */
  totalRow: number | null;
  /** Exact totals (cents) of the totalled columns, by key. */
  totals: Map<string, bigint>;
  /** Column letter by key. */
  letters: Map<string, string>;
}

/**
 * Streams the rows of `select <columns> from relation where … order by …` into `sheet` under a
 * frozen header, with an auto filter and a totals row. The sheet is committed.
 */
export async function writeTableSheet(
  warehouse: Warehouse,
  sheet: ExcelJS.Worksheet,
  relation: string,
  table: PreparedTable,
  options: { where: string; orderBy: string; totalLabel?: string; after?: (result: TableResult) => void | Promise<void> },
): Promise<TableResult> {
  const { columns } = table;
  setWidths(sheet, table.widths);
  writeHeader(
    sheet,
    columns.map((c) => c.header),
  );
  const letters = new Map(columns.map((c, i) => [c.key, columnLetter(i + 1)]));
  const totalled = columns.filter((c) => c.total);
  const totals = new Map(totalled.map((c) => [c.key, 0n]));
  const select = columns.map((c) => (c.expr ? `${c.expr} as ${c.key}` : c.key)).join(', ');
  let rows = 0;
  for await (const batch of warehouse.stream<Record<string, unknown>>(`select ${select} from ${relation} ${options.where} ${options.orderBy}`)) {
    for (const record of batch) {
      const row = sheet.addRow(columns.map((c) => cellValue(c.kind, record[c.key])));
      // The kind's own style object, not a copy per cell: exceljs finds a style object it has seen
      // by identity, and otherwise renders the cell's style to XML to look it up (most of a sheet's time).
      columns.forEach((c, i) => (row.getCell(i + 1).style = KIND_STYLE[c.kind]));
      for (const c of totalled) totals.set(c.key, (totals.get(c.key) ?? 0n) + cents(c.kind === 'int' ? String(record[c.key] ?? 0) : record[c.key]));
      row.commit();
      rows += 1;
    }
  }
  const firstRow = 2;
  const lastRow = 1 + rows;
  if (rows === 0) {
    sheet.addRow(['(no rows)']).commit();
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(lastRow, 1), column: Math.max(columns.length, 1) } };
  let totalRow: number | null = null;
  if (totals.size > 0) {
    sheet.addRow([]).commit();
    totalRow = lastRow + (rows === 0 ? 3 : 2);
    const values: ExcelJS.CellValue[] = columns.map((c, i) => {
      if (i === 0 && !c.total) return options.totalLabel ?? 'Total';
      if (!c.total) return null;
      const letter = letters.get(c.key) as string;
      const sum = totals.get(c.key) ?? 0n;
      const range = rows === 0 ? `${letter}2:${letter}2` : `${letter}${firstRow}:${letter}${lastRow}`;
      return { formula: `SUM(${range})`, result: centsToNumber(sum) } as ExcelJS.CellFormulaValue;
    });
    const row = sheet.addRow(values);
    columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      cell.font = HEADER_FONT;
      if (c.total) {
        cell.border = TOTAL_BORDER;
        const style = KIND_STYLE[c.kind];
        if (style.numFmt) cell.numFmt = style.numFmt;
      }
    });
    row.commit();
  }
  const result: TableResult = { rows, firstRow, lastRow, totalRow, totals, letters };
  await options.after?.(result);
  sheet.commit();
  return result;
}

/** A sheet that only says why it is empty (a mart that was not built, write-back not run). */
export function writeNoticeSheet(sheet: ExcelJS.Worksheet, lines: readonly string[]): void {
  setWidths(sheet, [100]);
  lines.forEach((line, i) => {
    const row = sheet.addRow([safeText(line)]);
    if (i === 0) row.getCell(1).font = HEADER_FONT;
    row.commit();
  });
  sheet.commit();
}
