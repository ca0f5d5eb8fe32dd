/**
 * Runs a suite on every warehouse backend: a DuckDB file and a real Postgres database.
 * A backend that cannot run prints why, in the suite's name and on stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, inject } from 'vitest';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { createTestDatabase } from './postgres-server.ts';

export interface WarehouseFactory {
  kind: 'duckdb' | 'postgres';
  /** A new, empty warehouse location (DuckDB file path or Postgres URL). */
  newLocation(): Promise<string>;
  /** Opens a new, empty warehouse. */
  open(): Promise<Warehouse>;
  /** Removes every location this factory made. */
  cleanup(): Promise<void>;
}

function duckdbFactory(): WarehouseFactory {
  const dirs: string[] = [];
  const factory: WarehouseFactory = {
    kind: 'duckdb',
    newLocation: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'plumbline-duck-'));
      dirs.push(dir);
      return join(dir, 'warehouse.duckdb');
    },
    open: async () => openWarehouse(await factory.newLocation()),
    cleanup: async () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return factory;
}

function postgresFactory(serverUrl: string): WarehouseFactory {
  const drops: (() => Promise<void>)[] = [];
  const factory: WarehouseFactory = {
    kind: 'postgres',
    newLocation: async () => {
      const database = await createTestDatabase(serverUrl);
      drops.push(database.drop);
      return database.url;
    },
    open: async () => openWarehouse(await factory.newLocation()),
    cleanup: async () => {
      for (const drop of drops) await drop().catch(() => undefined);
    },
  };
  return factory;
}

/** Declares `suite` once per backend: `duckdb` always, `postgres` when a server is available. */
export function describeEachWarehouse(name: string, suite: (factory: WarehouseFactory) => void): void {
  describe(`${name} [duckdb]`, () => suite(duckdbFactory()));
  const pgUrl = inject('pgUrl');
  if (pgUrl) {
    describe(`${name} [postgres]`, () => suite(postgresFactory(pgUrl)));
  } else {
    const why = inject('pgDescription');
    process.stderr.write(`[${name}] the Postgres backend did not run: ${why}\n`);
    describe.skipIf(!pgUrl)(`${name} [postgres] — NOT RUN: ${why}`, () => suite(postgresFactory('')));
  }
}
