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
    ],
    primaryKey: ['outbox_id'],
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
  },
];

/** Column order of `meta.quarantine`, for bulk appends. */
export const QUARANTINE_COLUMNS = META_TABLES.find((t) => t.name === 'quarantine')!.columns.map(([name, type]) => ({ name, type }));
