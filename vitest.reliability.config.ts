import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/** The reliability suite alone (`npm run test:reliability`): the same setup, only test/reliability/. */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/reliability/**/*.test.ts'], exclude: ['node_modules/**'] },
});
