/**
 * The warehouse contract: what extractors hand to the loader, and what every backend
 * (DuckDB, Postgres) must do with it.
 */
import type { Kysely } from 'kysely';

import type { ColumnSpec, LoadBatch, Row, TableSpec, WarehouseSchema, WriteMode } from '../extract/types.ts';

export type { ColumnSpec, ColumnType, LoadBatch, QuarantineRecord, Row, SqlFileRead, TableSpec, WarehouseSchema, WriteMode } from '../extract/types.ts';

export const WAREHOUSE_SCHEMAS: readonly WarehouseSchema[] = ['raw', 'staging', 'intermediate', 'marts', 'meta'];

export interface LoadRequest {
  loadId: string;
  source: string;
  resource: string;
  /** Every table this resource writes (the parent and its child tables). */
  tables: readonly TableSpec[];
  mode: WriteMode;
  batches: AsyncIterable<LoadBatch> | Iterable<LoadBatch>;
  /** Checked before each batch and before publishing: an abort rolls the whole load back. */
  signal?: AbortSignal;
  /** Accept a batch that says its file is missing even when the tables hold rows (`--allow-missing`). */
  allowMissing?: boolean;
  /**
   * The content hash of what this load reads (load/fingerprints.ts), committed with the rows; a
   * load without one clears the stored hash, since the tables no longer hold exactly that content.
   */
  fingerprint?: string;
}

export interface LoadResult {
  loadId: string;
  source: string;
  resource: string;
  rowsByTable: Record<string, number>;
  rowsLoaded: number;
  rowsQuarantined: number;
  /** Keys that came more than once in this load: the later record (file or page order) was kept. */
  duplicatesReplaced?: number;
  /** Records loaded with a note in meta.quarantine (a value stripped of bytes no warehouse stores, a colliding field left out). */
  valuesNoted?: number;
  newColumns: string[];
  state: unknown;
  seconds: number;
  /** Set when nothing was read: the content is the one the load `sinceLoadId` committed (load/fingerprints.ts). */
  unchanged?: { sinceLoadId: string; loadedAt: Date | null };
}

export type WarehouseKind = 'duckdb' | 'postgres';

/** The warehouse every stage reads and writes through. */
export interface Warehouse {
  readonly kind: WarehouseKind;
  /** Where it is, with any password removed (safe to print). */
  readonly displayName: string;
  /** Kysely over the warehouse, for typed queries. */
  readonly db: Kysely<any>;
  /** Creates the schemas when missing and applies the meta migrations the warehouse has not had (load/meta-tables.ts). */
  ensureReady(): Promise<void>;
  /** Runs SQL text and returns its rows (decimals as text, dates as text, timestamps as Dates). */
  query<T = Row>(sqlText: string, parameters?: readonly unknown[]): Promise<T[]>;
  /** Runs SQL text and yields its rows in batches, without holding the whole result. */
  stream<T = Row>(sqlText: string, parameters?: readonly unknown[]): AsyncIterable<T[]>;
  /** Runs several statements on one connection inside one transaction. */
  transaction<T>(work: (tx: WarehouseTransaction) => Promise<T>): Promise<T>;
  /** Loads one resource's batches atomically with its extraction state. */
  load(request: LoadRequest): Promise<LoadResult>;
  /** The extraction state last committed for a resource, or undefined. */
  getState(source: string, resource: string): Promise<unknown>;
  /** Forgets a resource's extraction state (a full refresh of that resource only). */
  resetState(source: string, resource: string): Promise<void>;
  /** Lists the tables and views of a schema. */
  listRelations(schema: WarehouseSchema): Promise<{ name: string; kind: 'table' | 'view' }[]>;
  /** Columns of a relation in order, or [] when it does not exist. */
  describe(schema: string, name: string): Promise<ColumnSpec[]>;
  close(): Promise<void>;
}

/** Statements inside one warehouse transaction. */
export interface WarehouseTransaction {
  query<T = Row>(sqlText: string, parameters?: readonly unknown[]): Promise<T[]>;
}
