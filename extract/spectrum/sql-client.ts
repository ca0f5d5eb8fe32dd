/**
 * The Spectrum SQL connection: one `mssql` pool, connect retries on network failures, streamed
 * parameterized reads with backpressure, and SQL Server errors turned into messages that say
 * what to ask the Spectrum administrator for.
 */
import sql from 'mssql';
import { PlumblineError, TransientError, errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';

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
  /** Connect attempts on network failures (default 4) and the first backoff (default 500 ms, doubled). */
  connectAttempts?: number;
  retryBaseMs?: number;
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

const NETWORK_CODES = new Set(['ESOCKET', 'ECONNRESET', 'ECONNCLOSED', 'ECONNREFUSED', 'ETIMEOUT', 'EPIPE', 'ENOTOPEN']);

/** A lazily connected pool with retries; `stream` reads one query row by row. */
export class SpectrumSqlClient {
  private pool: sql.ConnectionPool | undefined;
  private connecting: Promise<sql.ConnectionPool> | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: SpectrumConnectionOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** The connected pool (connecting on first use, retrying network failures with backoff). */
  async connect(): Promise<sql.ConnectionPool> {
    if (this.pool?.connected) return this.pool;
    this.connecting ??= this.connectWithRetry().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Streams the rows of `query`; batches are pulled by the consumer, so the driver is paused
   * while the loader works. Network failures before the first row retry the query; after it
   * they end the read with a TransientError (the load rolls back and can be retried whole).
   */
  async *stream(
    query: string,
    parameters: QueryParameters,
    context: QueryContext,
    onColumns?: (names: string[]) => void,
  ): AsyncGenerator<Record<string, unknown>> {
    const attempts = this.options.connectAttempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      let yielded = false;
      try {
        const pool = await this.connect();
        const request = pool.request();
        for (const [name, value] of Object.entries(parameters)) request.input(name, sql.VarChar(100), value);
        // The columns are checked inside this generator: a throw in the driver's event would escape it.
        let columns: string[] | undefined;
        let checked = false;
        request.on('recordset', (metadata: sql.IColumnMetadata) => (columns ??= Object.keys(metadata)));
        const readable = request.toReadableStream({ highWaterMark: 1000 });
        request.query(query, () => undefined);
        let finished = false;
        try {
          for await (const row of readable) {
            if (!checked && columns && onColumns) onColumns(columns);
            checked = true;
            yielded = true;
            yield row as Record<string, unknown>;
          }
          finished = true;
        } finally {
          // A consumer that stops early (a failed load) must not leave the server streaming the rest.
          if (!finished) request.cancel();
        }
        if (!checked && columns && onColumns) onColumns(columns);
        return;
      } catch (error) {
        if (error instanceof PlumblineError || error instanceof TransientError) throw error;
        const network = isNetworkError(error);
        if (network && !yielded && attempt < attempts) {
          const wait = this.backoff(attempt);
          this.logger.warn('spectrum.sql.retry', `Reading ${context.table} failed (${errorMessage(error)}); retrying in ${wait} ms`, {
            table: context.table,
            attempt,
          });
          await sleep(wait);
          continue;
        }
        if (network) {
          throw new TransientError(
            `Reading Spectrum ${context.table} (${context.purpose}) was cut off by the network: ${errorMessage(error)}. The load was rolled back; run it again.`,
            {
              cause: error,
            },
          );
        }
        throw this.explain(error, context);
      }
    }
  }

  /** Closes the pool. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close().catch(() => undefined);
  }

  private async connectWithRetry(): Promise<sql.ConnectionPool> {
    const attempts = this.options.connectAttempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      const pool = new sql.ConnectionPool({
        server: this.options.server,
        port: this.options.port ?? 1433,
        database: this.options.database,
        user: this.options.user,
        password: this.options.password,
        requestTimeout: this.options.requestTimeoutMs ?? 300_000,
        connectionTimeout: this.options.connectTimeoutMs ?? 15_000,
        options: { encrypt: this.options.encrypt, trustServerCertificate: this.options.trustServerCertificate },
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
        if (isLoginError(error)) throw this.loginError(error);
        if (isNetworkError(error) && attempt < attempts) {
          const wait = this.backoff(attempt);
          this.logger.warn('spectrum.sql.retry', `Connecting to Spectrum failed (${errorMessage(error)}); retrying in ${wait} ms`, { attempt });
          await sleep(wait);
          continue;
        }
        throw new PlumblineError(
          `Cannot connect to Spectrum SQL Server at ${this.where()}: ${errorMessage(error)}. Check sources.spectrum.server and port, that this machine may reach it (firewall, VPN), and the encrypt / trustServerCertificate settings.`,
          { cause: error },
        );
      }
    }
  }

  private loginError(error: unknown): PlumblineError {
    const message = errorMessage(error);
    if (/cannot open database/i.test(message)) {
      return new PlumblineError(
        `Spectrum SQL login to ${this.where()} worked, but database '${this.options.database}' cannot be opened for user '${this.options.user}': ${message}. Check sources.spectrum.database, or ask the Spectrum administrator to map the Info-Link user to that database.`,
        { cause: error },
      );
    }
    return new PlumblineError(
      `Spectrum SQL login failed for user '${this.options.user}' at ${this.where()}: ${message}. Check SPECTRUM_SQL_USER and SPECTRUM_SQL_PASSWORD, or ask the Spectrum administrator whether the Info-Link user is enabled and its password current.`,
      { cause: error },
    );
  }

  /** A SQL Server error as a message naming the table, the query's purpose and what to ask for. */
  private explain(error: unknown, context: QueryContext): Error {
    const number = (error as { number?: unknown }).number;
    const code = (error as { code?: unknown }).code;
    const message = errorMessage(error);
    const reading = `Reading Spectrum ${context.table} (${context.purpose})${context.overridden ? ' with the query from config sources.spectrum.queries' : ''} failed`;
    const override = `override the query for ${context.table} in config sources.spectrum.queries`;
    if (isLoginError(error)) return this.loginError(error);
    if (number === 208) {
      return new PlumblineError(
        `${reading}: ${message} (SQL Server error 208). Ask the Spectrum administrator to grant SELECT on ${context.table} to the Info-Link user '${this.options.user}', or, if this installation names it differently, ${override}.`,
        { cause: error },
      );
    }
    if (number === 207) {
      return new PlumblineError(
        `${reading}: ${message} (SQL Server error 207): this installation does not have a column the query names. Ask the Spectrum administrator which column holds it, then ${override}: this installation names it differently.`,
        { cause: error },
      );
    }
    if (number === 229 || number === 230) {
      return new PlumblineError(
        `${reading}: ${message}. Ask the Spectrum administrator to grant SELECT on ${context.table} to the Info-Link user '${this.options.user}'.`,
        {
          cause: error,
        },
      );
    }
    if (code === 'ETIMEOUT') {
      return new PlumblineError(
        `${reading}: the query did not finish within ${this.options.requestTimeoutMs ?? 300_000} ms. Raise the request timeout (requestTimeoutMs of the Spectrum source; the config has no key for it yet), run outside business hours, or ${override} with a narrower one (ask the Spectrum administrator about an index on Company_Code and the date column).`,
        { cause: error },
      );
    }
    return new PlumblineError(`${reading}: ${message}${typeof number === 'number' ? ` (SQL Server error ${number})` : ''}.`, { cause: error });
  }

  private where(): string {
    return `${this.options.server}:${this.options.port ?? 1433}/${this.options.database}`;
  }

  private backoff(attempt: number): number {
    return (this.options.retryBaseMs ?? 500) * 2 ** (attempt - 1);
  }
}

function isLoginError(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ELOGIN';
}

// A request timeout (ETIMEOUT on a RequestError) is not a network failure: retrying repeats it.
function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (error instanceof sql.RequestError && code === 'ETIMEOUT') return false;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return /ECONNRESET|socket hang up|Connection lost/i.test(errorMessage(error));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
