/**
 * Starts what the whole test run shares: one Postgres server (each suite makes its own
 * database on it; when there is no Postgres, the suites say so and why) and the run's cache
 * folder (sandbox exports and loaded warehouses built once per run: see run-cache.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { dropDatabasesStartingWith, startTestPostgres } from './postgres-server.ts';
import { TEMPLATE_PREFIX } from './run-cache.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
    pgDescription: string;
    /** This run's cache folder (made here, removed when the run ends). */
    cacheDir: string;
    /** A short tag unique to this run, for names outside the folder (Postgres template databases). */
    runTag: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres();
  project.provide('pgUrl', server.url);
  project.provide('pgDescription', server.description);
  process.stderr.write(server.url ? `[test setup] Postgres: ${server.description}\n` : `[test setup] Postgres suites will NOT run: ${server.description}\n`);
  const cacheDir = mkdtempSync(join(tmpdir(), 'plumbline-test-run-'));
  const runTag = `r${Date.now().toString(36)}${process.pid.toString(36)}`;
  project.provide('cacheDir', cacheDir);
  project.provide('runTag', runTag);
  return async () => {
    if (server.url) await dropDatabasesStartingWith(server.url, `${TEMPLATE_PREFIX}${runTag}_`).catch(() => undefined);
    await server.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  };
}
