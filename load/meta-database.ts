/**
 * The meta tables as Kysely types, for typed reads and writes through `warehouse.db` on both
 * backends (the DuckDB dialect compiles as Postgres does). Instants are written as UTC text
 * (`formatTimestamp`): `pg` would send a Date in the process's local time, and a TIMESTAMP
 * column drops the offset. They read back as Dates.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { Warehouse } from './types.ts';

type Instant = ColumnType<Date, string, string>;
type NullableInstant = ColumnType<Date | null, string | null, string | null>;
/** BIGINT reads back as a number when it fits (both backends), else as text. */
type Count = ColumnType<number, number, number>;

export interface SchemaMigrationsTable {
  id: Count;
  description: string | null;
  plumbline_version: string | null;
  applied_at: NullableInstant;
}

export interface LoadsTable {
  load_id: string;
  source: string;
  resource: string;
  status: string;
  rows_loaded: Count | null;
  rows_quarantined: Count | null;
  started_at: NullableInstant;
  finished_at: NullableInstant;
  message: string | null;
}

export interface RunsTable {
  run_id: string;
  trigger: string;
  /** running, ok, failed, partial, cancelled, abandoned */
  status: string;
  started_at: Instant;
  ended_at: NullableInstant;
  /** YYYY-MM-DD */
  as_of: string;
  company_code: string | null;
  warehouse: string;
  plumbline_version: string;
  /** The stages asked for, comma-separated. */
  stages: string;
  message: string | null;
  host: string | null;
  pid: Count | null;
}

export interface RunStepsTable {
  run_id: string;
  stage: string;
  /** The resource, model or report; null on the stage's own row. */
  step: string | null;
  status: string;
  rows: Count | null;
  quarantined: Count | null;
  seconds: number | null;
  error_kind: string | null;
  message: string | null;
  fix: string | null;
  ended_at: Instant;
}

/** The typed meta tables (the others are read with SQL text where they are used). */
export interface MetaDatabase {
  'meta.schema_migrations': SchemaMigrationsTable;
  'meta.loads': LoadsTable;
  'meta.runs': RunsTable;
  'meta.run_steps': RunStepsTable;
}

/** The warehouse's Kysely handle, typed for the meta tables. */
export function metaDb(warehouse: Pick<Warehouse, 'db'>): Kysely<MetaDatabase> {
  return warehouse.db as Kysely<MetaDatabase>;
}
