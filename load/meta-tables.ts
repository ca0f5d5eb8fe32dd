/**
 * The `meta` schema: the registry of every meta table (load history, extraction state,
 * quarantine, model runs, the reports' history, the run records) and its numbered migrations.
 *
 * How the schema changes (forward only, never edit a migration that has shipped):
 * - A new table: add an entry to META_TABLES with `since: N`, where N is a new entry at the end
 *   of META_MIGRATIONS (`{ id: N, description }`). Migration N creates it on every warehouse.
 * - A new column: add it to its table's `columns` with `{ since: N }` as third element, and add
 *   migration N. Migration N adds it to existing tables (an added column is nullable: a NOT NULL
 *   column cannot be added to a table that has rows).
 * - A change of data or type: add migration N with an `up` that does it, on both backends.
 * An entry without `since` belongs to migration 1, which is frozen (test/load/meta-migrations.test.ts
 * lists its tables): a table added later without `since` fails that test instead of silently never
 * reaching a warehouse migrated before it.
 */
import type { ColumnType, Row, WarehouseKind } from './types.ts';

export interface MetaColumnOptions {
  /** The migration that adds this column (default: the table's own). */
  since?: number;
  notNull?: boolean;
}

export type MetaColumn = [name: string, type: ColumnType, options?: MetaColumnOptions];

export interface MetaTable {
  name: string;
  columns: MetaColumn[];
  primaryKey?: string[];
  /** The migration that creates this table (default 1). */
  since?: number;
}

export const META_TABLES: readonly MetaTable[] = [
  {
    name: 'schema_migrations',
    columns: [
      ['id', 'bigint', { notNull: true }],
      ['description', 'varchar'],
      ['plumbline_version', 'varchar'],
      ['applied_at', 'timestamp'],
    ],
    primaryKey: ['id'],
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
      // The hash of the SQL and checks the build ran (transform/unchanged-models.ts).
      ['sql_hash', 'varchar', { since: 7 }],
    ],
  },
  {
    // The CFO report's headline figures per run, for the next report's trend (reports/history.ts).
    name: 'report_history',
    columns: [
      ['as_of', 'date', { notNull: true }],
      ['run_at', 'timestamp', { notNull: true }],
      ['company_code', 'varchar', { notNull: true }],
      ['figure', 'varchar', { notNull: true }],
      ['value', 'decimal(18,2)', { notNull: true }],
    ],
    primaryKey: ['as_of', 'run_at', 'company_code', 'figure'],
  },
  {
    // Each AR feed written, so the next feed's window starts after it (reports/feed/index.ts).
    name: 'ar_feed_history',
    columns: [
      ['company_code', 'varchar', { notNull: true }],
      ['as_of', 'date', { notNull: true }],
      ['since', 'date'],
      ['written_at', 'timestamp', { notNull: true }],
      ['dir', 'varchar', { notNull: true }],
    ],
  },
  {
    // One row per run, inserted `running` when it starts and updated when it ends: a row still
    // `running` after its process died is marked `abandoned` by the next run.
    name: 'runs',
    columns: [
      ['run_id', 'varchar', { notNull: true }],
      ['trigger', 'varchar'],
      ['status', 'varchar'],
      ['started_at', 'timestamp'],
      ['ended_at', 'timestamp'],
      ['as_of', 'date'],
      ['company_code', 'varchar'],
      ['warehouse', 'varchar'],
      ['plumbline_version', 'varchar'],
      ['stages', 'varchar'],
      ['message', 'varchar'],
      ['host', 'varchar'],
      ['pid', 'bigint'],
    ],
    primaryKey: ['run_id'],
  },
  {
    // One row per step (a resource loaded, a model built, a report written) as it ends, and one
    // per stage (step null) when the stage ends.
    name: 'run_steps',
    columns: [
      ['run_id', 'varchar', { notNull: true }],
      ['stage', 'varchar', { notNull: true }],
      ['step', 'varchar'],
      ['status', 'varchar'],
      ['rows', 'bigint'],
      ['quarantined', 'bigint'],
      ['seconds', 'double'],
      ['error_kind', 'varchar'],
      ['message', 'varchar'],
      ['fix', 'varchar'],
      ['ended_at', 'timestamp'],
    ],
  },
  {
    // The write-back outbox: one row per outbound record version, holding the payload frozen when it
    // was checked. The one meta table that can never be rebuilt from the sources; nothing is deleted.
    name: 'outbox',
    columns: [
      ['outbox_id', 'varchar'],
      ['company_code', 'varchar'],
      ['record_type', 'varchar'],
      ['buildops_id', 'varchar'],
      ['buildops_version', 'bigint'],
      ['send_order', 'bigint'],
      ['parent_outbox_ids', 'json'],
      ['state', 'varchar'],
      ['payload', 'json'],
      ['payload_hash', 'varchar'],
      ['amount', 'decimal(18,2)'],
      ['findings', 'json'],
      ['attempts', 'bigint'],
      ['batch_guid', 'varchar'],
      ['spectrum_ref', 'varchar'],
      ['last_response', 'json'],
      ['message', 'varchar'],
      ['fix', 'varchar'],
      ['changed_after_send', 'boolean'],
      ['actor', 'varchar'],
      ['reason', 'varchar'],
      ['created_at', 'timestamp'],
      ['updated_at', 'timestamp'],
      ['sent_at', 'timestamp'],
      ['confirmed_at', 'timestamp'],
      ['last_run_id', 'varchar'],
      // A service ticket on a daily summary invoice: the outbox id of its summary (it is never sent itself).
      ['summary_outbox_id', 'varchar', { since: 6 }],
    ],
    primaryKey: ['outbox_id'],
    since: 2,
  },
  {
    // Every change of an outbox row's state, with who made it and why: the audit trail.
    name: 'outbox_events',
    columns: [
      ['outbox_id', 'varchar'],
      ['event_at', 'timestamp'],
      ['from_state', 'varchar'],
      ['to_state', 'varchar'],
      ['actor', 'varchar'],
      ['note', 'varchar'],
      ['run_id', 'varchar'],
    ],
    since: 2,
  },
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
    since: 3,
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
    since: 3,
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
    since: 4,
  },
  {
    // Every notice of a run (one per channel and recipient kind): sent, or kept pending and
    // retried by the next run, so a mail server that is down loses nothing (notify/store.ts).
    name: 'notices',
    columns: [
      ['notice_id', 'varchar'],
      ['run_id', 'varchar'],
      ['channel', 'varchar'],
      ['kind', 'varchar'],
      ['recipients', 'varchar'],
      ['subject', 'varchar'],
      ['body', 'varchar'],
      ['state', 'varchar'],
      ['attempts', 'bigint'],
      ['last_error', 'varchar'],
      ['created_at', 'timestamp'],
      ['updated_at', 'timestamp'],
      ['sent_at', 'timestamp'],
    ],
    primaryKey: ['notice_id'],
    since: 5,
  },
  {
    // The findings the last notice saw, by finding key: the next notice lists the new ones.
    name: 'notice_findings',
    columns: [
      ['finding_key', 'varchar'],
      ['mart', 'varchar'],
      ['run_id', 'varchar'],
      ['as_of', 'date'],
    ],
    primaryKey: ['finding_key'],
    since: 5,
  },
  {
    // The content hash of what a resource's last successful load read (an export file), written
    // in that load's transaction: the next load of the same content is not read again.
    name: 'load_fingerprints',
    columns: [
      ['source', 'varchar'],
      ['resource', 'varchar'],
      ['fingerprint', 'varchar'],
      ['load_id', 'varchar'],
      ['recorded_at', 'timestamp'],
    ],
    primaryKey: ['source', 'resource'],
    since: 7,
  },
];

export interface MetaMigration {
  id: number;
  description: string;
  /** What the registry's `since` cannot say (moving data, changing a type), run after its tables and columns exist. */
  up?: (query: (sqlText: string, parameters?: readonly unknown[]) => Promise<Row[]>, kind: WarehouseKind) => Promise<void>;
}

/**
 * Every migration in order. A warehouse records the ones applied in meta.schema_migrations; on
 * open, the missing ones run in order, each in one transaction with its record.
 */
export const META_MIGRATIONS: readonly MetaMigration[] = [
  {
    id: 1,
    description:
      'the meta tables of 0.1.0 (loads, state, quarantine, model_runs, and the reports’ report_history and ar_feed_history), and the run records runs and run_steps',
  },
  { id: 2, description: 'the write-back outbox (outbox) and its audit trail (outbox_events)' },
  { id: 3, description: 'workpaper notes (finding_notes) and the findings seen per report (finding_history)' },
  { id: 4, description: 'the size of each table before and after each load (load_volumes), for the volume check' },
  { id: 5, description: 'the notices of each run and their delivery (notices), and the findings the last notice saw (notice_findings)' },
  { id: 6, description: 'the daily summary invoice a service ticket goes on (outbox.summary_outbox_id)' },
  {
    id: 7,
    description:
      'the content hash of what each resource last loaded (load_fingerprints), so an unchanged export file is not read again, and of what each model build ran (model_runs.sql_hash), so a model whose inputs did not change is not built again',
  },
];

/** Column order of `meta.quarantine`, for bulk appends. */
export const QUARANTINE_COLUMNS = META_TABLES.find((t) => t.name === 'quarantine')!.columns.map(([name, type]) => ({ name, type }));
