/** The `meta` schema: load history, extraction state, quarantine and model runs. */
import type { ColumnType } from './types.ts';

export interface MetaTable {
  name: string;
  columns: [string, ColumnType][];
  primaryKey?: string[];
}

export const META_TABLES: readonly MetaTable[] = [
  {
    // Workpaper notes: what a person typed on an exception sheet (owner, status, notes), read
    // back by `plumbline notes import` and carried by the next workbook (reports/excel/notes.ts).
    name: 'finding_notes',
    columns: [
      ['finding_key', 'varchar'],
      ['owner', 'varchar'],
      ['status', 'varchar'],
      ['notes', 'varchar'],
      ['source_file', 'varchar'],
      ['updated_at', 'timestamp'],
    ],
    primaryKey: ['finding_key'],
  },
  {
    // Every report's findings by key and as-of date: first_seen on the exception sheets.
    name: 'finding_history',
    columns: [
      ['finding_key', 'varchar'],
      ['mart', 'varchar'],
      ['as_of', 'date'],
    ],
    primaryKey: ['finding_key', 'as_of'],
  },
  {
    name: 'loads',
    columns: [
      ['load_id', 'varchar'],
      ['source', 'varchar'],
      ['resource', 'varchar'],
      ['status', 'varchar'],
      ['rows_loaded', 'bigint'],
      ['rows_quarantined', 'bigint'],
      ['started_at', 'timestamp'],
      ['finished_at', 'timestamp'],
      ['message', 'varchar'],
    ],
  },
  {
    name: 'state',
    columns: [
      ['source', 'varchar'],
      ['resource', 'varchar'],
      ['state', 'json'],
      ['load_id', 'varchar'],
      ['updated_at', 'timestamp'],
    ],
    primaryKey: ['source', 'resource'],
  },
  {
    name: 'quarantine',
    columns: [
      ['load_id', 'varchar'],
      ['source', 'varchar'],
      ['resource', 'varchar'],
      ['record_key', 'varchar'],
      ['raw_record', 'json'],
      ['reasons', 'json'],
      ['quarantined_at', 'timestamp'],
    ],
  },
  {
    name: 'model_runs',
    columns: [
      ['run_id', 'varchar'],
      ['model', 'varchar'],
      ['status', 'varchar'],
      ['row_count', 'bigint'],
      ['seconds', 'double'],
      ['message', 'varchar'],
      ['finished_at', 'timestamp'],
    ],
  },
];

/** Column order of `meta.quarantine`, for bulk appends. */
export const QUARANTINE_COLUMNS = META_TABLES.find((t) => t.name === 'quarantine')!.columns.map(([name, type]) => ({ name, type }));
