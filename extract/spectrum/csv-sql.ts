/**
 * A Spectrum CSV export file read and typed by DuckDB (`read_csv`; the DuckDB warehouse itself,
 * or a private DuckDB feeding Postgres), the fast path for the largest tables (job cost history runs to millions of rows). The SQL types
 * each column exactly as rows.ts does — codes trimmed, decimals exact, strict dates — and marks
 * every record it cannot vouch for as not `_regular`; a file with any such record is loaded
 * record by record instead (rows.ts then gives the reasons, with line numbers). The rules live in
 * rows.ts; this file mirrors them, and test/extract/spectrum/spectrum-csv-sql.test.ts checks that
 * both paths load the same rows.
 */
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { toColumnName } from '../../load/identifiers.ts';
import type { SqlFileRead } from '../types.ts';
import type { LoadBatch } from '../types.ts';
import { rawTableName, daysTableName, parsedDateColumn, warehouseColumns, windowDateColumn } from './tables.ts';
import type { SpectrumColumnDef, SpectrumTableDef } from './tables.ts';

/**
 * The white space JavaScript's String.prototype.trim removes besides the space, as an RE2 class.
 * DuckDB's trim() removes spaces only (trimming by a list of characters costs microseconds a
 * value): a code that still starts or ends with one of these after trim() goes the record path.
 */
const OTHER_WHITESPACE = '[\\t\\n\\v\\f\\r\\x{00a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}]';
const ODD_EDGE = `^${OTHER_WHITESPACE}|${OTHER_WHITESPACE}$`;
const PRECISIONS = { money: [18, 2], rate: [9, 4], qty: [18, 4] } as const;
/** Columns the loader adds: a file field of one of these names is read record by record (it would collide). */
const RESERVED = new Set(['_load_id', '_loaded_at', '_ord', 'day_seq', '_keep', '_regular']);
/** The SQL's own names for a field's text (`c3`) and trimmed text (`t3`): a file field so named goes the record path. */
const INTERNAL = /^[ct][0-9]+$/;

/** What the fast path needs from the file resource. */
export interface CsvSqlOptions {
  def: SpectrumTableDef;
  path: string;
  records: number;
  companyCodes: readonly string[];
  checkRecords(records: number): void;
  fallback(): AsyncIterable<LoadBatch>;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The header of a CSV file (its first line), or null when it cannot be read alone. */
async function readHeader(path: string): Promise<string[] | null> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 16);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    if (end < 0) return null;
    const rows = parse(text.slice(0, end + 1), { bom: true }) as string[][];
    return rows.length === 1 ? rows[0]!.map((h) => h.trim()) : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * One contract column over the file's text `raw` and its trimmed text `trimmed`: its typed
 * value(s), and the condition (over the text and the typed value) that it was typed exactly.
 */
function columnSql(column: SpectrumColumnDef, raw: string, trimmed: string): { values: [string, string][]; regular: string } {
  const blank = `coalesce(${trimmed}, '') = ''`;
  const typed = quote(column.name);
  switch (column.kind) {
    case 'code':
      return { values: [[column.name, `nullif(${trimmed}, '')`]], regular: `NOT regexp_matches(coalesce(${trimmed}, ''), ${literal(ODD_EDGE)})` };
    case 'text':
      return { values: [[column.name, raw]], regular: 'true' };
    case 'money':
    case 'rate':
    case 'qty': {
      const [precision, scale] = PRECISIONS[column.kind];
      // rows.ts: a plain decimal, no non-zero digit past the scale, at most precision - scale whole digits.
      const pattern = `[-+]?0*[0-9]{1,${precision - scale}}(\\.[0-9]{1,${scale}}0*)?`;
      return {
        values: [[column.name, `CASE WHEN ${blank} THEN NULL ELSE TRY_CAST(${trimmed} AS DECIMAL(${precision},${scale})) END`]],
        regular: `(${blank} OR (regexp_full_match(${trimmed}, ${literal(pattern)}) AND ${typed} IS NOT NULL))`,
      };
    }
    case 'int':
      return {
        values: [[column.name, `CASE WHEN ${blank} THEN NULL ELSE TRY_CAST(${trimmed} AS BIGINT) END`]],
        regular: `(${blank} OR regexp_full_match(${trimmed}, '[-+]?[0-9]{1,15}'))`,
      };
    case 'date': {
      // A business date, optionally with a time of day; years before 1000 go the record path (JavaScript's Date reads them apart).
      const pattern = '[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)?';
      return {
        values: [[column.name, `CASE WHEN ${blank} THEN NULL ELSE TRY_CAST(substr(${trimmed}, 1, 10) AS DATE) END`]],
        regular: `(${blank} OR (regexp_full_match(${trimmed}, ${literal(pattern)}) AND ${typed} IS NOT NULL))`,
      };
    }
    case 'date_text':
      return {
        values: [
          [column.name, `nullif(${trimmed}, '')`],
          [parsedDateColumn(column), `CASE WHEN ${blank} THEN NULL ELSE CAST(TRY_STRPTIME(${trimmed}, '%Y%m%d') AS DATE) END`],
        ],
        regular: `(${blank} OR (regexp_full_match(${trimmed}, '[1-9][0-9]{7}') AND ${quote(parsedDateColumn(column))} IS NOT NULL))`,
      };
    case 'timestamp':
      // Instants go the record path (the only such column is on a table of a few rows).
      return { values: [[column.name, 'NULL']], regular: 'false' };
  }
}

/**
 * The fast read of a Spectrum CSV file, or null when the file must go record by record: a
 * header that is not plain (a field named twice, or named like a column the loader adds), a
 * table with an instant column, or a header without the contract's columns (the record path
 * then fails naming them).
 */
export async function spectrumCsvSqlRead(options: CsvSqlOptions): Promise<SqlFileRead | null> {
  const { def, path } = options;
  if (def.columns.some((c) => c.kind === 'timestamp')) return null;
  const header = await readHeader(path);
  if (!header) return null;
  const lower = header.map((h) => h.toLowerCase());
  if (new Set(lower).size !== lower.length) return null;
  const index = new Map(lower.map((h, i) => [h, i]));
  if (def.columns.some((c) => !index.has(c.source.toLowerCase()))) return null;
  const declared = new Set(warehouseColumns(def).map((c) => c.name));
  const known = new Set(def.columns.map((c) => c.source.toLowerCase()));
  const extras = lower.filter((h) => !known.has(h));
  if (extras.some((h) => h === '' || toColumnName(h) !== h || declared.has(h) || RESERVED.has(h) || INTERNAL.test(h))) return null;

  const raw = (i: number) => `c${i}`;
  const trimmed = (i: number) => `t${i}`;
  const values: [string, string][] = [];
  const regular: string[] = [];
  for (const column of def.columns) {
    const i = index.get(column.source.toLowerCase())!;
    const sql = columnSql(column, raw(i), trimmed(i));
    values.push(...sql.values);
    regular.push(sql.regular);
  }
  // The loader quarantines a row whose key is missing: such a file goes the record path too.
  const names = new Set(values.map(([name]) => name));
  for (const key of def.key) if (names.has(key)) regular.push(`${quote(key)} IS NOT NULL`);
  for (const extra of extras) values.push([extra, raw(index.get(extra)!)]);
  // A company code with odd white space at an edge: the SQL cannot tell whether the record is kept.
  const company = trimmed(index.get('company_code')!);
  const keep = `CASE WHEN regexp_matches(coalesce(${company}, ''), ${literal(ODD_EDGE)}) THEN NULL ELSE coalesce(${company} IN (${options.companyCodes.map(literal).join(', ')}), false) END`;
  const columns = `{${header.map((_, i) => `${literal(raw(i))}: 'VARCHAR'`).join(', ')}}`;
  const reader = `read_csv(${literal(path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, ignore_errors = true, columns = ${columns})`;
  // Three steps, so that each text is trimmed and each value cast once: trim, type, check.
  const text = `SELECT ${header.map((_, i) => `${raw(i)}, trim(${raw(i)}) AS ${trimmed(i)}`).join(', ')} FROM ${reader}`;
  const typedColumns = `SELECT *, ${values.map(([name, sql]) => `${sql} AS ${quote(name)}`).join(', ')} FROM (${text})`;
  const typedSql = `SELECT ${keep} AS _keep, ${regular.join(' AND ')} AS _regular, ${values.map(([name]) => quote(name)).join(', ')} FROM (${typedColumns})`;

  const main = rawTableName(def.table);
  const loaded = values.map(([name]) => name);
  const tables: SqlFileRead['tables'][number][] = [];
  if (def.strategy === 'window') {
    const day = windowDateColumn(def);
    // Rows are numbered within their (company, day) in file order, as batches.ts numbers them.
    const seq = `row_number() OVER (PARTITION BY company_code, ${quote(day)} ORDER BY rowid)`;
    tables.push({
      table: daysTableName(def.table),
      columns: ['company_code', 'day'],
      sql: `SELECT row_number() OVER () AS _ord, company_code, day FROM (SELECT DISTINCT company_code, ${quote(day)} AS day FROM {typed} WHERE _keep)`,
    });
    tables.push({
      table: main,
      columns: [...loaded, 'day_seq'],
      sql: `SELECT rowid AS _ord, ${loaded.map(quote).join(', ')}, ${seq} AS day_seq FROM {typed} WHERE _keep`,
    });
  } else {
    tables.push({ table: main, columns: loaded, sql: `SELECT rowid AS _ord, ${loaded.map(quote).join(', ')} FROM {typed} WHERE _keep` });
  }
  return {
    file: path,
    records: options.records,
    typedSql,
    extraColumns: extras,
    tables,
    checkRecords: options.checkRecords,
    fallback: options.fallback,
  };
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
