/**
 * Workpaper memory: each exception sheet carries, per finding, its key, the date it was first
 * seen (from the findings every earlier report recorded) and what a person wrote about it
 * (owner, status, notes). `plumbline notes import <workbook>` reads those cells back into
 * `meta.finding_notes` by finding key, so the next night's workbook carries them again.
 */
import type ExcelJS from 'exceljs';
import type { Warehouse } from '../../load/index.ts';
import type { ColumnSpec } from './sheet.ts';
// Not sheet.ts's copy: sheet.ts loads exceljs, and the notices read the finding keys from here.
import { sqlText } from '../html/format.ts';

/** The columns whose values make a finding's key, per finding mart. */
export const FINDING_KEYS: Record<string, readonly string[]> = {
  invoice_status: ['buildops_invoice_id'],
  cost_code_drift: ['finding_type', 'item_code', 'job_number', 'gl_account', 'invoice_number', 'line_number'],
  billing_duplicates: ['finding_type', 'job_number', 'application_number', 'item_number', 'invoice_number', 'buildops_pay_application_id'],
  retainage_reconciliation: ['job_number'],
  subcontractor_compliance: ['job_number', 'vendor_code'],
  service_ticket_batches: ['batch_key'],
  wip_schedule: ['job_number'],
  ar_gl_tieout: ['gl_account'],
};

/** The SQL of a row's finding key: `<mart>|<company>|<key values>`. */
export function findingKeySql(mart: string): string | null {
  const keys = FINDING_KEYS[mart];
  if (!keys) return null;
  return [`'${mart}'`, 'company_code', ...keys].map((k, i) => (i === 0 ? k : `coalesce(cast(${k} as varchar), '')`)).join(" || '|' || ");
}

export const NOTE_HEADERS = { key: 'Finding key', firstSeen: 'First seen', owner: 'Owner', status: 'Review status', notes: 'Notes' } as const;

/** Where the note columns read from: table expressions with finding_notes' and finding_history's columns. */
export interface NoteTables {
  /** finding_key, owner, status, notes. */
  notes: string;
  /** finding_key, as_of. */
  history: string;
}

/** The meta tables themselves (the marts and meta read through one connection). */
export const META_NOTE_TABLES: NoteTables = { notes: 'meta.finding_notes', history: 'meta.finding_history' };

/**
 * One mart's notes and first-seen dates read through `history` (the writer), as literal tables
 * for a query through a reader role that may not read meta.
 */
export async function literalNoteTables(history: Warehouse, mart: string): Promise<NoteTables> {
  const prefix = `${mart}|`;
  const notes = await history.query<{ finding_key: string; owner: string | null; status: string | null; notes: string | null }>(
    `select finding_key, owner, status, notes from meta.finding_notes where substr(finding_key, 1, ${prefix.length}) = ${sqlText(prefix)}`,
  );
  const seen = await history.query<{ finding_key: string; as_of: string }>(
    `select finding_key, cast(min(as_of) as varchar) as as_of from meta.finding_history where mart = ${sqlText(mart)} group by finding_key`,
  );
  return {
    notes: literalTable(
      [
        ['finding_key', 'varchar'],
        ['owner', 'varchar'],
        ['status', 'varchar'],
        ['notes', 'varchar'],
      ],
      notes.map((n) => [n.finding_key, n.owner, n.status, n.notes]),
    ),
    history: literalTable(
      [
        ['finding_key', 'varchar'],
        ['as_of', 'date'],
      ],
      seen.map((h) => [h.finding_key, String(h.as_of).slice(0, 10)]),
    ),
  };
}

/** A table expression of literal rows (typed by casts), valid on DuckDB and Postgres, also when empty. */
function literalTable(columns: readonly (readonly [string, string])[], rows: readonly (string | null)[][]): string {
  const cell = (value: string | null, type: string): string => `cast(${value === null ? 'null' : sqlText(value)} as ${type})`;
  if (rows.length === 0) return `(select ${columns.map(([name, type]) => `${cell(null, type)} as ${name}`).join(', ')} where 1 = 0)`;
  const values = rows.map((row) => `(${row.map((v, i) => cell(v, columns[i]![1])).join(', ')})`).join(',\n');
  return `(select * from (values ${values}) as v(${columns.map(([name]) => name).join(', ')}))`;
}

/** The columns a mart's finding key is made of (its company and key columns), or null for a mart with no finding key. */
export function findingKeyColumns(mart: string): string[] | null {
  const keys = FINDING_KEYS[mart];
  return keys ? ['company_code', ...keys] : null;
}

/**
 * The workpaper columns of an exception sheet (empty for a mart with no finding key): read from
 * notedRelation's columns, so the sheet is read from that relation.
 */
export function noteColumns(mart: string): ColumnSpec[] {
  const needs = findingKeyColumns(mart);
  if (needs === null) return [];
  return [
    { key: 'finding_key', header: NOTE_HEADERS.key, kind: 'text', expr: 'note_finding_key', needs },
    { key: 'first_seen', header: NOTE_HEADERS.firstSeen, kind: 'date', expr: 'note_first_seen', needs },
    { key: 'owner', header: NOTE_HEADERS.owner, kind: 'text', expr: 'note_owner', needs },
    { key: 'review_status', header: NOTE_HEADERS.status, kind: 'text', expr: 'note_status', needs },
    { key: 'notes', header: NOTE_HEADERS.notes, kind: 'text', expr: 'note_notes', needs },
  ];
}

/**
 * A finding mart's rows with their finding key, first-seen date and notes joined on (a subquery
 * with an alias, read like the mart): each table read once for the sheet, never once per row.
 * Only for a mart that has every column of its finding key (findingKeyColumns).
 */
export function notedRelation(mart: string, tables: NoteTables = META_NOTE_TABLES): string | null {
  const key = findingKeySql(mart);
  if (key === null) return null;
  return `(select m.*, h.first_seen as note_first_seen, n.owner as note_owner, n.status as note_status, n.notes as note_notes
    from (select t.*, ${key} as note_finding_key from marts.${mart} t) m
    left join (select finding_key, min(as_of) as first_seen from ${tables.history} seen group by finding_key) h on h.finding_key = m.note_finding_key
    left join ${tables.notes} n on n.finding_key = m.note_finding_key) noted`;
}

/** Records this report's findings of a mart under its as-of date (replacing that date's), for first_seen. */
export async function recordFindings(warehouse: Warehouse, mart: string, where: string, asOf: string): Promise<void> {
  const key = findingKeySql(mart);
  if (key === null) return;
  const date = `cast(${sqlText(asOf)} as date)`;
  await warehouse.transaction(async (tx) => {
    await tx.query(`delete from meta.finding_history where mart = ${sqlText(mart)} and as_of = ${date}`);
    await tx.query(`insert into meta.finding_history (finding_key, mart, as_of) select distinct ${key}, ${sqlText(mart)}, ${date} from marts.${mart} ${where}`);
  });
}

/** What `notes import` found in a workbook. */
export interface NotesImport {
  sheets: number;
  notes: number;
}

const cellText = (value: ExcelJS.CellValue): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && 'result' in value) return String(value.result ?? '');
  if (typeof value === 'object' && 'richText' in value) return value.richText.map((t) => t.text).join('');
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
};

/** Reads the owner, status and notes typed on every exception sheet of `path` into meta.finding_notes, by finding key. */
export async function importNotes(warehouse: Warehouse, path: string, now = new Date()): Promise<NotesImport> {
  // Loaded on use (see bin/plumbline.js): every run's notices import this module for the finding keys.
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  await workbook.xlsx.readFile(path);
  const notes = new Map<string, { owner: string; status: string; notes: string }>();
  let sheets = 0;
  for (const sheet of workbook.worksheets) {
    const header = (sheet.getRow(1).values as ExcelJS.CellValue[]).map((v) => cellText(v));
    const at = (name: string): number => header.indexOf(name);
    if (at(NOTE_HEADERS.key) < 1) continue;
    sheets += 1;
    sheet.eachRow((row, number) => {
      if (number === 1) return;
      const key = cellText(row.getCell(at(NOTE_HEADERS.key)).value).trim();
      if (key === '' || key === 'Total') return;
      const read = (name: string): string =>
        at(name) > 0
          ? cellText(row.getCell(at(name)).value)
              .trim()
              .replace(/^'/, '')
          : '';
      const entry = { owner: read(NOTE_HEADERS.owner), status: read(NOTE_HEADERS.status), notes: read(NOTE_HEADERS.notes) };
      if (entry.owner || entry.status || entry.notes) notes.set(key, entry);
    });
  }
  if (notes.size > 0) {
    const at = now.toISOString().replace('T', ' ').replace('Z', '');
    await warehouse.transaction(async (tx) => {
      const keys = [...notes.keys()];
      await tx.query(`delete from meta.finding_notes where finding_key in (${keys.map(sqlText).join(', ')})`);
      const values = [...notes.entries()].map(
        ([key, n]) =>
          `(${sqlText(key)}, ${n.owner ? sqlText(n.owner) : 'null'}, ${n.status ? sqlText(n.status) : 'null'}, ${n.notes ? sqlText(n.notes) : 'null'}, ${sqlText(path)}, cast(${sqlText(at)} as timestamp))`,
      );
      await tx.query(`insert into meta.finding_notes (finding_key, owner, status, notes, source_file, updated_at) values ${values.join(', ')}`);
    });
  }
  return { sheets, notes: notes.size };
}
