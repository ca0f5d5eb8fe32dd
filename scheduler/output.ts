/** Printing rows for people (an aligned table) and for programs (JSON, CSV). */
import { stringify } from 'csv-stringify/sync';
import type { Row } from '../load/types.ts';

/** A cell as text: timestamps in ISO form, NULL visible. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Rows as an aligned text table, numbers right-aligned. */
export function formatTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => cellText(row[c])));
  const numeric = columns.map((_, i) => cells.every((r) => /^-?\d+(\.\d+)?$|^NULL$/.test(r[i]!)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}

/** One row as a one-line JSON object. */
export function formatJsonRow(row: Row): string {
  return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Rows as CSV with a header row (empty = NULL). */
export function formatCsv(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]!);
  return stringify(
    rows.map((row) =>
      columns.map((c) => (row[c] === null || row[c] === undefined ? '' : row[c] instanceof Date ? (row[c] as Date).toISOString() : String(row[c]))),
    ),
    { header: true, columns },
  );
}
