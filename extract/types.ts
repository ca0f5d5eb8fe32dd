/**
 * What an extractor produces and the loader consumes. Extractors never touch a database: a
 * resource yields batches of rows (and quarantined records, and its cursor state), and the
 * loader commits each resource's batches and state together.
 */

/** Column types a resource can declare. Undeclared fields are loaded as `varchar`. */
export type ColumnType = 'varchar' | 'bigint' | 'double' | 'boolean' | 'date' | 'timestamp' | 'json' | `decimal(${number},${number})`;

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/**
 * A row: decimals as text ("12.50"), dates as `YYYY-MM-DD` text, timestamps as UTC `Date`s,
 * json as any JSON-able value.
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

export type WarehouseSchema = 'raw' | 'staging' | 'intermediate' | 'marts' | 'meta';

/** A table a resource writes. A child table's primary key starts with its parent's key columns. */
export interface TableSpec {
  schema: WarehouseSchema;
  name: string;
  columns: readonly ColumnSpec[];
  primaryKey: readonly string[];
}

/** A record that failed validation: kept whole, with why. */
export interface QuarantineRecord {
  recordKey: string | null;
  rawRecord: unknown;
  reasons: readonly string[];
}

/** One batch from an extractor: rows per table (a resource may fill child tables too). */
export interface LoadBatch<State = unknown> {
  rows: ReadonlyMap<string, readonly Row[]> | Record<string, readonly Row[]>;
  quarantine?: readonly QuarantineRecord[];
  /** The resource's extraction state after this batch; committed only with the rows. */
  state?: State;
  /**
   * The file this resource reads is not there (an export). The batch carries no rows; the
   * loader refuses it when the resource's tables hold rows, unless the run allows it.
   */
  missingFile?: string;
  /**
   * The file this batch stands for, read and typed whole in SQL by DuckDB: the DuckDB warehouse
   * itself, or a private DuckDB feeding another warehouse's bulk path. A load that finds a
   * record the SQL does not vouch for loads `fallback()` instead, record by record. The batch
   * carries no rows.
   */
  sqlRead?: SqlFileRead;
}

/**
 * An export file the warehouse reads and types in SQL (DuckDB's dialect): the fast path for a
 * file whose records all read the same way as the record-by-record path would read them.
 */
export interface SqlFileRead {
  /** The file, for messages. */
  file: string;
  /** The records the file holds (header excluded), as the extractor counted them. */
  records: number;
  /**
   * A SELECT of every record of the file in file order, typed: `_keep` (a record this load
   * keeps; NULL when the SQL cannot tell), `_regular` (the SQL typed it exactly as the record-by-record path would, with no
   * reason to quarantine or note), and the typed columns the table selects read.
   */
  typedSql: string;
  /** Fields of the file no table declares (column names): loaded as varchar, as the record path does. */
  extraColumns: readonly string[];
  /** Per table: a SELECT over `{typed}` (the typed records), its columns named as the table's, plus `_ord` (file order). */
  tables: readonly { table: string; columns: readonly string[]; sql: string }[];
  /** Fails when the number of records read is not what the export vouches for (its manifest). */
  checkRecords(records: number): void;
  /** The same load as batches of rows, record by record. */
  fallback(): AsyncIterable<LoadBatch>;
}

/** What a resource's extraction is told about the run. */
export interface ExtractContext {
  /** Ignore the stored state and read everything (this resource only). */
  fullRefresh: boolean;
  asOf: string;
  signal?: AbortSignal;
  /** The run allows this resource's file to be missing even though its tables hold rows (`--allow-missing`). */
  allowMissing?: boolean;
}

/** One extractable resource: its tables, its write mode and its batches. */
export interface Resource<State = unknown> {
  source: string;
  name: string;
  /** The parent table first, then its child tables. */
  tables: readonly TableSpec[];
  mode: WriteMode;
  /**
   * Reads the state an earlier load committed (JSON from the warehouse) as this resource's own
   * type: undefined when there is none or it is not of that shape (the resource then reads in
   * full). A resource without it keeps no state.
   */
  readState?(stored: unknown): State | undefined;
  /**
   * The content hash of what `extract` would read now (an export file's bytes and the settings
   * that shape its rows), or null when it cannot say. A load whose hash equals the one its last
   * successful load committed reads nothing (load/fingerprints.ts). Only for resources whose rows
   * depend on nothing else: not for an API, whose answer changes without any file changing.
   */
  fingerprint?(context: ExtractContext): Promise<string | null>;
  /** Yields batches, starting from the last committed state (undefined on a first or full run). */
  extract(state: State | undefined, context: ExtractContext): AsyncIterable<LoadBatch<State>>;
}
