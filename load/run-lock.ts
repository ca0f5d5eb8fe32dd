/**
 * The warehouse lock a run holds from start to end, so two runs (a cron run and a manual one,
 * or two schedulers) never load at once: on Postgres a session advisory lock held on a
 * connection of its own; on DuckDB the file's writer lock, which the run already holds by
 * having the file open, plus a note beside the file saying which run holds it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { PlumblineError, TransientError, errorMessage } from '../lib/errors.ts';
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
}

/** Who holds a run lock: a plumbline process and when its run started. */
export interface RunLockHolder {
  pid: number;
  started: string;
}

// One advisory lock key (two int4 halves, "plum" "line") per database.
const LOCK_KEY = [0x706c756d, 0x6c696e65] as const;
const APP_PREFIX = 'plumbline run';

/** Takes the run lock of the warehouse at `location` (already opened as `warehouse`), waiting up to `waitSeconds`. */
export async function acquireRunLock(warehouse: Warehouse, location: string, options: RunLockOptions): Promise<RunLock> {
  const holder: RunLockHolder = { pid: process.pid, started: new Date().toISOString() };
  if (warehouse.kind === 'postgres') return acquirePostgresLock(location, holder, options);
  return acquireDuckDbLock(location, holder);
}

/** The message when another run holds the warehouse. */
export function heldMessage(holder: RunLockHolder | null, waitedSeconds: number): string {
  const who = holder ? `another run (pid ${holder.pid}, started ${holder.started})` : 'another run';
  return `${who} holds the warehouse; waited ${waitedSeconds}s (lock.wait_seconds). Let it finish, or stop it, then run again.`;
}

async function acquirePostgresLock(url: string, holder: RunLockHolder, options: RunLockOptions): Promise<RunLock> {
  // A connection of its own: the lock lives as long as this session, whatever the pool does;
  // if the process dies, Postgres ends the session and the lock with it.
  const client = new pg.Client({ connectionString: url, application_name: `${APP_PREFIX} pid=${holder.pid} started=${holder.started}` });
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

async function postgresHolder(client: pg.Client): Promise<RunLockHolder | null> {
  const { rows } = await client.query<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [...LOCK_KEY],
  );
  const match = /pid=(\d+) started=(\S+)/.exec(rows[0]?.application_name ?? '');
  return match ? { pid: Number(match[1]), started: match[2]! } : null;
}

/** The note beside a DuckDB file naming the run that holds it. */
export function duckDbLockNotePath(path: string): string {
  return `${path}.run-lock.json`;
}

/** The run named in a DuckDB file's lock note, when that process is still alive. */
export function duckDbLockHolder(path: string): RunLockHolder | null {
  const note = duckDbLockNotePath(path);
  if (!existsSync(note)) return null;
  try {
    const holder = JSON.parse(readFileSync(note, 'utf8')) as RunLockHolder;
    process.kill(holder.pid, 0); // throws when the process is gone: a note left by a killed run
    return holder;
  } catch {
    return null;
  }
}

async function acquireDuckDbLock(path: string, holder: RunLockHolder): Promise<RunLock> {
  // The open warehouse already holds DuckDB's writer lock (opening it waited for any other
  // writer); the note only says who holds it, for the message another run prints.
  if (path === ':memory:') return { release: async () => undefined };
  const note = duckDbLockNotePath(path);
  writeFileSync(note, JSON.stringify(holder));
  return { release: async () => rmSync(note, { force: true }) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
