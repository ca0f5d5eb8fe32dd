/** What each warehouse backend provides to the shared warehouse logic. */
import type { Kysely } from 'kysely';
import type { ColumnSpec, ColumnType, Row, WarehouseKind } from './types.ts';

/** One database connection, held for a transaction or a bulk load. */
export interface BackendConnection {
  query<T = Row>(sqlText: string, parameters?: readonly unknown[]): Promise<T[]>;
  /** Bulk-appends canonical rows (values ordered as `columns`) to a table whose columns are exactly `columns`. */
  appendRows(schema: string, table: string, columns: readonly ColumnSpec[], rows: readonly unknown[][]): Promise<void>;
  release(): void;
}

export interface Backend {
  readonly kind: WarehouseKind;
  readonly displayName: string;
  readonly db: Kysely<any>;
  acquire(): Promise<BackendConnection>;
  stream<T = Row>(sqlText: string, parameters?: readonly unknown[]): AsyncIterable<T[]>;
  /** The SQL type of a column type on this backend. */
  sqlType(type: ColumnType): string;
  /** Reads a column's SQL type from information_schema back into a column type. */
  columnTypeFromCatalog(dataType: string, precision: number | null, scale: number | null): ColumnType;
  /** Whether SQL on this backend reads export files itself (DuckDB's read_csv); else a batch's `sqlRead` is typed by a private DuckDB. */
  readonly readsFiles?: boolean;
  /** Runs one resource's load; DuckDB bounds its memory while any load runs (see LOAD_MEMORY_LIMIT). */
  duringLoad?<T>(work: () => Promise<T>): Promise<T>;
  /** DuckDB: publishes the copy readers open (see readerCopyPath); absent where readers share the database itself. */
  publish?(): Promise<void>;
  close(): Promise<void>;
}
