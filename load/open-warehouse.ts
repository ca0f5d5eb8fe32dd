/** Opens the warehouse a URL names: a DuckDB file path (the default) or a postgres:// URL. */
import { openDuckDbBackend } from './duckdb/backend.ts';
import { openPostgresBackend } from './postgres/backend.ts';
import { SqlWarehouse } from './sql-warehouse.ts';
import type { Warehouse } from './types.ts';

export const DEFAULT_WAREHOUSE = './plumbline.duckdb';

export interface OpenWarehouseOptions {
  /** Open a DuckDB file read-only (several readers may share it; no writer may). */
  readOnly?: boolean;
}

/** Opens (and prepares) the warehouse at `location`. */
export async function openWarehouse(location: string = DEFAULT_WAREHOUSE, options: OpenWarehouseOptions = {}): Promise<Warehouse> {
  const isPostgres = /^postgres(ql)?:\/\//i.test(location);
  const backend = isPostgres
    ? await openPostgresBackend(location)
    : await openDuckDbBackend({ path: location.replace(/^duckdb:\/\//i, ''), readOnly: options.readOnly ?? false });
  const warehouse = new SqlWarehouse(backend);
  if (!options.readOnly) await warehouse.ensureReady();
  return warehouse;
}
