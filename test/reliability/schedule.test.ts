/**
 * `plumbline schedule` in this process, with a fast cron (every second) and a slow pipeline (a
 * test stage that takes its time): runs of one scheduler never overlap (meta.runs start and
 * end), an overlapping tick is skipped and logged; a second process is refused by the lock while
 * a scheduled run holds it; and a tick that finds another process holding the warehouse waits
 * lock.wait_seconds, logs the holder, and the scheduler goes on to the next tick; between runs the
 * DuckDB file is closed. On both backends.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stepResult } from '../../lib/stage.ts';
import type { StageResult } from '../../lib/stage.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { metaDb } from '../../load/meta-database.ts';
import type { PipelineEntry } from '../../scheduler/pipeline.ts';
import { createRunContext } from '../../scheduler/run-context.ts';
import { startScheduler } from '../../scheduler/schedule.ts';
import type { Scheduler } from '../../scheduler/schedule.ts';
import { spawnCli } from '../support/cli.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const work = mkdtempSync(join(tmpdir(), 'plumbline-schedule-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface LogEvent {
  event: string;
  message: string;
  run_id?: string;
}

/** A load stage that only takes `ms` (stopping early when cancelled, or once `release` resolves) and stores one step. */
function slowPipeline(ms: number, release?: Promise<void>): PipelineEntry[] {
  return [
    {
      name: 'load',
      create: () => ({
        name: 'load',
        run: async (context): Promise<StageResult> => {
          const started = performance.now();
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            context.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
            void release?.then(() => (clearTimeout(timer), resolve()));
          });
          const seconds = (performance.now() - started) / 1000;
          const status = context.signal.aborted ? 'cancelled' : 'ok';
          const step = stepResult('test.slow', status, { rows: 1, seconds });
          await context.recordStep(step);
          return { stage: 'load', status, reason: null, seconds, counts: {}, errors: [], steps: [step] };
        },
      }),
    },
  ];
}

function configFile(name: string, settings: { cron: string; waitSeconds: number; runOnStart?: boolean }): string {
  const path = join(work, `${name}.yaml`);
  writeFileSync(
    path,
    `company:\n  time_zone: America/Chicago\nlock:\n  wait_seconds: ${settings.waitSeconds}\n` +
      `schedule:\n  cron: "${settings.cron}"\n  run_on_start: ${settings.runOnStart === true}\n`,
  );
  return path;
}

/** A scheduler in this process, its JSON log events collected. */
function schedule(location: string, config: string, pipeline: PipelineEntry[]): { scheduler: Scheduler; events: LogEvent[] } {
  const events: LogEvent[] = [];
  const context = createRunContext({ config, warehouse: location }, {}, { write: (line) => events.push(JSON.parse(line) as LogEvent), isTTY: false });
  return { scheduler: startScheduler({ context, stages: ['load'], pipeline }), events };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function storedRuns(location: string): Promise<{ run_id: string; status: string; trigger: string; started_at: Date; ended_at: Date | null }[]> {
  const warehouse: Warehouse = await openWarehouse(location);
  try {
    const rows = await metaDb(warehouse)
      .selectFrom('meta.runs')
      .select(['run_id', 'status', 'trigger', 'started_at', 'ended_at'])
      .orderBy('started_at')
      .execute();
    return rows.map((r) => ({ ...r, started_at: new Date(r.started_at), ended_at: r.ended_at === null ? null : new Date(r.ended_at) }));
  } finally {
    await warehouse.close();
  }
}

describeEachWarehouse('plumbline schedule', (factory) => {
  afterAll(() => factory.cleanup());

  it('every second with a 1.5 s run: the runs never overlap, the ticks in between are skipped and logged', async () => {
    const location = await factory.newLocation();
    const { scheduler, events } = schedule(location, configFile(`overlap-${factory.kind}`, { cron: '* * * * * *', waitSeconds: 5 }), slowPipeline(1500));
    await until(() => scheduler.ticks.length >= 3, 'three runs');
    await scheduler.stop();
    expect(await scheduler.done).toBe(0);

    expect(scheduler.ticks.every((t) => t.result === 'ok')).toBe(true);
    expect(events.filter((e) => e.event === 'schedule.overlap').length).toBeGreaterThan(0);
    // Each tick logs its start and its end with the run id, the result and the milliseconds.
    for (const tick of scheduler.ticks) {
      expect(events.find((e) => e.event === 'schedule.tick' && e.run_id === tick.runId)).toBeDefined();
      expect(events.find((e) => e.event === 'schedule.tick.end' && e.run_id === tick.runId)).toMatchObject({ result: 'ok', ms: tick.ms });
      expect(tick.ms).toBeGreaterThanOrEqual(1500);
    }
    const runs = await storedRuns(location);
    expect(runs.map((r) => r.run_id)).toEqual(scheduler.ticks.map((t) => t.runId));
    expect(runs.every((r) => r.status === 'ok' && r.trigger === 'schedule')).toBe(true);
    for (let i = 1; i < runs.length; i += 1) {
      expect(runs[i]!.started_at.getTime(), `run ${i} starts after run ${i - 1} ended`).toBeGreaterThanOrEqual(runs[i - 1]!.ended_at!.getTime());
      expect(runs[i - 1]!.ended_at!.getTime() - runs[i - 1]!.started_at.getTime()).toBeGreaterThanOrEqual(1400);
    }
  }, 60_000);

  it('a second process is refused by the lock while a scheduled run holds the warehouse, naming that run', async () => {
    const location = await factory.newLocation();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { scheduler, events } = schedule(
      location,
      configFile(`refuse-${factory.kind}`, { cron: '0 2 * * *', waitSeconds: 5, runOnStart: true }),
      slowPipeline(40_000, released),
    );
    try {
      await until(() => events.some((e) => e.event === 'run.start'), 'the scheduled run to start');
      const runId = events.find((e) => e.event === 'run.start')!.run_id!;
      const second = await spawnCli(
        ['run', '--stages', 'models', '--warehouse', location, '--config', configFile(`second-${factory.kind}`, { cron: '0 2 * * *', waitSeconds: 1 })],
        {
          cwd: work,
        },
      );
      expect(second.code, second.stderr).toBe(1);
      const pattern = `another run \\(pid ${process.pid}, host ${hostname()}, started \\d{4}-\\d{2}-\\d{2}T[^)]*\\) holds the warehouse`;
      // DuckDB names the run from its lock note; Postgres from the lock's session.
      expect(second.stderr).toMatch(new RegExp(factory.kind === 'duckdb' ? `${pattern} \\(run ${runId}\\)` : pattern));
    } finally {
      release();
      await scheduler.stop();
    }
    expect(scheduler.ticks.map((t) => t.result)).toEqual(['ok']);
  }, 60_000);

  it('a tick that finds another process holding the warehouse waits lock.wait_seconds, logs the holder, and the next tick runs', async () => {
    const location = await factory.newLocation();
    await openWarehouse(location).then((w) => w.close());
    const holder = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-run-lock-child.ts', location], { stdio: ['pipe', 'pipe', 'inherit'] });
    let held = false;
    holder.stdout.on('data', (d: Buffer) => (held ||= d.toString().includes('held')));
    await until(() => held, 'the other process to take the lock');
    const { scheduler, events } = schedule(location, configFile(`held-${factory.kind}`, { cron: '* * * * * *', waitSeconds: 1 }), slowPipeline(100));
    try {
      await until(() => scheduler.ticks.some((t) => t.result === 'held'), 'a refused tick');
      const refused = events.find((e) => e.event === 'schedule.held');
      expect(refused?.message).toMatch(
        new RegExp(`^Tick skipped: another run \\(pid ${holder.pid}, host ${hostname()}, started [^)]+\\) holds the warehouse.*waited 1s`),
      );
      expect(refused?.message).toMatch(/The scheduler tries again at the next tick\.$/);
      holder.stdin.end();
      await until(() => scheduler.ticks.some((t) => t.result === 'ok'), 'a run once the other process let go');
    } finally {
      holder.stdin.end();
      await scheduler.stop();
    }
    const results = scheduler.ticks.map((t) => t.result);
    expect(results.indexOf('held')).toBeLessThan(results.indexOf('ok'));
    expect(new Set(results)).toEqual(new Set(['held', 'ok']));
    const runs = await storedRuns(location);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.status === 'ok' && r.trigger === 'schedule')).toBe(true);
  }, 90_000);

  if (factory.kind === 'duckdb')
    it('between runs the DuckDB file is closed: another process opens it for writing at once', async () => {
      const location = await factory.newLocation();
      const { scheduler } = schedule(location, configFile('between', { cron: '0 2 * * *', waitSeconds: 5, runOnStart: true }), slowPipeline(100));
      try {
        await until(() => scheduler.ticks.length === 1, 'the first run to end');
        expect(scheduler.ticks[0]!.result).toBe('ok');
        // The child opens the file with no wait: it fails at once if the scheduler still holds it.
        const other = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-run-lock-child.ts', location], { stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        other.stdout.on('data', (d: Buffer) => (output += d.toString()));
        other.stderr.on('data', (d: Buffer) => (output += d.toString()));
        const exited = new Promise((resolve) => other.once('close', resolve));
        await until(() => output.includes('held') || other.exitCode !== null, 'the other process to open the warehouse');
        expect(output).toContain('held');
        other.stdin.end();
        await exited;
      } finally {
        await scheduler.stop();
      }
    }, 60_000);
});
