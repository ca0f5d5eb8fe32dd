/**
 * The Spectrum SQL connection: one `mssql` pool, streamed parameterized reads with
 * backpressure, the shared retry policy (lib/retry.ts) on connecting and on a query that fails
 * before its first row, and SQL Server errors mapped into the error model:
 * - login failed (18456), cannot open database (4060), an unreachable server (DNS, refused,
 *   certificate, no answer) are terminal for the whole source; the client remembers such a
 *   failure, so a second table gets the same error at once, without another login attempt (a
 *   wrong password tried once per table could lock the account);
 * - a missing table or grant (208, 229), a missing column (207) are terminal for the table;
 * - deadlocks (1205), serialization failures, a connection reset and a query timeout are transient.
 */
import type sql from 'mssql';
import type { ErrorContext } from '../../lib/errors.ts';
import { CancelledError, PlumblineError, TerminalError, TransientError, UnreachableError, errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { classifyNetworkCode, networkCodeText, networkErrorCode, unreachableAdvice } from '../../lib/network-errors.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import { withRetry } from '../../lib/retry.ts';

/** Where and how to reach Spectrum's SQL Server (secrets are passed in, never read here). */
export interface SpectrumConnectionOptions {
  server: string;
  port?: number;
  database: string;
  user: string;
  password: string;
  encrypt: boolean;
  trustServerCertificate: boolean;
  /** Per-query timeout (mssql `requestTimeout`); default 5 minutes. */
  requestTimeoutMs?: number;
  /** Connect timeout; default 15 s. */
  connectTimeoutMs?: number;
  /** The shared retry policy's knobs (lib/retry.ts), for connecting and for queries; its defaults otherwise. */
  retry?: RetryPolicy;
  logger?: Logger;
}

/** What a query is for: named in every error it raises. */
export interface QueryContext {
  table: string;
  purpose: string;
  /** True when the query is the user's override from config. */
  overridden: boolean;
}

/** A query parameter: all are passed as varchar. */
export type QueryParameters = Record<string, string>;

// mssql/tedious codes of a connection that broke (as opposed to a server that said no).
const BROKEN_CODES = new Set(['ESOCKET', 'ECONNRESET', 'ECONNCLOSED', 'EPIPE', 'ENOTOPEN']);

/**
 * SQL Server errors that pass if the same statement runs again: deadlock victim (1205), lock
 * request timeout (1222), snapshot update conflict (3960), and the "busy / failing over"
 * family Azure SQL and Always On report (40001, 40197, 40501, 40613, 49918–49920, 10928, 10929).
 */
const TRANSIENT_NUMBERS = new Set([1205, 1222, 3960, 40001, 40197, 40501, 40613, 49918, 49919, 49920, 10928, 10929]);

/** The mssql driver, loaded on use (see bin/plumbline.js): with tedious and the Azure libraries it costs every command a quarter second. */
const loadMssql = async (): Promise<typeof sql> => (await import('mssql')).default;

/** A lazily connected pool; `stream` reads one query row by row. */
export class SpectrumSqlClient {
  private pool: sql.ConnectionPool | undefined;
  private connecting: Promise<sql.ConnectionPool> | undefined;
  /** A failure that makes the whole source unusable (login, DNS, refused): every later call throws it. */
  private sourceFailure: PlumblineError | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: SpectrumConnectionOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** The connected pool (connecting on first use, with the shared retry policy). */
  async connect(context: ErrorContext = {}): Promise<sql.ConnectionPool> {
    if (this.sourceFailure) throw this.sourceFailure;
    if (this.pool?.connected) return this.pool;
    this.connecting ??= this.connectWithRetry({ ...this.context(), ...context }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Streams the rows of `query`; batches are pulled by the consumer, so the driver is paused
   * while the loader works. A query that fails before its first row is retried here per the
   * policy; once rows were handed on, a transient failure ends the read with a TransientError
   * (the load rolls back, and the loader may run the resource again whole).
   */
  async *stream(
    query: string,
    parameters: QueryParameters,
    context: QueryContext,
    onColumns?: (names: string[]) => void,
    signal?: AbortSignal,
  ): AsyncGenerator<Record<string, unknown>> {
    const errorContext: ErrorContext = { ...this.context(), resource: context.table };
    const reading = `Reading Spectrum ${context.table} (${context.purpose})${context.overridden ? ' with the query from config sources.spectrum.queries' : ''}`;
    // Connecting has its own retries (and a failure of the whole source is final): only the query is retried here.
    const pool = await this.connect(errorContext);
    const opened = await withRetry(() => this.open(pool, query, parameters, context, errorContext, signal), {
      ...this.options.retry,
      signal,
      what: reading,
      onRetry: ({ attempt, maxAttempts, delayMs, error }) =>
        this.logger.warn('spectrum.sql.retry', `${reading}: ${error.message}; retry ${attempt + 1} of ${maxAttempts} in ${delayMs} ms`, {
          table: context.table,
          attempt,
          delayMs,
          reason: error.message,
        }),
    });
    const { request, rows, columns } = opened;
    let finished = false;
    let handedOn = 0;
    const onAbort = (): void => request.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (onColumns) onColumns(columns());
      for (let next = opened.first; !next.done;) {
        handedOn++;
        yield next.value;
        try {
          next = await rows.next();
        } catch (error) {
          if (signal?.aborted) throw new CancelledError(`${reading} was cancelled`, { cause: signal.reason, context: errorContext });
          const mapped = this.queryError(error, context, errorContext);
          if (!(mapped instanceof TransientError)) throw mapped;
          throw new TransientError(`${reading} was cut off after ${handedOn} rows: ${mapped.message}. The load was rolled back; it can be run again.`, {
            cause: error,
            context: errorContext,
          });
        }
      }
      finished = true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A consumer that stops early (a failed load) must not leave the server streaming the rest.
      if (!finished) request.cancel();
    }
  }

  /** Closes the pool. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close().catch(() => undefined);
  }

  /** Sends the query and waits for its first row (or its end): what fails here can be retried whole. */
  private async open(
    pool: sql.ConnectionPool,
    query: string,
    parameters: QueryParameters,
    context: QueryContext,
    errorContext: ErrorContext,
    signal: AbortSignal | undefined,
  ) {
    const { VarChar } = await loadMssql();
    const request = pool.request();
    for (const [name, value] of Object.entries(parameters)) request.input(name, VarChar(100), value);
    let names: string[] | undefined;
    request.on('recordset', (metadata: sql.IColumnMetadata) => (names ??= Object.keys(metadata)));
    const readable = request.toReadableStream({ highWaterMark: 1000 });
    request.query(query, () => undefined);
    const rows = readable[Symbol.asyncIterator]() as AsyncIterator<Record<string, unknown>>;
    const onAbort = (): void => request.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const first = await rows.next();
      return { request, rows, first, columns: () => names ?? [] };
    } catch (error) {
      request.cancel();
      if (signal?.aborted) throw new CancelledError('Cancelled', { cause: signal.reason, context: errorContext });
      throw this.queryError(error, context, errorContext);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async connectWithRetry(context: ErrorContext): Promise<sql.ConnectionPool> {
    try {
      return await withRetry(() => this.connectOnce(context), {
        ...this.options.retry,
        what: `Connecting to Spectrum SQL Server at ${this.where()}`,
        exhaustedFix: this.connectFix(),
        onRetry: ({ attempt, maxAttempts, delayMs, error }) =>
          this.logger.warn('spectrum.sql.retry', `Connecting to Spectrum: ${error.message}; retry ${attempt + 1} of ${maxAttempts} in ${delayMs} ms`, {
            attempt,
            delayMs,
            reason: error.message,
          }),
      });
    } catch (error) {
      if (error instanceof PlumblineError && error.scope === 'source') this.sourceFailure ??= error;
      throw error;
    }
  }

  private async connectOnce(context: ErrorContext): Promise<sql.ConnectionPool> {
    const { ConnectionPool } = await loadMssql();
    const pool = new ConnectionPool({
      server: this.options.server,
      port: this.options.port ?? 1433,
      database: this.options.database,
      user: this.options.user,
      password: this.options.password,
      requestTimeout: this.options.requestTimeoutMs ?? 300_000,
      connectionTimeout: this.options.connectTimeoutMs ?? 15_000,
      // tedious retries some login errors on its own (4060 among them): the shared policy is the only one.
      options: {
        encrypt: this.options.encrypt,
        trustServerCertificate: this.options.trustServerCertificate,
        maxRetriesOnTransientErrors: 0,
        // The largest TDS packet SQL Server allows (its default is 4 KB): a table of millions of
        // rows arrives in an eighth of the packets, each parsed and acknowledged once.
        packetSize: 32767,
      },
      pool: { max: 4, min: 0 },
    });
    // A pool emits errors of idle connections; they surface again on the next query.
    pool.on('error', (error: unknown) => this.logger.warn('spectrum.sql.pool', `Spectrum SQL connection error: ${errorMessage(error)}`));
    try {
      await pool.connect();
      this.pool = pool;
      return pool;
    } catch (error) {
      await pool.close().catch(() => undefined);
      throw this.connectError(error, context);
    }
  }

  /** A failed connect in the error model: login and unreachable are terminal for the source; a broken connection is transient. */
  private connectError(error: unknown, context: ErrorContext): PlumblineError {
    if (isLoginError(error)) return this.loginError(error, context);
    const code = (error as { code?: unknown }).code;
    const systemCode = networkErrorCode(error);
    const where = this.where();
    if (code === 'ETIMEOUT') {
      return new UnreachableError(`Cannot reach Spectrum SQL Server at ${where}: no answer within ${(this.options.connectTimeoutMs ?? 15_000) / 1000} s`, {
        cause: error,
        fix: unreachableAdvice('ETIMEDOUT', where, { hostSetting: 'sources.spectrum.server and port' }),
        scope: 'source',
        context,
      });
    }
    if (systemCode !== undefined && classifyNetworkCode(systemCode) === 'unreachable') {
      return new UnreachableError(`Cannot reach Spectrum SQL Server at ${where}: ${networkCodeText(systemCode)}`, {
        cause: error,
        fix: unreachableAdvice(systemCode, this.options.server, {
          hostSetting: 'sources.spectrum.server and port',
          certificateSetting: 'sources.spectrum.trust_server_certificate: true',
        }),
        scope: 'source',
        context,
      });
    }
    // Transient, yet its reach is the source: when the retries run out, no other table will connect either.
    if (isBrokenConnection(error))
      return new TransientError(`the connection broke while connecting (${errorMessage(error)})`, { cause: error, context, scope: 'source' });
    return new TerminalError(`Cannot connect to Spectrum SQL Server at ${where}: ${errorMessage(error)}`, {
      cause: error,
      fix: this.connectFix(),
      scope: 'source',
      context,
    });
  }

  private connectFix(): string {
    return 'Check sources.spectrum.server and port, that this machine may reach it (firewall, VPN), and the encrypt / trust_server_certificate settings.';
  }

  private loginError(error: unknown, context: ErrorContext): PlumblineError {
    const message = errorMessage(error);
    if (sqlErrorNumber(error) === 4060 || /cannot open database/i.test(message)) {
      return new TerminalError(
        `Spectrum SQL login to ${this.where()} worked, but database '${this.options.database}' cannot be opened for user '${this.options.user}': ${message}`,
        {
          cause: error,
          fix: 'Check sources.spectrum.database, or ask the Spectrum administrator to map the Info-Link user to that database.',
          scope: 'source',
          context,
        },
      );
    }
    return new TerminalError(`Spectrum SQL login failed for user '${this.options.user}' at ${this.where()}: ${message}`, {
      cause: error,
      fix: 'Check SPECTRUM_SQL_USER and SPECTRUM_SQL_PASSWORD, or ask the Spectrum administrator whether the Info-Link user is enabled and its password current.',
      scope: 'source',
      context,
    });
  }

  /** A failed query in the error model, naming the table, the query's purpose and what to ask for. */
  private queryError(error: unknown, context: QueryContext, errorContext: ErrorContext): PlumblineError {
    if (error instanceof PlumblineError) return error;
    if (isLoginError(error)) {
      const login = this.loginError(error, errorContext);
      this.sourceFailure ??= login;
      return login;
    }
    const number = sqlErrorNumber(error);
    const code = (error as { code?: unknown }).code;
    const message = errorMessage(error);
    const reading = `Reading Spectrum ${context.table} (${context.purpose})${context.overridden ? ' with the query from config sources.spectrum.queries' : ''} failed`;
    const override = `override the query for ${context.table} in config sources.spectrum.queries`;
    const options = { cause: error, context: errorContext };
    if (number !== undefined && TRANSIENT_NUMBERS.has(number)) {
      return new TransientError(`SQL Server error ${number}: ${message}`, {
        ...options,
        fix: 'Spectrum was busy (another session held the rows); run again, or schedule the run outside business hours.',
      });
    }
    if (code === 'ETIMEOUT') {
      return new TransientError(`the query did not finish within ${this.options.requestTimeoutMs ?? 300_000} ms`, {
        ...options,
        fix: `Raise the request timeout (requestTimeoutMs of the Spectrum source; the config has no key for it yet), run outside business hours, or ${override} with a narrower one (ask the Spectrum administrator about an index on Company_Code and the date column).`,
      });
    }
    if (isBrokenConnection(error)) return new TransientError(`the connection broke (${message})`, options);
    if (number === 208) {
      // The object SQL Server names may be another table the query joins (the invoice header for its lines).
      const object = /Invalid object name '([^']+)'/i.exec(message)?.[1] ?? context.table;
      return new TerminalError(`${reading}: ${message} (SQL Server error 208: the table ${object} is missing or not granted)`, {
        ...options,
        fix: `Ask the Spectrum administrator to grant SELECT on ${object} to the Info-Link user '${this.options.user}', or, if this installation names it differently, ${override}.`,
      });
    }
    if (number === 207) {
      return new TerminalError(`${reading}: ${message} (SQL Server error 207): this installation does not have a column the query names`, {
        ...options,
        fix: `Ask the Spectrum administrator which column holds it, then ${override}: this installation names it differently.`,
      });
    }
    if (number === 229 || number === 230) {
      // As with 208, the object refused may be another table the query reads (the invoice header for its lines).
      const object = /on the object '([^']+)'/i.exec(message)?.[1] ?? context.table;
      return new TerminalError(`${reading}: ${message} (SQL Server error ${number}: the Info-Link user may not read ${object})`, {
        ...options,
        fix: `Ask the Spectrum administrator to grant SELECT on ${object} to the Info-Link user '${this.options.user}'.`,
      });
    }
    return new TerminalError(`${reading}: ${message}${number === undefined ? '' : ` (SQL Server error ${number})`}`, options);
  }

  private context(): ErrorContext {
    return { source: 'spectrum', host: `${this.options.server}:${this.options.port ?? 1433}` };
  }

  private where(): string {
    return `${this.options.server}:${this.options.port ?? 1433}/${this.options.database}`;
  }
}

function isLoginError(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ELOGIN';
}

/** The SQL Server error number of a driver error (on it, or on the tedious error it wraps). */
function sqlErrorNumber(error: unknown): number | undefined {
  const e = error as { number?: unknown; originalError?: { number?: unknown } } | null;
  const number = e?.number ?? e?.originalError?.number;
  return typeof number === 'number' ? number : undefined;
}

// A request timeout (ETIMEOUT) is handled apart: it is the query, not the connection.
function isBrokenConnection(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && BROKEN_CODES.has(code)) return true;
  if (classifyNetworkCode(networkErrorCode(error)) === 'broken') return true;
  return /ECONNRESET|socket hang up|Connection lost/i.test(errorMessage(error));
}
