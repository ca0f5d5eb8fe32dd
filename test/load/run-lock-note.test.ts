/**
 * The DuckDB run lock's note: it names its owner (host, pid, run id, start) and carries a
 * heartbeat the holder renews; a note whose process is gone, or whose heartbeat is older than
 * lock.stale_seconds, is taken over (and logged); a fresh one held by a live process makes the
 * next run wait its bounded time and then name the holder.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { acquireRunLock, duckDbLockHolder, duckDbLockNotePath } from '../../load/run-lock.ts';
import type { RunLockHolder } from '../../load/run-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'plumbline-lock-note-'));
let warehouse: Warehouse;
let sleeper: ChildProcess;
let location = '';
let n = 0;

beforeAll(async () => {
  location = join(dir, 'warehouse.duckdb');
  warehouse = await openWarehouse(location);
  // A live process that is not this one, to stand for another run.
  sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
});
afterAll(async () => {
  sleeper.kill('SIGKILL');
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A note path of its own per test (the lock is keyed by the location). */
function freshLocation(): string {
  n += 1;
  return join(dir, `w${n}.duckdb`);
}

function note(path: string): RunLockHolder {
  return JSON.parse(readFileSync(duckDbLockNotePath(path), 'utf8')) as RunLockHolder;
}

function capture(): { events: { event: string; message: string }[]; logger: ReturnType<typeof createLogger> } {
  const events: { event: string; message: string }[] = [];
  const logger = createLogger({ format: 'json', write: (line) => events.push(JSON.parse(line) as { event: string; message: string }) });
  return { events, logger };
}

function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

describe('the DuckDB run lock note', () => {
  it('names its owner and renews its heartbeat while held; release removes it', async () => {
    const path = freshLocation();
    const lock = await acquireRunLock(warehouse, path, { waitSeconds: 0, runId: 'run-a', heartbeatMs: 100 });
    const first = note(path);
    expect(first).toMatchObject({ pid: process.pid, host: hostname(), runId: 'run-a' });
    expect(Date.parse(first.started)).toBeGreaterThan(Date.now() - 10_000);
    await new Promise((resolve) => setTimeout(resolve, 450));
    const later = note(path);
    expect(Date.parse(later.heartbeat!)).toBeGreaterThan(Date.parse(first.heartbeat!));
    expect(later.started).toBe(first.started);
    expect(duckDbLockHolder(path)).toMatchObject({ pid: process.pid, runId: 'run-a' });
    await lock.release();
    expect(existsSync(duckDbLockNotePath(path))).toBe(false);
  });

  it('takes over a note whose process is gone, and logs it', async () => {
    const path = freshLocation();
    const pid = deadPid();
    const now = new Date().toISOString();
    writeFileSync(duckDbLockNotePath(path), JSON.stringify({ pid, host: hostname(), started: now, runId: 'killed-run', heartbeat: now }));
    expect(duckDbLockHolder(path)).toBeNull();
    const { events, logger } = capture();
    const lock = await acquireRunLock(warehouse, path, { waitSeconds: 5, runId: 'run-b', logger });
    try {
      expect(note(path)).toMatchObject({ pid: process.pid, runId: 'run-b' });
      const takeover = events.find((e) => e.event === 'lock.takeover');
      expect(takeover?.message).toBe(
        `Taking over the warehouse lock of run killed-run (pid ${pid}, host ${hostname()}): its process ${pid} on ${hostname()} is gone`,
      );
    } finally {
      await lock.release();
    }
  });

  it('waits for a fresh note of a live process, then names it: pid, host, start and what to do', async () => {
    const path = freshLocation();
    const now = new Date().toISOString();
    writeFileSync(duckDbLockNotePath(path), JSON.stringify({ pid: sleeper.pid, host: hostname(), started: now, runId: 'other-run', heartbeat: now }));
    const started = performance.now();
    const error = await acquireRunLock(warehouse, path, { waitSeconds: 1, pollMs: 100, staleSeconds: 60 }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect((performance.now() - started) / 1000).toBeGreaterThan(0.9);
    expect(error?.message).toBe(
      `another run (pid ${sleeper.pid}, host ${hostname()}, started ${now}) holds the warehouse (run other-run); waited 1s (lock.wait_seconds). ` +
        `Let it finish, or stop it (SIGTERM to pid ${sleeper.pid} on ${hostname()} cancels it cleanly), then run again; a run that died is taken over once its lock is stale (lock.stale_seconds).`,
    );
    // Still theirs.
    expect(note(path).runId).toBe('other-run');
  });

  it('takes over a live process note whose heartbeat is older than lock.stale_seconds (a reused pid, a hung run, another host)', async () => {
    for (const host of [hostname(), 'another-host']) {
      const path = freshLocation();
      const old = new Date(Date.now() - 10 * 60_000).toISOString();
      writeFileSync(duckDbLockNotePath(path), JSON.stringify({ pid: sleeper.pid, host, started: old, runId: 'hung-run', heartbeat: old }));
      const { events, logger } = capture();
      const lock = await acquireRunLock(warehouse, path, { waitSeconds: 5, staleSeconds: 120, runId: 'run-c', logger });
      try {
        expect(note(path).runId).toBe('run-c');
        expect(events.find((e) => e.event === 'lock.takeover')?.message).toMatch(/: its heartbeat is 600s old \(lock\.stale_seconds 120\)$/);
      } finally {
        await lock.release();
      }
    }
  });

  it('a note of another host with a fresh heartbeat is respected (its pid cannot be checked from here)', async () => {
    const path = freshLocation();
    const now = new Date().toISOString();
    writeFileSync(duckDbLockNotePath(path), JSON.stringify({ pid: 1, host: 'another-host', started: now, runId: 'remote-run', heartbeat: now }));
    await expect(acquireRunLock(warehouse, path, { waitSeconds: 0 })).rejects.toThrow(
      /^another run \(pid 1, host another-host, started .*\) holds the warehouse \(run remote-run\)/,
    );
  });

  it('release leaves a note that is no longer its own', async () => {
    const path = freshLocation();
    const lock = await acquireRunLock(warehouse, path, { waitSeconds: 0, runId: 'run-d' });
    const now = new Date().toISOString();
    writeFileSync(duckDbLockNotePath(path), JSON.stringify({ pid: sleeper.pid, host: hostname(), started: now, runId: 'run-e', heartbeat: now }));
    await lock.release();
    expect(note(path).runId).toBe('run-e');
  });
});
