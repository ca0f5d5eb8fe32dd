/**
 * The DuckDB backend: one file (or memory) per process, a small pool of connections on it,
 * the Appender for bulk loads, and a Kysely dialect over the same connections.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance as Instance } from '@duckdb/node-api';
import { CompiledQuery, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import { PlumblineError, TransientError, errorMessage } from '../../lib/errors.ts';
import { duckDbLockHolder, heldMessage } from '../run-lock.ts';
import type { Backend, BackendConnection } from '../backend.ts';
import { decimalParts } from '../row-values.ts';
import type { ColumnSpec, ColumnType, Row } from '../types.ts';
import { canonicalConverter, duckType, toDuckParameter, toDuckValue } from './values.ts';

const CHUNK_ROWS = 2048;

export interface DuckDbOptions {
  /** Path of the database file, or ':memory:'. */
  path: string;
  readOnly?: boolean;
  /** How long to wait for another process writing the file to let it go (default 0: fail at once). */
  lockWaitMs?: number;
  /** A writer that runs no SQL but its own (the reports): no other files, no extensions, configuration locked. */
  sandboxed?: boolean;
}

const LOCK_POLL_MS = 250;

/**
 * DuckDB's memory limit while loads run. Its default (80% of the machine's memory) lets its
 * buffers grow with the largest tables' stages and publishes; the limit makes it spill to its
 * temporary folder instead (beside the warehouse file), so that a large contractor loads in a
 * bounded footprint. The models and reports run with DuckDB's default again. 768 MB, not more:
 * DuckDB's JSON reader and the Node process sit beside it, and the large contractor's
 * invoices.json (591 MB, read and typed in SQL) peaked at 1.26 GB of RSS with 1 GB here, 1.05 GB
 * with this, at the same CPU time.
 */
export const LOAD_MEMORY_LIMIT = '768MB';

/**
 * A reader runs whatever SQL the user types: it opens the file read-only, with no access to any
 * other file (no COPY TO, read_text, read_csv, glob, ATTACH), no extension installs or loads,
 * and its configuration locked so that no query can turn any of that back on.
 */
const SANDBOX_CONFIG: Record<string, string> = {
  enable_external_access: 'false',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  allow_community_extensions: 'false',
  lock_configuration: 'true',
};

// DuckDB refuses a second instance on the same file in one process: share one, counted.
const openInstances = new Map<string, { instance: Promise<Instance>; users: number }>();

/**
 * Opens a DuckDB file as a warehouse backend. A file another process writes is waited for up to
 * `lockWaitMs`, then refused with a message naming that process when it can be known.
 */
export async function openDuckDbBackend(options: DuckDbOptions): Promise<Backend> {
  const key = options.path === ':memory:' ? `:memory:${Math.random()}` : resolve(options.path);
  const deadline = Date.now() + (options.lockWaitMs ?? 0);
  for (;;) {
    let entry = openInstances.get(key);
    if (!entry) {
      const path = options.path === ':memory:' ? ':memory:' : key;
      // An in-memory reader (no warehouse yet) is sandboxed the same way; it just cannot be read-only.
      const config = !options.readOnly
        ? options.sandboxed
          ? SANDBOX_CONFIG
          : {}
        : path === ':memory:'
          ? SANDBOX_CONFIG
          : { ...SANDBOX_CONFIG, access_mode: 'READ_ONLY' };
      entry = { instance: DuckDBInstance.create(path, config), users: 0 };
      openInstances.set(key, entry);
    }
    try {
      const instance = await entry.instance;
      entry.users += 1;
      const shared = entry;
      return new DuckDbBackend(instance, options.path, options.readOnly === true, () => {
        shared.users -= 1;
        if (shared.users > 0) return false;
        openInstances.delete(key);
        return true;
      });
    } catch (error) {
      openInstances.delete(key);
      const message = errorMessage(error);
      if (!/lock/i.test(message)) throw new PlumblineError(`Cannot open the DuckDB warehouse ${options.path}: ${message}`, { cause: error });
      if (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.min(LOCK_POLL_MS, Math.max(1, deadline - Date.now()))));
        continue;
      }
      throw new TransientError(lockedMessage(key, message, options.lockWaitMs ?? 0), { cause: error, scope: 'run' });
    }
  }
}

/** Who holds the file, as far as it can be known: the run's own note, else the process DuckDB names. */
function lockedMessage(path: string, duckMessage: string, waitedMs: number): string {
  const pid = Number(/PID (\d+)/i.exec(duckMessage)?.[1] ?? NaN);
  const run = duckDbLockHolder(path);
  const waited = waitedMs > 0 ? `; waited ${Math.round(waitedMs / 1000)}s (lock.wait_seconds)` : '';
  if (run && (Number.isNaN(pid) || run.pid === pid)) return `${heldMessage(run, Math.round(waitedMs / 1000))}`;
  const who = Number.isNaN(pid) ? 'another process' : `another process (pid ${pid}${processName(pid)})`;
  return `The warehouse ${path} is held by ${who}, which has it open for writing${waited}. DuckDB allows one writer at a time: let it finish, or point --warehouse at another file.`;
}

/**
 * Copies a file this process holds open in DuckDB. Not with fs.copyFile: DuckDB's writer lock is
 * a POSIX record lock, and POSIX drops every lock a process holds on a file as soon as that
 * process closes any descriptor of it — copying in-process would free the file for a second
 * writer. A child process's descriptors do not touch this process's locks.
 */
function copyOutOfProcess(from: string, to: string): void {
  if (process.platform === 'win32') copyFileSync(from, to);
  else execFileSync('cp', [from, to], { stdio: 'ignore' });
}

function processName(pid: number): string {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 4).join(' ');
    return command ? `: ${command.length > 120 ? `${command.slice(0, 117)}...` : command}` : '';
  } catch {
    return '';
  }
}

/**
 * Where readers of a DuckDB file look: a copy the writer publishes (`warehouse.duckdb` →
 * `warehouse.readers.duckdb`) whenever it lets the file go. Readers never take a lock on the
 * file a run writes, and a run never waits for a reader.
 */
export function readerCopyPath(path: string): string {
  return /\.duckdb$/i.test(path) ? path.replace(/\.duckdb$/i, '.readers.duckdb') : `${path}.readers`;
}

/**
 * Publishes the file for readers: checkpoint (the file alone then holds every committed change),
 * copy it beside the reader copy, and rename it over that copy in one step. A reader that has
 * the old copy open keeps reading it; the next reader opens the new one.
 */
async function publishReaderCopy(conn: DuckDBConnection, path: string): Promise<void> {
  await conn.run('CHECKPOINT');
  const target = readerCopyPath(path);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    copyOutOfProcess(path, temporary);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

class DuckDbBackend implements Backend {
  readonly kind = 'duckdb' as const;
  readonly readsFiles = true;
  readonly displayName: string;
  readonly db: Kysely<any>;
  private readonly idle: DuckDBConnection[] = [];
  private loadsRunning = 0;
  private readonly all: DuckDBConnection[] = [];
  private closed = false;

  constructor(
    private readonly instance: Instance,
    private readonly path: string,
    private readonly readOnly: boolean,
    /** Tells whether this was the last user of the instance, which may then be closed. */
    private readonly lastUser: () => boolean,
  ) {
    this.displayName = path === ':memory:' ? 'DuckDB (in memory)' : `DuckDB ${path}`;
    this.db = new Kysely<any>({ dialect: new DuckDbDialect(this) });
  }

  async acquireRaw(): Promise<DuckDBConnection> {
    if (this.closed) throw new PlumblineError('The warehouse is closed');
    const conn = this.idle.pop();
    if (conn) return conn;
    const created = await this.instance.connect();
    this.all.push(created);
    return created;
  }

  releaseRaw(conn: DuckDBConnection): void {
    if (!this.closed) this.idle.push(conn);
  }

  async acquire(): Promise<BackendConnection> {
    const conn = await this.acquireRaw();
    return {
      query: <T>(sqlText: string, parameters: readonly unknown[] = []) => runQuery<T>(conn, sqlText, parameters),
      appendRows: (schema, table, columns, rows) => appendRows(conn, schema, table, columns, rows),
      release: () => this.releaseRaw(conn),
    };
  }

  async *stream<T = Row>(sqlText: string, parameters: readonly unknown[] = []): AsyncIterable<T[]> {
    const conn = await this.acquireRaw();
    try {
      const result = await conn.stream(sqlText, parameters.map(toDuckParameter));
      for await (const rows of result.yieldConvertedRowObjects(canonicalConverter)) {
        if (rows.length > 0) yield rows as T[];
      }
    } finally {
      this.releaseRaw(conn);
    }
  }

  sqlType(type: ColumnType): string {
    const decimal = decimalParts(type);
    if (decimal) return `DECIMAL(${decimal.precision},${decimal.scale})`;
    return (
      { varchar: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP', json: 'VARCHAR' }[
        type as 'varchar'
      ] ?? 'VARCHAR'
    );
  }

  columnTypeFromCatalog(dataType: string, precision: number | null, scale: number | null): ColumnType {
    const upper = dataType.toUpperCase();
    if (upper.startsWith('DECIMAL')) return `decimal(${precision ?? 18},${scale ?? 2})`;
    if (['BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', 'UINTEGER'].includes(upper)) return 'bigint';
    if (['DOUBLE', 'FLOAT', 'REAL'].includes(upper)) return 'double';
    if (upper === 'BOOLEAN') return 'boolean';
    if (upper === 'DATE') return 'date';
    if (upper.startsWith('TIMESTAMP')) return 'timestamp';
    return 'varchar';
  }

  async duringLoad<T>(work: () => Promise<T>): Promise<T> {
    if (this.readOnly) return work();
    // The limit is the instance's: set by the first load in, reset by the last one out.
    // A writer whose configuration is locked (sandboxed) keeps DuckDB's default: the limit is a tuning, not a rule.
    if (this.loadsRunning++ === 0) await this.setting(`SET memory_limit = '${LOAD_MEMORY_LIMIT}'`).catch(() => undefined);
    try {
      return await work();
    } finally {
      if (--this.loadsRunning === 0) await this.setting('RESET memory_limit').catch(() => undefined);
    }
  }

  private async setting(sqlText: string): Promise<void> {
    const conn = await this.acquireRaw();
    try {
      await conn.run(sqlText);
    } finally {
      this.releaseRaw(conn);
    }
  }

  /** Publishes the reader copy now (a writer also does when it closes, and when it opens a file that has none). */
  async publish(): Promise<void> {
    if (this.readOnly || this.path === ':memory:') return;
    const conn = await this.acquireRaw();
    try {
      await publishReaderCopy(conn, resolve(this.path));
    } finally {
      this.releaseRaw(conn);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.db.destroy().catch(() => undefined);
    const last = this.lastUser();
    // The last writer out publishes what it committed, while it still holds the writer lock.
    if (last) await this.publish().catch(() => undefined);
    this.closed = true;
    for (const conn of this.all) conn.closeSync();
    if (last) this.instance.closeSync();
  }
}

async function runQuery<T>(conn: DuckDBConnection, sqlText: string, parameters: readonly unknown[]): Promise<T[]> {
  const reader = await conn.runAndReadAll(sqlText, parameters.length > 0 ? parameters.map(toDuckParameter) : undefined);
  return reader.convertRowObjects(canonicalConverter) as T[];
}

async function appendRows(conn: DuckDBConnection, schema: string, table: string, columns: readonly ColumnSpec[], rows: readonly unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const appender = await conn.createAppender(table, schema);
  try {
    const types = columns.map((c) => duckType(c.type));
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
      const slice = rows.slice(start, start + CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create(types, slice.length);
      chunk.setRows(slice.map((row) => row.map((value, i) => toDuckValue(value, columns[i]!.type))));
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** Kysely over the backend's connections, compiling queries as Postgres does ($1 parameters). */
class DuckDbDialect implements Dialect {
  constructor(private readonly backend: DuckDbBackend) {}
  createDriver(): Driver {
    return new DuckDbDriver(this.backend);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createAdapter() {
    return new PostgresAdapter();
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}

class DuckDbKyselyConnection implements DatabaseConnection {
  constructor(readonly raw: DuckDBConnection) {}
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const rows = await runQuery<R & Row>(this.raw, compiled.sql, compiled.parameters);
    const kind = compiled.query.kind;
    // DuckDB answers a data change without RETURNING with a single "Count" column.
    if (
      (kind === 'InsertQueryNode' || kind === 'UpdateQueryNode' || kind === 'DeleteQueryNode') &&
      !('returning' in compiled.query && compiled.query.returning)
    ) {
      const count = rows[0] ? Object.values(rows[0])[0] : 0;
      return { rows: [], numAffectedRows: BigInt(Number(count ?? 0)) };
    }
    return { rows };
  }
  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.raw.stream(compiled.sql, compiled.parameters.map(toDuckParameter));
    for await (const rows of result.yieldConvertedRowObjects(canonicalConverter)) yield { rows: rows as R[] };
  }
}

class DuckDbDriver implements Driver {
  constructor(private readonly backend: DuckDbBackend) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new DuckDbKyselyConnection(await this.backend.acquireRaw());
  }
  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('BEGIN TRANSACTION'));
  }
  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('COMMIT'));
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }
  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    this.backend.releaseRaw((conn as DuckDbKyselyConnection).raw);
  }
  async destroy(): Promise<void> {}
}
