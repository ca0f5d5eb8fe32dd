/**
 * A real `plumbline run` from an export folder, interrupted: SIGTERM mid-load cancels it (the
 * open load rolls back, no partial rows, the run is stored as cancelled, exit 143); SIGKILL
 * leaves its run `running` (and on DuckDB its lock note), and the next run takes the lock over,
 * marks the run abandoned and converges to the same marts as a run that was never interrupted.
 * On both backends.
 */
import { martContents } from '../support/mart-contents.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroundTruth } from '../../sandbox/index.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { metaDb } from '../../load/meta-database.ts';
import { runSteps } from '../../load/run-history.ts';
import { duckDbLockNotePath } from '../../load/run-lock.ts';
import { removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const BIN = resolve('bin/plumbline.js');
const work = mkdtempSync(join(tmpdir(), 'plumbline-signals-'));
let exportDir: string;
let truth: GroundTruth;

beforeAll(async () => {
  ({ dir: exportDir, truth } = await sandboxExport(1, 'tiny'));
}, 120_000);
afterAll(() => {
  removeSandboxExports();
  rmSync(work, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  events: { event: string; message: string }[];
}

/**
 * Runs `plumbline run --files` into `warehouse`; when `interrupt` is given, sends it as the load of
 * buildops.jobs starts (the resources before it are loaded and stored; jobs, with its child tables,
 * is being loaded).
 */
function plumblineRun(warehouse: string, interrupt?: NodeJS.Signals, again = false): Promise<Finished> {
  const args = [BIN, 'run', '--verbose', '--files', exportDir, '--company', truth.companyCode, '--warehouse', warehouse, '--as-of', truth.asOf, '--json-logs'];
  const child = spawn(process.execPath, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (interrupt && !sent && /"event":"load\.start","message":"buildops\.jobs: loading/.test(stderr)) {
      sent = true;
      child.kill(interrupt);
    }
    if (again && sent && stderr.includes('"event":"run.cancelling"')) {
      again = false;
      child.kill(interrupt);
    }
  });
  return new Promise((done) =>
    child.once('close', (code, signal) => {
      const events = stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { event: string; message: string });
      done({ code, signal, stdout, events });
    }),
  );
}

/** After a first, interrupted run: every raw table holds exactly what a committed load of it recorded, nothing half-loaded. */
async function expectNoPartialRows(warehouse: Warehouse): Promise<void> {
  const loaded = await metaDb(warehouse).selectFrom('meta.loads').select(['resource', 'message']).where('status', '=', 'loaded').execute();
  const committed = new Map<string, number>();
  for (const load of loaded)
    for (const [table, rows] of Object.entries(JSON.parse(load.message ?? '{}') as Record<string, number>))
      committed.set(table, (committed.get(table) ?? 0) + rows);
  for (const { name } of await warehouse.listRelations('raw')) {
    const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from raw."${name}"`);
    // Each table here was loaded once (a first run): it holds exactly what its committed load recorded.
    expect(committed.has(name), `raw.${name} has no committed load`).toBe(true);
    expect(Number(row!.n), `raw.${name}`).toBe(committed.get(name));
  }
}

describeEachWarehouse('run interrupted by a signal', (factory) => {
  afterAll(() => factory.cleanup());

  it('SIGTERM mid-load: the open load rolls back, no partial rows, the run is stored as cancelled, exit 143', async () => {
    const location = await factory.newLocation();
    const run = await plumblineRun(location, 'SIGTERM');
    expect(run.code, JSON.stringify(run.events.slice(-3))).toBe(143);
    expect(run.events.map((e) => e.event)).toContain('run.cancelling');
    const warehouse = await openWarehouse(location);
    try {
      const runs = await metaDb(warehouse).selectFrom('meta.runs').selectAll().execute();
      expect(runs.map((r) => r.status)).toEqual(['cancelled']);
      expect(runs[0]!.message).toMatch(/^Cancelled by SIGTERM during the load stage/);
      expect(runs[0]!.ended_at).toBeInstanceOf(Date);
      const steps = await runSteps(warehouse, runs[0]!.run_id);
      expect(steps.filter((s) => s.step === null).map((s) => [s.stage, s.status])).toEqual([
        ['load', 'cancelled'],
        ['models', 'skipped'],
        ['writeback', 'skipped'],
        ['reports', 'skipped'],
        // The notices report on every run, a cancelled one too (here none is configured).
        ['notify', 'skipped'],
      ]);
      const loadSteps = steps.filter((s) => s.stage === 'load' && s.step !== null);
      expect(loadSteps[0]!.status).toBe('ok');
      // The sources load at once: the resource each was loading when the signal came (if any) is
      // cancelled — at most one per source — and left nothing.
      const cancelled = loadSteps.filter((s) => s.status === 'cancelled');
      const sourcesCancelled = cancelled.map((s) => s.step!.split('.')[0]);
      expect(new Set(sourcesCancelled).size).toBe(sourcesCancelled.length);
      const rawTables = (await warehouse.listRelations('raw')).map((r) => r.name);
      for (const step of cancelled) {
        const table = step.step!.replace('.', '__').replace(/-/g, '_').toLowerCase();
        const priorLoad = loadSteps.some((s) => s.status === 'ok' && s.step === step.step);
        if (!priorLoad) expect(rawTables.filter((t) => t === table)).toEqual([]);
      }
      expect(loadSteps.every((s) => s.status === 'ok' || s.status === 'cancelled')).toBe(true);
      await expectNoPartialRows(warehouse);
      expect(await warehouse.listRelations('marts')).toEqual([]);
    } finally {
      await warehouse.close();
    }
  }, 180_000);

  it('a second SIGTERM exits at once (143), leaving the run to be marked abandoned by the next one', async () => {
    const location = await factory.newLocation();
    const run = await plumblineRun(location, 'SIGTERM', true);
    expect(run.code).toBe(143);
    // The second signal usually lands while the first is being handled; if the cancelled run had already ended, it is stored so.
    const ended = run.events.some((e) => e.event === 'run.end');
    if (!ended) expect(run.stdout).toBe(''); // no results printed: it did not wait
    const warehouse = await openWarehouse(location);
    try {
      expect((await metaDb(warehouse).selectFrom('meta.runs').select('status').execute()).map((r) => r.status)).toEqual([ended ? 'cancelled' : 'running']);
      await expectNoPartialRows(warehouse);
    } finally {
      await warehouse.close();
    }
  }, 180_000);

  it('SIGKILL mid-load leaves the run running; the next run marks it abandoned and converges to the marts of an uninterrupted run', async () => {
    const location = await factory.newLocation();
    const killed = await plumblineRun(location, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    let warehouse = await openWarehouse(location);
    const killedRun = { runId: '', pid: 0 };
    try {
      const [left] = await metaDb(warehouse).selectFrom('meta.runs').selectAll().execute();
      expect(left!.status).toBe('running');
      expect(left!.ended_at).toBeNull();
      await expectNoPartialRows(warehouse);
      Object.assign(killedRun, { runId: left!.run_id, pid: Number(left!.pid) });
    } finally {
      await warehouse.close();
    }
    // DuckDB: the killed run's lock note is left behind, naming it (Postgres ended its lock with its session).
    if (factory.kind === 'duckdb') expect(JSON.parse(readFileSync(duckDbLockNotePath(location), 'utf8'))).toMatchObject(killedRun);

    const next = await plumblineRun(location);
    expect(next.code, JSON.stringify(next.events.slice(-3))).toBe(0);
    expect(next.events.find((e) => e.event === 'run.abandoned')?.message).toMatch(/marked abandoned \(it had reached load \S+/);
    if (factory.kind === 'duckdb')
      expect(next.events.find((e) => e.event === 'lock.takeover')?.message).toBe(
        `Taking over the warehouse lock of run ${killedRun.runId} (pid ${killedRun.pid}, host ${hostname()}): its process ${killedRun.pid} on ${hostname()} is gone`,
      );

    const clean = await factory.newLocation();
    const uninterrupted = await plumblineRun(clean);
    expect(uninterrupted.code).toBe(0);

    warehouse = await openWarehouse(location);
    const reference = await openWarehouse(clean);
    try {
      const runs = await metaDb(warehouse).selectFrom('meta.runs').select(['status', 'message', 'ended_at']).orderBy('started_at').execute();
      expect(runs.map((r) => r.status)).toEqual(['abandoned', 'ok']);
      expect(runs[0]!.message).toMatch(/^abandoned: its process ended without finishing; it had reached load \S+ \(ok; \d+ steps? stored\)$/);
      expect(runs[0]!.ended_at).toBeInstanceOf(Date);
      const marts = await martContents(warehouse);
      expect(Object.keys(marts).length).toBeGreaterThan(5);
      expect(marts).toEqual(await martContents(reference));
    } finally {
      await warehouse.close();
      await reference.close();
    }
  }, 300_000);
});
