/**
 * The warehouse contract: what extractors hand to the loader, and what every backend
 * (DuckDB, Postgres) must do with it.
 */
import type { Kysely } from 'kysely';

/** Column types a resource can declare. Undeclared fields arrive as `varchar`. */
export type ColumnType = 'varchar' | 'bigint' | 'double' | 'boolean' | 'date' | 'timestamp' | 'json' | `decimal(${number},${number})`;

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/**
 * A value in a row handed to the loader or read back from the warehouse:
 * decimals as text ("12.50"), dates as `YYYY-MM-DD` text, timestamps as UTC `Date`s,
 * json as any JSON-able value (stored as text).
 */
export type Row = Record<string, unknown>;

/** How loaded rows meet the rows already in the table. */
export type WriteMode =
  /** Add the rows (event logs). */
  | 'append'
  /** Replace rows with the same primary key, add the others; the last version in a load wins. */
  | 'merge'
  /** The load is the whole table now (snapshots such as open items, full refreshes). */
  | 'replace';

export interface TableSpec {
  schema: WarehouseSchema;
  name: string;
  columns: readonly ColumnSpec[];
  primaryKey: readonly string[];
}

export type WarehouseSchema = 'raw' | 'staging' | 'intermediate' | 'marts' | 'meta';
export const WAREHOUSE_SCHEMAS: readonly WarehouseSchema[] = ['raw', 'staging', 'intermediate', 'marts', 'meta'];

/** A record that failed validation: kept whole, with why. */
export interface QuarantineRecord {
  recordKey: string | null;
  rawRecord: unknown;
  reasons: readonly string[];
}

/** One batch from an extractor: rows per table (a resource may fill child tables too). */
export interface LoadBatch {
  rows: ReadonlyMap<string, readonly Row[]> | Record<string, readonly Row[]>;
  quarantine?: readonly QuarantineRecord[];
  /** The resource's extraction state after this batch; committed only with the rows. */
  state?: unknown;
}

export interface LoadRequest {
  loadId: string;
  source: string;
  resource: string;
  /** Every table this resource writes (the parent and its child tables). */
  tables: readonly TableSpec[];
  mode: WriteMode;
  batches: AsyncIterable<LoadBatch> | Iterable<LoadBatch>;
}

export interface LoadResult {
  loadId: string;
  source: string;
  resource: string;
  rowsByTable: Record<string, number>;
  rowsLoaded: number;
  rowsQuarantined: number;
  newColumns: string[];
  state: unknown;
  seconds: number;
}

export type WarehouseKind = 'duckdb' | 'postgres';

/** The warehouse every stage reads and writes through. */
export interface Warehouse {
  readonly kind: WarehouseKind;
  /** Where it is, with any password removed (safe to print). */
  readonly displayName: string;
  /** Kysely over the warehouse, for typed queries. */
  readonly db: Kysely<any>;
  /** Creates the schemas and meta tables when missing. */
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
