/** Opens the warehouse a URL names: a DuckDB file path (the default) or a postgres:// URL. */
import { existsSync } from 'node:fs';
import type { Backend } from './backend.ts';
import { SqlWarehouse } from './sql-warehouse.ts';
import type { Warehouse } from './types.ts';

export const DEFAULT_WAREHOUSE = './plumbline.duckdb';

export interface OpenWarehouseOptions {
  /**
   * Open for reading only. A DuckDB reader opens the copy the last writer published
   * (`<name>.readers.duckdb`), so it never waits for a run and a run never waits for it; before
   * any writer published one, it opens the file itself, read-only.
   */
  readOnly?: boolean;
  /** A DuckDB writer waits this long for another process writing the file (default 0). */
  lockWaitMs?: number;
  /** DuckDB: no access to other files or extensions, configuration locked (what `report` needs, and no more). */
  sandboxed?: boolean;
}

/** Opens (and prepares) the warehouse at `location`. */
export async function openWarehouse(location: string = DEFAULT_WAREHOUSE, options: OpenWarehouseOptions = {}): Promise<Warehouse> {
  const isPostgres = /^postgres(ql)?:\/\//i.test(location);
  let backend: Backend;
  let readerCopy: string | null = null;
  // Loaded on use (see bin/plumbline.js): each backend, with its driver and Kysely, loads when a warehouse of its kind opens.
  if (isPostgres) backend = await (await import('./postgres/backend.ts')).openPostgresBackend(location);
  else {
    const { openDuckDbBackend, readerCopyPath } = await import('./duckdb/backend.ts');
    const path = location.replace(/^duckdb:\/\//i, '');
    const published = path !== ':memory:' && options.readOnly ? readerCopyPath(path) : null;
    backend = await openDuckDbBackend({
      path: published && existsSync(published) ? published : path,
      readOnly: options.readOnly ?? false,
      lockWaitMs: options.lockWaitMs,
      sandboxed: options.sandboxed,
    });
    readerCopy = readerCopyPath(path);
  }
  const warehouse = new SqlWarehouse(backend);
  if (!options.readOnly) await warehouse.ensureReady();
  // A DuckDB file that has no reader copy yet gets one as soon as a writer opens it.
  if (readerCopy !== null && !options.readOnly && location !== ':memory:' && !existsSync(readerCopy)) await backend.publish?.();
  return warehouse;
}
