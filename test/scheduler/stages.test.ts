/**
 * The stage contract on both backends: each status a stage can end with (ok, failed, skipped,
 * partial, cancelled), steps stored in meta.run_steps as they end, a source-wide failure that
 * stops its source with one message, and the pipeline's rule that a run which did nothing fails.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { LoadBatch, Resource, TableSpec } from '../../extract/types.ts';
import { TerminalError } from '../../lib/errors.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { StageContext, StageResult } from '../../lib/stage.ts';
import { metaDb } from '../../load/meta-database.ts';
import { recordStep, runSteps, startRun } from '../../load/run-history.ts';
import { loadStage } from '../../load/stage.ts';
import type { Warehouse } from '../../load/types.ts';
import { newLoadId } from '../../load/sql-warehouse.ts';
import { configSchema } from '../../scheduler/config.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { modelVars, parseStages, runPipeline } from '../../scheduler/pipeline.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import { modelsStage } from '../../transform/stage.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const AS_OF = '2026-11-15';
const config = () => ({ ...configSchema.parse({ company: { code: '1', time_zone: 'America/Chicago' } }), baseDir: process.cwd(), file: null });

function table(source: string, name: string): TableSpec {
  return {
    schema: 'raw',
    name: `${source}__${name}`,
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'varchar' },
      { name: 'amount', type: 'decimal(18,2)' },
    ],
  };
}

/** A resource yielding `batches` batches of two rows; `before(i)` runs before batch i (to throw, or to abort). */
function fakeResource(source: string, name: string, batches = 2, before: (i: number) => void | Promise<void> = () => undefined): Resource {
  const spec = table(source, name);
  return {
    source,
    name,
    tables: [spec],
    mode: 'merge',
    async *extract(): AsyncIterable<LoadBatch> {
      for (let i = 0; i < batches; i++) {
        await before(i);
        yield { rows: { [spec.name]: [0, 1].map((k) => ({ id: `${name}-${i}-${k}`, amount: '1.50' })) }, state: { batch: i } };
      }
    },
  };
}

const failing = (message: string, scope: 'resource' | 'source') => () => {
  throw new TerminalError(message, { scope, fix: 'Check the password in SPECTRUM_SQL_PASSWORD.', context: { source: 'alpha' } });
};

describeEachWarehouse('stages', (factory) => {
  afterAll(() => factory.cleanup());

  /** Runs a stage as the pipeline does: a stored run, each step stored as it ends. */
  async function runStage(
    warehouse: Warehouse,
    stage: { run(c: StageContext<Warehouse>): Promise<StageResult> },
    signal = new AbortController().signal,
  ): Promise<{ runId: string; result: StageResult }> {
    const runId = newLoadId();
    await startRun(warehouse, { runId, trigger: 'manual', asOf: AS_OF, companyCode: '1', plumblineVersion: 'test', stages: ['load'], startedAt: new Date() });
    const context: StageContext<Warehouse> = {
      runId,
      warehouse,
      logger: silentLogger,
      asOf: AS_OF,
      companyCode: '1',
      signal,
      earlier: new Map(),
      recordStep: (step) => recordStep(warehouse, runId, 'load', step),
    };
    return { runId, result: await stage.run(context) };
  }

  const sources =
    (...resources: Resource[]) =>
    async () => ({ resources, close: async () => undefined });

  it('load: ok, each step stored as it ends (the second resource sees the first one stored)', async () => {
    const warehouse = await factory.open();
    try {
      let seenBySecond: string[] = [];
      const second = fakeResource('alpha', 'second', 1, async () => {
        const stored = await metaDb(warehouse).selectFrom('meta.run_steps').select(['step', 'status', 'rows']).execute();
        seenBySecond = stored.map((s) => `${s.step}:${s.status}:${s.rows}`);
      });
      const { result } = await runStage(warehouse, loadStage({ openSources: sources(fakeResource('alpha', 'first'), second) }));
      expect(result.status).toBe('ok');
      expect(result.steps.map((s) => [s.name, s.status, s.rows])).toEqual([
        ['alpha.first', 'ok', 4],
        ['alpha.second', 'ok', 2],
      ]);
      expect(seenBySecond).toEqual(['alpha.first:ok:4']);
    } finally {
      await warehouse.close();
    }
  });

  it('load: failed (the only resource fails), partial (one of two), with structured errors stored', async () => {
    const warehouse = await factory.open();
    try {
      const failed = await runStage(warehouse, loadStage({ openSources: sources(fakeResource('alpha', 'bad', 2, failing('Login failed', 'resource'))) }));
      expect(failed.result.status).toBe('failed');
      expect(failed.result.errors).toMatchObject([{ kind: 'terminal', message: 'Login failed', fix: 'Check the password in SPECTRUM_SQL_PASSWORD.' }]);
      const stored = await runSteps(warehouse, failed.runId);
      expect(stored.map((s) => [s.step, s.status, s.error_kind, s.message, s.fix])).toEqual([
        ['alpha.bad', 'failed', 'terminal', 'Login failed', 'Check the password in SPECTRUM_SQL_PASSWORD.'],
      ]);

      const partial = await runStage(
        warehouse,
        loadStage({ openSources: sources(fakeResource('alpha', 'good'), fakeResource('alpha', 'bad', 2, failing('Timeout', 'resource'))) }),
      );
      expect(partial.result.status).toBe('partial');
      expect(partial.result.steps.map((s) => s.status)).toEqual(['ok', 'failed']);
    } finally {
      await warehouse.close();
    }
  });

  it('load: a failure whose scope is the source stops that source with one reason; other sources go on', async () => {
    const warehouse = await factory.open();
    try {
      const { result, runId } = await runStage(
        warehouse,
        loadStage({
          openSources: sources(
            fakeResource('alpha', 'one', 1, failing('Login failed for user plumbline_ro', 'source')),
            fakeResource('alpha', 'two'),
            fakeResource('alpha', 'three'),
            fakeResource('beta', 'four'),
          ),
        }),
      );
      expect(result.status).toBe('partial');
      expect(result.errors).toHaveLength(1); // one message, not one per resource
      expect(result.steps.map((s) => [s.name, s.status])).toEqual([
        ['alpha.one', 'failed'],
        ['alpha.two', 'skipped'],
        ['alpha.three', 'skipped'],
        ['beta.four', 'ok'],
      ]);
      const reasons = new Set(result.steps.filter((s) => s.status === 'skipped').map((s) => s.reason));
      expect([...reasons]).toEqual([
        'not tried: alpha stopped at alpha.one: Login failed for user plumbline_ro — Check the password in SPECTRUM_SQL_PASSWORD.',
      ]);
      expect((await warehouse.listRelations('raw')).map((r) => r.name)).toEqual(['beta__four']);
      expect((await runSteps(warehouse, runId)).filter((s) => s.status === 'skipped')).toHaveLength(2);
    } finally {
      await warehouse.close();
    }
  });

  it('load: a source with two lanes loads two of its resources at once after its first, steps in order; a source failure of the first still skips the rest', async () => {
    const warehouse = await factory.open();
    try {
      // Each resource of alpha after the first waits inside its load until another one is loading too.
      let loading = 0;
      let most = 0;
      const waitForCompany = async () => {
        loading++;
        most = Math.max(most, loading);
        for (let waited = 0; loading < 2 && waited < 100; waited++) await new Promise((r) => setTimeout(r, 10));
      };
      const overlapping = (name: string) => {
        const resource = fakeResource('alpha', name, 1, waitForCompany);
        const extract = resource.extract.bind(resource);
        return {
          ...resource,
          async *extract(state: unknown, context: Parameters<Resource['extract']>[1]) {
            try {
              yield* extract(state, context);
            } finally {
              loading--;
            }
          },
        };
      };
      const lanes =
        (...resources: Resource[]) =>
        async () => ({ resources, lanes: { alpha: 2 }, close: async () => undefined });
      const { result } = await runStage(
        warehouse,
        loadStage({ openSources: lanes(fakeResource('alpha', 'first'), overlapping('two'), overlapping('three'), overlapping('four'), overlapping('five')) }),
      );
      expect(result.status).toBe('ok');
      expect(most).toBe(2);
      expect(result.steps.map((s) => [s.name, s.status])).toEqual([
        ['alpha.first', 'ok'],
        ['alpha.two', 'ok'],
        ['alpha.three', 'ok'],
        ['alpha.four', 'ok'],
        ['alpha.five', 'ok'],
      ]);

      const stopped = await runStage(
        warehouse,
        loadStage({
          openSources: lanes(
            fakeResource('alpha', 'one', 1, failing('Login failed for user plumbline_ro', 'source')),
            fakeResource('alpha', 'two'),
            fakeResource('alpha', 'three'),
          ),
        }),
      );
      expect(stopped.result.errors).toHaveLength(1);
      expect(stopped.result.steps.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped']);
    } finally {
      await warehouse.close();
    }
  });

  it('load: cancelled mid-resource rolls that load back (no partial rows) and says so in meta.loads', async () => {
    const warehouse = await factory.open();
    try {
      const controller = new AbortController();
      // The abort fires after the first batch of `big` was staged: its load must leave nothing.
      const big = fakeResource('alpha', 'big', 3, (i) => {
        if (i === 1) controller.abort();
      });
      const { result } = await runStage(
        warehouse,
        loadStage({ openSources: sources(fakeResource('alpha', 'small'), big, fakeResource('alpha', 'later')) }),
        controller.signal,
      );
      expect(result.status).toBe('cancelled');
      expect(result.steps.map((s) => [s.name, s.status])).toEqual([
        ['alpha.small', 'ok'],
        ['alpha.big', 'cancelled'],
      ]);
      expect(result.steps[1]!.error).toMatchObject({ name: 'CancelledError', message: 'Loading alpha big was cancelled and rolled back' });
      expect((await warehouse.listRelations('raw')).map((r) => r.name)).toEqual(['alpha__small']);
      const loads = await metaDb(warehouse).selectFrom('meta.loads').select(['resource', 'status']).orderBy('resource').execute();
      expect(loads).toEqual([
        { resource: 'big', status: 'cancelled' },
        { resource: 'small', status: 'loaded' },
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it('load: skipped when no source is configured (only the mapping files)', async () => {
    const warehouse = await factory.open();
    try {
      const { result } = await runStage(warehouse, loadStage({ openSources: sources(fakeResource('mappings', 'cost_code_map', 1)) }));
      expect(result.status).toBe('skipped');
      expect(result.reason).toBe('no source is configured: only the mapping files were read');
    } finally {
      await warehouse.close();
    }
  });

  it('models: skipped when every mart was skipped, cancelled when the signal fired, failed when a model fails', async () => {
    const warehouse = await factory.open();
    try {
      const stage = modelsStage({ modelsDirs: [PACKAGE_MODELS_DIR], vars: modelVars(config(), AS_OF) });
      const empty = await runStage(warehouse, stage);
      expect(empty.result.status).toBe('skipped');
      expect(empty.result.reason).toContain('every mart was skipped');

      const controller = new AbortController();
      controller.abort();
      const cancelled = await runStage(warehouse, stage, controller.signal);
      expect(cancelled.result.status).toBe('cancelled');
      expect(cancelled.result.steps).toEqual([]);

      const dir = mkdtempSync(join(tmpdir(), 'plumbline-models-'));
      mkdirSync(join(dir, 'marts'));
      writeFileSync(join(dir, 'marts', 'zz_broken.sql'), "-- grain: nothing\nselect cast('not a number' as integer) as n\n");
      const broken = await runStage(warehouse, modelsStage({ modelsDirs: [dir], vars: modelVars(config(), AS_OF) }));
      expect(broken.result.status).toBe('failed');
      expect(broken.result.steps.map((s) => [s.name, s.status])).toEqual([['marts.zz_broken', 'failed']]);
      expect(broken.result.errors[0]?.message).toMatch(/not a number/i);
    } finally {
      await warehouse.close();
    }
  });

  it('a run that did nothing fails with what is missing, and is stored so, stage by stage', async () => {
    const warehouse = await factory.open();
    try {
      const result = await runPipeline({
        warehouse,
        config: config(),
        secrets: loadSecrets({}),
        logger: silentLogger,
        asOf: AS_OF,
        stages: parseStages('extract,models'),
      });
      expect(result.ok).toBe(false);
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/^nothing ran: no source is configured.*plumbline init.*--files <dir>/);
      expect(result.stages.map((s) => [s.stage, s.status])).toEqual([
        ['load', 'skipped'],
        ['models', 'skipped'],
      ]);
      const [run] = await metaDb(warehouse).selectFrom('meta.runs').selectAll().where('run_id', '=', result.runId).execute();
      expect(run).toMatchObject({
        status: 'failed',
        stages: 'load,models',
        trigger: 'manual',
        as_of: AS_OF,
        company_code: '1',
        warehouse: warehouse.displayName,
      });
      expect(run!.message).toBe(result.message);
      expect(run!.ended_at).toBeInstanceOf(Date);
      const stageRows = (await runSteps(warehouse, result.runId)).filter((s) => s.step === null).map((s) => [s.stage, s.status]);
      expect(stageRows).toEqual([
        ['load', 'skipped'],
        ['models', 'skipped'],
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it('a run left running is abandoned by the next run: on DuckDB always, on Postgres only when its process on this host is gone', async () => {
    const warehouse = await factory.open();
    try {
      const left = (runId: string, host: string, pid: number) => ({
        run_id: runId,
        trigger: 'schedule',
        status: 'running',
        started_at: '2026-11-15 02:00:00',
        ended_at: null,
        as_of: AS_OF,
        company_code: '1',
        warehouse: warehouse.displayName,
        plumbline_version: '0.1.0',
        stages: 'load',
        message: null,
        host,
        pid,
      });
      // A pid that cannot be alive (above the kernel's maximum) on this host, and a run on another host.
      await metaDb(warehouse)
        .insertInto('meta.runs')
        .values([left('dead-here', hostname(), 2 ** 30), left('elsewhere', 'another-host.example', 1)])
        .execute();
      const result = await runPipeline({ warehouse, config: config(), secrets: loadSecrets({}), logger: silentLogger, asOf: AS_OF, stages: ['models'] });
      const runs = await metaDb(warehouse).selectFrom('meta.runs').select(['run_id', 'status', 'message']).orderBy('run_id').execute();
      const status = Object.fromEntries(runs.map((r) => [r.run_id, r.status]));
      expect(status['dead-here']).toBe('abandoned');
      expect(status['elsewhere']).toBe(factory.kind === 'duckdb' ? 'abandoned' : 'running');
      expect(status[result.runId]).toBe('failed'); // nothing loaded, every mart skipped
      expect(runs.find((r) => r.run_id === 'dead-here')!.message).toBe(
        'abandoned: its process ended without finishing; it had reached no step (it ended before its first step was stored)',
      );
    } finally {
      await warehouse.close();
    }
  });
});

it('--stages names the stages in run order; extract is load; unknown is bad usage', () => {
  expect(parseStages(undefined)).toEqual(['load', 'models', 'writeback', 'reports', 'notify']);
  expect(parseStages('reports,extract')).toEqual(['load', 'reports']);
  expect(parseStages('extract,load')).toEqual(['load']);
  expect(parseStages('reports,writeback')).toEqual(['writeback', 'reports']);
  expect(() => parseStages('transform')).toThrow(
    'unknown stage "transform"; stages are load, models, writeback, reports, notify (extract is another name for load)',
  );
});
