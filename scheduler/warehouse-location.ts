/**
 * What a command may assume about the warehouse location before opening it: a command that
 * reads (`sql`, `report`, `status`, `mappings`) needs a warehouse that exists; a command that
 * writes (`run`, `models`) creates a DuckDB file and its folder. `:memory:` is always allowed:
 * it is asked for by name, never a fallback.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError, errorMessage } from '../lib/errors.ts';

/** The DuckDB file a location names, or null for a server URL (postgres://…) or `:memory:`. */
export function duckDbFile(location: string): string | null {
  if (/^postgres(ql)?:\/\//i.test(location)) return null;
  const path = location.replace(/^duckdb:\/\//i, '');
  return path === ':memory:' ? null : path;
}

/** Whether the location is DuckDB's in-memory database (read-only makes no sense there: it starts empty). */
export function isInMemory(location: string): boolean {
  return location.replace(/^duckdb:\/\//i, '') === ':memory:';
}

/** Throws a UsageError naming the path when a DuckDB warehouse file does not exist (a read must not invent one). */
export function requireExistingWarehouse(location: string): void {
  const file = duckDbFile(location);
  if (file === null || existsSync(file)) return;
  throw new UsageError(
    `The warehouse ${resolve(file)} does not exist. Check --warehouse (or PLUMBLINE_WAREHOUSE, or warehouse: in the config), ` +
      `or build it first with plumbline run (or plumbline demo); --warehouse :memory: queries an empty in-memory database`,
  );
}

/** Creates the folder of a new DuckDB warehouse file, or throws a UsageError saying why it cannot. */
export function prepareWarehouseFolder(location: string): void {
  const file = duckDbFile(location);
  if (file === null) return;
  const folder = dirname(resolve(file));
  if (existsSync(file) && statSync(file).isDirectory())
    throw new UsageError(`The warehouse ${resolve(file)} is a folder; name a file, e.g. ${resolve(file, 'plumbline.duckdb')}`);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new UsageError(`Cannot create the warehouse folder ${folder}: ${errorMessage(error)}`);
  }
}
