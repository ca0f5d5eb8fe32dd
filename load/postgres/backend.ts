/**
 * The Postgres backend: a `pg` pool with exact type parsing, COPY FROM STDIN for bulk loads,
 * and Kysely's own Postgres dialect over the same pool.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PlumblineError, errorMessage } from '../../lib/errors.ts';
import { formatTimestamp } from '../../lib/dates.ts';
import type { Backend, BackendConnection } from '../backend.ts';
import { qualified, quoteIdent } from '../identifiers.ts';
import { decimalParts } from '../row-values.ts';
import type { ColumnSpec, ColumnType, Row } from '../types.ts';

const STREAM_ROWS = 2000;

// Canonical values: numeric stays text, DATE stays text, TIMESTAMP is a UTC instant, int8 a number.
const typeParsers = {
  getTypeParser(oid: number, format?: string) {
    switch (oid) {
      case 1082: // date
        return (text: string) => text;
      case 1114: // timestamp without time zone: stored as UTC
        return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
      case 20: // int8
        return (text: string) => {
          const n = Number(text);
          return Number.isSafeInteger(n) ? n : text;
        };
      default:
        return pg.types.getTypeParser(oid, format as 'text');
    }
  },
};

/** Opens a Postgres database as a warehouse backend. */
export async function openPostgresBackend(url: string): Promise<Backend> {
  // jit=off: the models' estimates over trimmed text keys are far too high, so JIT compiled every
  // mart with full optimisation — seconds of compiling per query that itself runs in under one.
  const pool = new pg.Pool({ connectionString: url, types: typeParsers as pg.CustomTypesConfig, max: 4, options: '-c timezone=UTC -c jit=off' });
  pool.on('error', () => undefined); // an idle client's error surfaces on the next query instead
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new PlumblineError(
      `Cannot connect to the Postgres warehouse ${redactUrl(url)}: ${errorMessage(error)}. Check the host, port, database and credentials.`,
      {
        cause: error,
      },
    );
  }
  return new PostgresBackend(pool, url);
}

/** A Postgres URL with its password replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

class PostgresBackend implements Backend {
  readonly kind = 'postgres' as const;
  readonly displayName: string;
  readonly db: Kysely<any>;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    url: string,
  ) {
    this.displayName = `Postgres ${redactUrl(url)}`;
    this.db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  }

  async acquire(): Promise<BackendConnection> {
    const client = await this.pool.connect();
    return {
      query: async <T>(sqlText: string, parameters: readonly unknown[] = []) => (await client.query(sqlText, parameters.map(toPgParameter))).rows as T[],
      appendRows: (schema, table, columns, rows) => copyRows(client, schema, table, columns, rows),
      release: () => client.release(),
    };
  }

  async *stream<T = Row>(sqlText: string, parameters: readonly unknown[] = []): AsyncIterable<T[]> {
    // A cursor in a read-only transaction: the result is read in slices, never whole.
    const client = await this.pool.connect();
    const cursor = `plumbline_cursor`;
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sqlText}`, parameters.map(toPgParameter));
      for (;;) {
        const result = await client.query(`FETCH ${STREAM_ROWS} FROM ${cursor}`);
        if (result.rows.length === 0) break;
        yield result.rows as T[];
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  sqlType(type: ColumnType): string {
    const decimal = decimalParts(type);
    if (decimal) return `NUMERIC(${decimal.precision},${decimal.scale})`;
    return (
      { varchar: 'TEXT', bigint: 'BIGINT', double: 'DOUBLE PRECISION', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP', json: 'TEXT' }[
        type as 'varchar'
      ] ?? 'TEXT'
    );
  }

  columnTypeFromCatalog(dataType: string, precision: number | null, scale: number | null): ColumnType {
    const lower = dataType.toLowerCase();
    if (lower === 'numeric') return `decimal(${precision ?? 18},${scale ?? 2})`;
    if (['bigint', 'integer', 'smallint'].includes(lower)) return 'bigint';
    if (['double precision', 'real'].includes(lower)) return 'double';
    if (lower === 'boolean') return 'boolean';
    if (lower === 'date') return 'date';
    if (lower.startsWith('timestamp')) return 'timestamp';
    return 'varchar';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Kysely ends the pool only if it ever used it itself; raw queries and streams use the pool
    // directly, and an idle pool keeps the process alive for its idle timeout: end it here.
    await this.db.destroy().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

function toPgParameter(value: unknown): unknown {
  if (value instanceof Date) return formatTimestamp(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

async function copyRows(client: pg.PoolClient, schema: string, table: string, columns: readonly ColumnSpec[], rows: readonly unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const stream = client.query(copyFrom(`COPY ${qualified(schema, table)} (${names}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', () => resolve());
    stream.on('error', reject);
  });
  let buffer = '';
  for (const row of rows) {
    buffer += row.map(copyText).join('\t') + '\n';
    if (buffer.length > 1 << 16) {
      if (!stream.write(buffer)) await new Promise((resolve) => stream.once('drain', resolve));
      buffer = '';
    }
  }
  stream.end(buffer);
  await done;
}

// COPY's text format: \N is NULL; backslash, tab, newline and carriage return are escaped.
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = value instanceof Date ? formatTimestamp(value) : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
