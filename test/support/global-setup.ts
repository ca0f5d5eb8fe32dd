/**
 * Starts what the whole test run shares: one Postgres server. Each suite makes its own
 * database on it. When there is no Postgres, the suites say so and why.
 */
import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
    pgDescription: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres();
  project.provide('pgUrl', server.url);
  project.provide('pgDescription', server.description);
  process.stderr.write(server.url ? `[test setup] Postgres: ${server.description}\n` : `[test setup] Postgres suites will NOT run: ${server.description}\n`);
  return () => server.stop();
}
