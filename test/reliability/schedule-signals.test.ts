/**
 * The real `plumbline schedule` process stopped by a signal: SIGTERM during a run cancels its
 * stage (the open load rolls back), stores the run cancelled, releases the lock and exits 143;
 * SIGTERM between runs exits 0 at once. On both backends.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroundTruth } from '../../sandbox/index.ts';
import { openWarehouse } from '../../load/index.ts';
import { metaDb } from '../../load/meta-database.ts';
import { acquireRunLock, duckDbLockNotePath } from '../../load/run-lock.ts';
import { PLUMBLINE_BIN } from '../support/cli.ts';
import { removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const work = mkdtempSync(join(tmpdir(), 'plumbline-schedule-signals-'));
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
  seconds: number;
  events: { event: string; message: string; run_id?: string }[];
}

/** Starts `plumbline schedule`; sends SIGTERM when a stderr line matches `when`. */
function plumblineSchedule(warehouse: string, runOnStart: boolean, when: RegExp): Promise<Finished> {
  const config = join(work, `schedule-${String(runOnStart)}.yaml`);
  writeFileSync(config, `company:\n  time_zone: ${truth.timeZone}\nschedule:\n  cron: "0 2 * * *"\n  run_on_start: ${String(runOnStart)}\n`);
  const args = [PLUMBLINE_BIN, 'schedule', '--verbose', '--files', exportDir, '--company', truth.companyCode, '--warehouse', warehouse, '--config', config];
  const child = spawn(process.execPath, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sentAt = 0;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!sentAt && when.test(stderr)) {
      sentAt = performance.now();
      child.kill('SIGTERM');
    }
  });
  return new Promise((done) =>
    child.once('close', (code) => {
      const events = stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Finished['events'][number]);
      done({ code, seconds: (performance.now() - sentAt) / 1000, events });
    }),
  );
}

describeEachWarehouse('plumbline schedule stopped by a signal', (factory) => {
  afterAll(() => factory.cleanup());

  it('SIGTERM during a run: the run is stored cancelled, the lock released, exit 143', async () => {
    const location = await factory.newLocation();
    const run = await plumblineSchedule(location, true, /"event":"load\.start","message":"buildops\.jobs: loading/);
    expect(run.code, JSON.stringify(run.events.slice(-3))).toBe(143);
    const names = run.events.map((e) => e.event);
    expect(names).toContain('run.cancelling');
    expect(names.slice(-2)).toEqual(['schedule.tick.end', 'schedule.stop']);
    const runId = run.events.find((e) => e.event === 'schedule.tick')!.run_id;
    expect(run.events.find((e) => e.event === 'schedule.tick.end')).toMatchObject({ run_id: runId, result: 'cancelled' });
    const warehouse = await openWarehouse(location);
    try {
      const runs = await metaDb(warehouse).selectFrom('meta.runs').selectAll().execute();
      expect(runs.map((r) => [r.run_id, r.status, r.trigger])).toEqual([[runId, 'cancelled', 'schedule']]);
      expect(runs[0]!.message).toMatch(/^Cancelled by SIGTERM during the load stage/);
      // The lock was let go: another run takes it at once.
      if (factory.kind === 'duckdb') expect(existsSync(duckDbLockNotePath(location))).toBe(false);
      const lock = await acquireRunLock(warehouse, location, { waitSeconds: 0 });
      await lock.release();
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('SIGTERM between runs: exit 0 at once, nothing run', async () => {
    const location = await factory.newLocation();
    const run = await plumblineSchedule(location, false, /"event":"schedule\.start"/);
    expect(run.code).toBe(0);
    expect(run.seconds).toBeLessThan(5);
    expect(run.events.map((e) => e.event)).toEqual(['schedule.start', 'schedule.stop']);
  }, 60_000);
});
