/**
 * `plumbline schedule` SIGKILLed mid-stage (no chance to clean up): the next scheduled run takes
 * over the lock it left, marks the killed run abandoned, and leaves the warehouse equal to an
 * uninterrupted scheduled run's (every mart compared). On both backends.
 */
import { martContents } from '../support/mart-contents.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroundTruth } from '../../sandbox/index.ts';
import { openWarehouse } from '../../load/index.ts';
import { metaDb } from '../../load/meta-database.ts';
import { duckDbLockNotePath } from '../../load/run-lock.ts';
import { removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { BIN } from './helpers.ts';

const work = mkdtempSync(join(tmpdir(), 'plumbline-schedule-kill-'));
let exportDir: string;
let truth: GroundTruth;

beforeAll(async () => {
  ({ dir: exportDir, truth } = await sandboxExport(2, 'tiny'));
}, 120_000);
afterAll(() => {
  removeSandboxExports();
  rmSync(work, { recursive: true, force: true });
});

interface Event {
  event: string;
  message: string;
  run_id?: string;
}

/**
 * Runs `plumbline schedule` with run_on_start; SIGKILLs it as buildops.jobs starts loading
 * (`kill`), or else SIGTERMs it once its first run has ended (between runs: exit 0).
 */
function scheduleOnce(warehouse: string, kill: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; pid: number; events: Event[] }> {
  const config = join(work, 'schedule.yaml');
  writeFileSync(config, `company:\n  time_zone: ${truth.timeZone}\nschedule:\n  cron: "0 2 * * *"\n  run_on_start: true\n`);
  const args = [
    BIN,
    'schedule',
    '--verbose',
    '--stages',
    'load,models',
    '--files',
    exportDir,
    '--company',
    truth.companyCode,
    '--warehouse',
    warehouse,
    '--config',
    config,
  ];
  const child = spawn(process.execPath, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (sent) return;
    const due = kill ? /"event":"load\.start","message":"buildops\.jobs: loading/.test(stderr) : stderr.includes('"event":"schedule.tick.end"');
    if (due) {
      sent = true;
      child.kill(kill ? 'SIGKILL' : 'SIGTERM');
    }
  });
  return new Promise((done) =>
    child.once('close', (code, signal) =>
      done({
        code,
        signal,
        pid: child.pid!,
        events: stderr
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Event),
      }),
    ),
  );
}

describeEachWarehouse('plumbline schedule SIGKILLed mid-stage', (factory) => {
  afterAll(() => factory.cleanup());

  it('the next scheduled run takes over the lock, marks the killed run abandoned and converges to an uninterrupted run', async () => {
    const location = await factory.newLocation();
    const killed = await scheduleOnce(location, true);
    expect(killed.signal).toBe('SIGKILL');
    const killedRunId = killed.events.find((e) => e.event === 'schedule.tick')!.run_id!;
    if (factory.kind === 'duckdb')
      expect(JSON.parse(readFileSync(duckDbLockNotePath(location), 'utf8'))).toMatchObject({ runId: killedRunId, pid: killed.pid });

    const next = await scheduleOnce(location, false);
    expect(next.code, JSON.stringify(next.events.slice(-3))).toBe(0);
    expect(next.events.find((e) => e.event === 'run.abandoned')?.message).toMatch(
      new RegExp(`^Run ${killedRunId} was left running by a process that ended; marked abandoned`),
    );
    if (factory.kind === 'duckdb')
      expect(next.events.find((e) => e.event === 'lock.takeover')?.message).toBe(
        `Taking over the warehouse lock of run ${killedRunId} (pid ${killed.pid}, host ${hostname()}): its process ${killed.pid} on ${hostname()} is gone`,
      );
    expect(next.events.find((e) => e.event === 'schedule.tick.end')).toMatchObject({ result: 'ok' });

    const clean = await factory.newLocation();
    expect((await scheduleOnce(clean, false)).code).toBe(0);

    const warehouse = await openWarehouse(location);
    const reference = await openWarehouse(clean);
    try {
      const runs = await metaDb(warehouse).selectFrom('meta.runs').select(['run_id', 'status', 'trigger']).orderBy('started_at').execute();
      expect(runs.map((r) => [r.status, r.trigger])).toEqual([
        ['abandoned', 'schedule'],
        ['ok', 'schedule'],
      ]);
      expect(runs[0]!.run_id).toBe(killedRunId);
      const marts = await martContents(warehouse);
      expect(Object.keys(marts).length).toBeGreaterThan(5);
      expect(marts).toEqual(await martContents(reference));
    } finally {
      await warehouse.close();
      await reference.close();
    }
  }, 400_000);
});
