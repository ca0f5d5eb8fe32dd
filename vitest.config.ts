import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability suite (kills, faults, the bad-input corpus) runs on its own, as
    // `npm run test:reliability` (vitest.reliability.config.ts); .ci/run runs both.
    exclude: ['test/reliability/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Postgres and DuckDB suites start servers and files of their own; forks isolate native handles.
    pool: 'forks',
    // Both cores: test files run two at a time (each in its own process). The slow shared setup
    // (sandbox exports, loaded warehouses) is built once per run: see test/support/run-cache.ts.
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
