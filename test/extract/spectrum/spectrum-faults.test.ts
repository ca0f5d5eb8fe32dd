// Spectrum SQL failures mapped into the error model, against the sandbox's TDS server: an
// unreachable server and a wrong password stop the whole source at once with one message (and
// one login attempt); a deadlock and a connection dropped mid-response are retried and the
// table then loads exactly. The default retry policy is used where the time is the point.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSpectrumSqlResources, SPECTRUM_TABLE_NAMES } from '../../../extract/spectrum/index.ts';
import type { SpectrumSqlOptions } from '../../../extract/spectrum/index.ts';
import { PlumblineError, UnreachableError, errorWithFix } from '../../../lib/errors.ts';
import type { Warehouse } from '../../../load/index.ts';
import { closedPort, loadEach } from '../../support/fail-fast.ts';
import { describeEachWarehouse } from '../../support/warehouses.ts';
import { recordingLogger } from '../buildops/helpers.ts';
import { AS_OF, quarantineOf, sqlOptions, startSandbox, storeTotals, warehouseTotals } from './helpers.ts';
import type { Sandbox } from './helpers.ts';

let sandbox: Sandbox;
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  sandbox = await startSandbox(17);
});
afterAll(async () => {
  for (const close of closers) await close();
  await sandbox?.close();
});

function resources(options: SpectrumSqlOptions) {
  const sql = createSpectrumSqlResources(options);
  closers.push(sql.close);
  return sql.resources;
}

/** Options with the default retry policy (no test shortcuts). */
function defaultPolicy(overrides: Partial<SpectrumSqlOptions>): SpectrumSqlOptions {
  return { ...sqlOptions(sandbox, overrides), retry: undefined };
}

/** The one error every table failed with (the same object: the client remembered it). */
function theOneError(errors: Map<string, unknown>): PlumblineError {
  expect([...errors.keys()]).toEqual(SPECTRUM_TABLE_NAMES);
  expect(new Set(errors.values()).size).toBe(1);
  const [error] = errors.values();
  expect(error).toBeInstanceOf(PlumblineError);
  return error as PlumblineError;
}

describeEachWarehouse('spectrum SQL: what stops the source', (factory) => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await factory.open();
  });
  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  test('an unreachable server (DNS) fails every table in under 15 s, with one message naming the host and the fix', async () => {
    const { errors, seconds } = await loadEach(warehouse, resources(defaultPolicy({ server: 'spectrum-nowhere.invalid' })), AS_OF);
    process.stderr.write(`[fail-fast ${factory.kind}] Spectrum DNS failure: ${errors.size} tables failed in ${seconds.toFixed(2)} s (was 76 s)\n`);
    const error = theOneError(errors);
    expect(seconds).toBeLessThan(15);
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error.message).toMatch(
      /^Cannot reach Spectrum SQL Server at spectrum-nowhere\.invalid:\d+\/Spectrum: the host name (does not resolve|could not be resolved now) \(DNS\)$/,
    );
    expect(error.fix).toMatch(/^Check the host name in sources\.spectrum\.server and port \(spectrum-nowhere\.invalid\) for typos/);
    expect(error).toMatchObject({ kind: 'terminal', scope: 'source', context: { source: 'spectrum', resource: 'CR_CUSTOMER_MASTER_MC' } });
  });

  test('a server that refuses the connection fails every table in under 15 s, with one message', async () => {
    const port = await closedPort();
    const { errors, seconds } = await loadEach(warehouse, resources(defaultPolicy({ port })), AS_OF);
    process.stderr.write(`[fail-fast ${factory.kind}] Spectrum connection refused: ${errors.size} tables failed in ${seconds.toFixed(2)} s\n`);
    const error = theOneError(errors);
    expect(seconds).toBeLessThan(15);
    expect(errorWithFix(error)).toMatch(
      new RegExp(
        `^Cannot reach Spectrum SQL Server at 127\\.0\\.0\\.1:${port}/Spectrum: the host refused the connection .* — Check sources\\.spectrum\\.server and port .*firewall`,
      ),
    );
  });

  test('a wrong password: one login attempt for the 21 tables, one message with the fix, the password never shown', async () => {
    const before = { ...sandbox.servers.stats.spectrumSql };
    const { errors } = await loadEach(warehouse, resources(defaultPolicy({ password: 'not-the-Passw0rd' })), AS_OF);
    const error = theOneError(errors);
    expect(errorWithFix(error)).toMatch(/^Spectrum SQL login failed for user 'infolink_ro' at .* — Check SPECTRUM_SQL_USER and SPECTRUM_SQL_PASSWORD/);
    expect(errorWithFix(error)).not.toContain('not-the-Passw0rd');
    expect(error).toMatchObject({ kind: 'terminal', scope: 'source' });
    const after = sandbox.servers.stats.spectrumSql;
    expect({ logins: after.logins - before.logins, failed: after.failedLogins - before.failedLogins }).toEqual({ logins: 1, failed: 1 });
  });

  test('a database that cannot be opened (4060): one login attempt, terminal for the source', async () => {
    const before = sandbox.servers.stats.spectrumSql.logins;
    const { errors } = await loadEach(warehouse, resources(defaultPolicy({ database: 'Spectrum_Old' })), AS_OF);
    const error = theOneError(errors);
    expect(errorWithFix(error)).toMatch(/database 'Spectrum_Old' cannot be opened .* — Check sources\.spectrum\.database/);
    expect(sandbox.servers.stats.spectrumSql.logins - before).toBe(1);
  });
});

describeEachWarehouse('spectrum SQL: what is retried', (factory) => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await factory.open();
  });
  afterAll(async () => {
    sandbox.servers.faults.clear();
    await warehouse?.close();
    await factory.cleanup();
  });

  test('a deadlock victim (1205) is retried with the shared policy and the table then loads exactly', async () => {
    sandbox.servers.faults.set([
      {
        target: 'spectrum-sql',
        sqlContains: 'CR_OPEN_ITEM_MC',
        times: 1,
        action: {
          kind: 'sql-error',
          number: 1205,
          message:
            'Transaction (Process ID 57) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.',
        },
      },
    ]);
    const { logger, records } = recordingLogger();
    const table = resources({ ...sqlOptions(sandbox), logger }).filter((r) => r.name === 'CR_OPEN_ITEM_MC');
    const { errors } = await loadEach(warehouse, table, AS_OF, logger);
    expect(errors).toEqual(new Map());
    expect(sandbox.servers.faults.state()[0]).toMatchObject({ applied: 1 });
    expect(records.filter((r) => r.event === 'spectrum.sql.retry').map((r) => r.fields.reason)).toEqual([expect.stringMatching(/^SQL Server error 1205: /)]);
    expect(await warehouseTotals(warehouse, 'CR_OPEN_ITEM_MC')).toEqual(await storeTotals(sandbox.store, 'CR_OPEN_ITEM_MC'));
  });

  test('a connection dropped mid-response, after rows were handed on, rolls the load back and loads the table again', async () => {
    sandbox.servers.faults.set([
      { target: 'spectrum-sql', sqlContains: 'JC_TRANSACTION_HISTORY_MC', times: 1, action: { kind: 'drop', when: 'mid-response' } },
    ]);
    const { logger, records } = recordingLogger();
    // Small batches: the first ones reach the loader before the drop.
    const table = resources({ ...sqlOptions(sandbox), batchRows: 20, logger }).filter((r) => r.name === 'JC_TRANSACTION_HISTORY_MC');
    const { errors, results } = await loadEach(warehouse, table, AS_OF, logger);
    expect(errors).toEqual(new Map());
    expect(sandbox.servers.faults.state()[0]).toMatchObject({ applied: 1 });
    const retried = records.filter((r) => r.event === 'load.retry' || r.event === 'spectrum.sql.retry');
    expect(retried.map((r) => r.event)).toEqual(['load.retry']);
    expect(String(retried[0]!.fields.reason)).toMatch(/JC_TRANSACTION_HISTORY_MC .* was cut off after \d+ rows/);
    const expected = await storeTotals(sandbox.store, 'JC_TRANSACTION_HISTORY_MC');
    expect(results.get('JC_TRANSACTION_HISTORY_MC')!.rowsByTable.spectrum__jc_transaction_history_mc).toBe(expected.rows);
    expect(await warehouseTotals(warehouse, 'JC_TRANSACTION_HISTORY_MC')).toEqual(expected);
    expect(await quarantineOf(warehouse, 'JC_TRANSACTION_HISTORY_MC')).toEqual([]);
    // The history says so: one load failed and rolled back, the next one loaded.
    const loads = await warehouse.query<{ status: string }>(`SELECT status FROM meta.loads WHERE resource = 'JC_TRANSACTION_HISTORY_MC' ORDER BY started_at`);
    expect(loads.map((l) => l.status)).toEqual(['failed', 'loaded']);
  });
});

describe('spectrum SQL: cancellation', () => {
  test('an abort while a query is retried stops at once with a cancellation', async () => {
    sandbox.servers.faults.set([
      { target: 'spectrum-sql', sqlContains: 'GL_MASTER_MC', action: { kind: 'sql-error', number: 1205, message: 'deadlocked. Rerun the transaction.' } },
    ]);
    try {
      const [gl] = resources({ ...sqlOptions(sandbox), retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } }).filter((r) => r.name === 'GL_MASTER_MC');
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const t0 = performance.now();
      const error = await (async () => {
        for await (const _ of gl!.extract(undefined, { fullRefresh: false, asOf: AS_OF, signal: controller.signal }));
      })().catch((e: unknown) => e);
      expect((error as Error).name).toBe('CancelledError');
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      sandbox.servers.faults.clear();
    }
  });
});
