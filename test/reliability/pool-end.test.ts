/** Issue 11: every command ends its pools — a Postgres `sql "select 1"` exits at once. */
import { afterAll, expect, it } from 'vitest';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { plumbline } from './helpers.ts';

describeEachWarehouse('every command ends its pools', (factory) => {
  afterAll(() => factory.cleanup());

  it('sql "select 1" exits within a few seconds of its answer', async () => {
    const location = await factory.newLocation();
    const warmup = await plumbline(['run', '--stages', 'models', '--warehouse', location]);
    // Nothing is configured: the run fails for having done nothing, after making the warehouse.
    expect(warmup.stderr).toContain('nothing ran');
    const result = await plumbline(['sql', 'select 1 as one', '--warehouse', location]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/one/);
    // The idle pool used to keep the process alive for its 10 s idle timeout.
    expect(result.seconds).toBeLessThan(6);
  });
});
