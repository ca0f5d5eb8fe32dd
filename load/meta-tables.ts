/** The `meta` schema: load history, extraction state, quarantine and model runs. */
import type { ColumnType } from './types.ts';

export interface MetaTable {
  name: string;
  columns: [string, ColumnType][];
  primaryKey?: string[];
}

export const META_TABLES: readonly MetaTable[] = [
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
  {
    // One row per table per load: its size before and after, for the volume check of
    // marts.close_status (a snapshot that shrank, a source that loaded nothing).
    name: 'load_volumes',
    columns: [
      ['load_id', 'varchar'],
      ['source', 'varchar'],
      ['resource', 'varchar'],
      ['table_name', 'varchar'],
      ['write_mode', 'varchar'],
      ['rows_before', 'bigint'],
      ['rows_after', 'bigint'],
      ['rows_loaded', 'bigint'],
      ['duplicates_replaced', 'bigint'],
      ['values_noted', 'bigint'],
      ['recorded_at', 'timestamp'],
    ],
  },
];

/** Column order of `meta.quarantine`, for bulk appends. */
export const QUARANTINE_COLUMNS = META_TABLES.find((t) => t.name === 'quarantine')!.columns.map(([name, type]) => ({ name, type }));
