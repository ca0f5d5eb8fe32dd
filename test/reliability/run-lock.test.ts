/**
 * Issues 4 and 8: a run takes the warehouse lock (Postgres advisory lock; DuckDB its writer lock),
 * a second run waits a bounded time and then names the first; two runs at once never double a
 * key; on DuckDB readers are never refused during a run and never hold a run up.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acquireRunLock } from '../../load/run-lock.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { sandboxExport, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { BIN, plumbline } from './helpers.ts';

describeEachWarehouse('the warehouse lock', (factory) => {
  let dir: string;
  let truth: GroundTruth;
  beforeAll(async () => {
    ({ dir, truth } = await sandboxExport(5, 'tiny'));
  });
  afterAll(async () => {
    await factory.cleanup();
    removeSandboxExports();
  });

  function configFile(waitSeconds: number): string {
    const path = join(dir, `plumbline-${waitSeconds}.yaml`);
    writeFileSync(path, `company:\n  code: "${truth.companyCode}"\n  time_zone: ${truth.timeZone}\nlock:\n  wait_seconds: ${waitSeconds}\n`);
    return path;
  }
  const runArgs = (location: string, waitSeconds: number) => [
    'run',
    '--files',
    dir,
    '--as-of',
    truth.asOf,
    '--stages',
    'extract,load,models',
    '--warehouse',
    location,
    '--config',
    configFile(waitSeconds),
  ];

  it('a second run waits its bounded time, then names the run holding the warehouse', async () => {
    const location = await factory.newLocation();
    const warehouse = await openWarehouse(location);
    const lock = await acquireRunLock(warehouse, location, { waitSeconds: 0 });
    try {
      const second = await plumbline(runArgs(location, 1));
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(`another run \\(pid ${process.pid}, host ${hostname()}, started \\d{4}-\\d{2}-\\d{2}T[^)]*\\) holds the warehouse`),
      );
      expect(second.seconds).toBeGreaterThan(0.9);
    } finally {
      await lock.release();
      await warehouse.close();
    }
    const after = await plumbline(runArgs(location, 1));
    expect(after.stderr).not.toMatch(/holds the warehouse/);
    expect(after.code).toBe(0);
  });

  it('two runs at once both succeed, one after the other, and no key is doubled', async () => {
    const location = await factory.newLocation();
    const [a, b] = await Promise.all([plumbline(runArgs(location, 120)), plumbline(runArgs(location, 120))]);
    expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, expect.not.stringMatching(/Error/)]);
    const warehouse: Warehouse = await openWarehouse(location);
    try {
      for (const [table, key] of [
        ['raw.buildops__invoices', 'id'],
        ['raw.buildops__jobs', 'id'],
        ['raw.buildops__purchase_orders', 'id'],
        ['raw.spectrum__cr_invoice_header_mc', "company_code || '|' || invoice_or_transaction"],
      ]) {
        const [row] = await warehouse.query<{ n: number; keys: number }>(`select count(*) as n, count(distinct ${key}) as keys from ${table}`);
        expect(row!.n, table).toBe(row!.keys);
        expect(row!.n, table).toBeGreaterThan(0);
      }
    } finally {
      await warehouse.close();
    }
  });

  if (factory.kind === 'duckdb') {
    it('readers are served during a run, and a long reader does not hold the run up', async () => {
      const location = await factory.newLocation();
      expect((await plumbline(runArgs(location, 5))).code).toBe(0);
      // A run holds the file: a reader still gets the last completed run's warehouse.
      const writer = await openWarehouse(location);
      const lock = await acquireRunLock(writer, location, { waitSeconds: 0 });
      try {
        const read = await plumbline(['sql', 'select count(*) as n from marts.ar_aging', '--warehouse', location]);
        expect(read.stderr).toBe('');
        expect(read.code).toBe(0);
      } finally {
        await lock.release();
        await writer.close();
      }
      // A reader holds its view open for a long time: the nightly run goes ahead.
      const reader = spawn(process.execPath, [BIN, 'sql', 'select count(*) from range(3000000000) t(i) where i % 7 = 0', '--warehouse', location], {
        stdio: 'ignore',
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const run = await plumbline(runArgs(location, 1));
        expect(run.stderr).not.toMatch(/in use|holds the warehouse/);
        expect(run.code).toBe(0);
      } finally {
        reader.kill('SIGKILL');
      }
    });
  }
});
