/**
 * The warehouse lock a run holds from start to end, so two runs (a cron run and a manual one,
 * or two schedulers, on one host or two) never load at once.
 *
 * - Postgres: a session advisory lock held on a connection of its own. If the process dies,
 *   Postgres ends the session and the lock with it: a Postgres lock is never stale. The holder
 *   is named by the connection's application_name (pid, host) and its session start.
 * - DuckDB: the file's own writer lock, which the run already holds by having the file open,
 *   plus a lock note beside the file (`<file>.run-lock.json`) naming the owner (host, pid, run
 *   id, start) with a heartbeat the holder rewrites every few seconds. A note whose heartbeat is
 *   older than `lock.stale_seconds`, or whose pid is dead on this host, was left by a run that is
 *   gone (SIGKILL, power cut): the next run takes it over and logs it.
 *
 * Why a note file and not a lock row in `meta`: while a run holds a DuckDB file, no other
 * process can open it at all (DuckDB has one writer process and a reader would need the file
 * lock too), so a row inside it could never be read by the run that is refused; it could not
 * say who holds the warehouse, which is the one thing the lock must say. A file beside the
 * warehouse can be read by anyone, at any time, without touching DuckDB's lock. Only a process
 * holding the DuckDB writer lock writes the note, so two processes on one host never race to
 * take it over; the heartbeat is what covers the rest: a pid reused by another program, or a
 * warehouse on a shared folder reached from two hosts.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type pg from 'pg';
import { PlumblineError, TransientError, errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Warehouse } from './types.ts';

/** A held run lock. */
export interface RunLock {
  release(): Promise<void>;
}

export interface RunLockOptions {
  /** How long to wait for another run to finish before giving up (seconds). */
  waitSeconds: number;
  /** How often to try again while waiting (default 500 ms). */
  pollMs?: number;
  /** DuckDB: a lock note whose heartbeat is older than this is taken over (seconds, default 120). */
  staleSeconds?: number;
  /** DuckDB: how often the holder rewrites its heartbeat (default a quarter of staleSeconds, at most 30 s). */
  heartbeatMs?: number;
  /** The run taking the lock, named in the note as its owner. */
  runId?: string;
  /** Where the takeover of a stale lock is logged. */
  logger?: Logger;
}

/** Who holds a run lock: a plumbline process, its host, its run and when it started. */
export interface RunLockHolder {
  pid: number;
  host: string;
  started: string;
  runId?: string | null;
  /** When the holder last said it is still going (DuckDB's note). */
  heartbeat?: string;
}

/** The default of lock.stale_seconds. */
export const DEFAULT_STALE_SECONDS = 120;

// One advisory lock key (two int4 halves, "plum" "line") per database.
const LOCK_KEY = [0x706c756d, 0x6c696e65] as const;
const APP_PREFIX = 'plumbline run';
// Postgres keeps the first 63 bytes of an application_name.
const APP_NAME_BYTES = 63;

/** Takes the run lock of the warehouse at `location` (already opened as `warehouse`), waiting up to `waitSeconds`. */
export async function acquireRunLock(warehouse: Warehouse, location: string, options: RunLockOptions): Promise<RunLock> {
  const now = new Date().toISOString();
  const holder: RunLockHolder = { pid: process.pid, host: hostname(), started: now, runId: options.runId ?? null, heartbeat: now };
  if (warehouse.kind === 'postgres') return acquirePostgresLock(location, holder, options);
  return acquireDuckDbLock(location, holder, options);
}

/** The message when another run holds the warehouse: who, and what to do. */
export function heldMessage(holder: RunLockHolder | null, waitedSeconds: number): string {
  const who = holder ? `another run (pid ${holder.pid}, host ${holder.host}, started ${holder.started})` : 'another run';
  const run = holder?.runId ? ` (run ${holder.runId})` : '';
  const stop = holder ? `stop it (SIGTERM to pid ${holder.pid} on ${holder.host} cancels it cleanly)` : 'stop it';
  return (
    `${who} holds the warehouse${run}; waited ${waitedSeconds}s (lock.wait_seconds). ` +
    `Let it finish, or ${stop}, then run again; a run that died is taken over once its lock is stale (lock.stale_seconds).`
  );
}

async function acquirePostgresLock(url: string, holder: RunLockHolder, options: RunLockOptions): Promise<RunLock> {
  // A connection of its own: the lock lives as long as this session, whatever the pool does;
  // if the process dies, Postgres ends the session and the lock with it.
  // Loaded on use (see bin/plumbline.js): only a Postgres warehouse needs the driver.
  const { default: postgres } = await import('pg');
  const client = new postgres.Client({ connectionString: url, application_name: postgresAppName(holder) });
  client.on('error', () => undefined);
  await client.connect();
  const deadline = Date.now() + options.waitSeconds * 1000;
  try {
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...LOCK_KEY]);
      if (rows[0]?.locked) break;
      if (Date.now() >= deadline) throw new TransientError(heldMessage(await postgresHolder(client), options.waitSeconds), { scope: 'run' });
      await sleep(Math.min(options.pollMs ?? 500, Math.max(0, deadline - Date.now())));
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error instanceof PlumblineError ? error : new PlumblineError(`Could not take the run lock: ${errorMessage(error)}`, { cause: error });
  }
  return {
    release: async () => {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [...LOCK_KEY]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** `plumbline run pid=<pid> host=<host>`, the host cut to what Postgres keeps. */
function postgresAppName(holder: RunLockHolder): string {
  const head = `${APP_PREFIX} pid=${holder.pid} host=`;
  let host = holder.host;
  while (Buffer.byteLength(head + host) > APP_NAME_BYTES) host = host.slice(0, -1);
  return head + host;
}

async function postgresHolder(client: pg.Client): Promise<RunLockHolder | null> {
  const { rows } = await client.query<{ application_name: string; backend_start: Date; client_addr: string | null }>(
    `SELECT a.application_name, a.backend_start, host(a.client_addr) AS client_addr
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [...LOCK_KEY],
  );
  const row = rows[0];
  const match = /pid=(\d+) host=(\S*)/.exec(row?.application_name ?? '');
  if (!row || !match) return null;
  // The lock's session opened as the run started: its start is the run's.
  return { pid: Number(match[1]), host: match[2] || row.client_addr || 'unknown', started: new Date(row.backend_start).toISOString() };
}

/** The note beside a DuckDB file naming the run that holds it. */
export function duckDbLockNotePath(path: string): string {
  return `${path}.run-lock.json`;
}

/** The notes this process holds (so a note naming this pid but not held here is an earlier one's). */
const heldHere = new Set<string>();

/** The run named in a DuckDB file's lock note, unless that note is stale (its run is gone). */
export function duckDbLockHolder(path: string, staleSeconds = DEFAULT_STALE_SECONDS): RunLockHolder | null {
  const note = duckDbLockNotePath(path);
  const holder = readNote(note);
  return holder && staleReason(note, holder, staleSeconds) === null ? holder : null;
}

/** Why a lock note no longer holds the warehouse, or null while its run is still going. */
export function staleReason(note: string, holder: RunLockHolder, staleSeconds: number, now = Date.now()): string | null {
  if (holder.host === hostname()) {
    if (holder.pid === process.pid && !heldHere.has(note)) return `its pid ${holder.pid} is this process, which does not hold it`;
    if (!processAlive(holder.pid)) return `its process ${holder.pid} on ${holder.host} is gone`;
  }
  const beat = Date.parse(holder.heartbeat ?? holder.started);
  if (Number.isNaN(beat)) return 'it has no heartbeat';
  const age = (now - beat) / 1000;
  if (age > staleSeconds) return `its heartbeat is ${Math.round(age)}s old (lock.stale_seconds ${staleSeconds})`;
  return null;
}

async function acquireDuckDbLock(path: string, holder: RunLockHolder, options: RunLockOptions): Promise<RunLock> {
  // The open warehouse already holds DuckDB's writer lock (opening it waited for any other
  // writer on this host); the note says who holds it, and guards the cases the file lock
  // does not (see the module header).
  if (path === ':memory:') return { release: async () => undefined };
  const note = duckDbLockNotePath(path);
  const staleSeconds = options.staleSeconds ?? DEFAULT_STALE_SECONDS;
  const deadline = Date.now() + options.waitSeconds * 1000;
  for (;;) {
    const current = readNote(note);
    if (current === null) break;
    const stale = staleReason(note, current, staleSeconds);
    if (stale !== null) {
      options.logger?.warn(
        'lock.takeover',
        `Taking over the warehouse lock of run ${current.runId ?? '(unknown)'} (pid ${current.pid}, host ${current.host}): ${stale}`,
        {
          holder: current,
          reason: stale,
        },
      );
      break;
    }
    if (Date.now() >= deadline) throw new TransientError(heldMessage(current, options.waitSeconds), { scope: 'run' });
    await sleep(Math.min(options.pollMs ?? 500, Math.max(0, deadline - Date.now())));
  }
  writeNote(note, holder);
  heldHere.add(note);
  const heartbeatMs = options.heartbeatMs ?? Math.min(30_000, (staleSeconds * 1000) / 4);
  const beat = setInterval(() => {
    // Rewritten only while it is still ours: a note someone took over is theirs.
    if (sameHolder(readNote(note), holder)) writeNote(note, { ...holder, heartbeat: new Date().toISOString() });
  }, heartbeatMs);
  beat.unref();
  return {
    release: async () => {
      clearInterval(beat);
      heldHere.delete(note);
      if (sameHolder(readNote(note), holder)) rmSync(note, { force: true });
    },
  };
}

function readNote(note: string): RunLockHolder | null {
  if (!existsSync(note)) return null;
  try {
    const value = JSON.parse(readFileSync(note, 'utf8')) as Partial<RunLockHolder>;
    return {
      pid: Number(value.pid),
      host: String(value.host ?? 'unknown'),
      started: String(value.started ?? ''),
      runId: value.runId ?? null,
      heartbeat: value.heartbeat,
    };
  } catch {
    // Unreadable (cut short by a crash while it was written the old way): no one can be said to hold it.
    return { pid: 0, host: 'unknown', started: '', runId: null };
  }
}

/** Writes the note whole or not at all (a reader never sees half a note). */
function writeNote(note: string, holder: RunLockHolder): void {
  const temporary = `${note}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(holder));
  renameSync(temporary, note);
}

function sameHolder(a: RunLockHolder | null, b: RunLockHolder): boolean {
  return a !== null && a.pid === b.pid && a.host === b.host && a.started === b.started;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
