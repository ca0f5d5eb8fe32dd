import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Postgres and DuckDB suites start servers and files of their own; forks isolate native handles.
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
  },
});
