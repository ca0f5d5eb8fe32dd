// The Spectrum SQL endpoint: a TDS server whose sessions run translated T-SQL on the store's
// `spectrum` schema, streaming DuckDB chunks to the client as they arrive.
import type net from 'node:net';
import type { DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DATE,
  DECIMAL,
  DOUBLE,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  TIMESTAMP,
  VARCHAR,
} from '@duckdb/node-api';
import type { WireColumn, WireType, WireValue } from './tds/columns.ts';
import type { ParamValue, RpcParam } from './tds/requests.ts';
import type { ResultSink, TdsRequest, TdsServerOptions, TdsSession } from './tds/server.ts';
import { SqlServerError } from './tds/errors.ts';
import { createTdsServer } from './tds/server.ts';
import { translateBatch } from './tsql-translate.ts';

/** Options of the Spectrum SQL server. */
export interface SpectrumTdsOptions {
  database: string;
  user: string;
  password: string;
  /** Called before each request (fault injection); may throw SqlServerError or return a drop mode. */
  beforeRequest?: (request: TdsRequest, cancelled: () => boolean) => Promise<'drop' | 'drop-mid-response' | void>;
  /** Told of every login attempt (see TdsServerOptions.onLogin). */
  onLogin?: TdsServerOptions['onLogin'];
  /**
   * Tables the login may not read, as when the administrator never granted SELECT on them: a
   * statement naming one answers SQL Server's error 229. Case-insensitive; read at each request.
   */
  deniedTables?: () => readonly string[];
}

/** Create the Spectrum TDS server over the store's DuckDB instance (call listen() on it). */
export function createSpectrumTdsServer(instance: DuckDBInstance, options: SpectrumTdsOptions): net.Server {
  return createTdsServer({
    database: options.database,
    beforeRequest: options.beforeRequest,
    onLogin: options.onLogin,
    async openSession(login) {
      if (login.user !== options.user || login.password !== options.password) {
        throw new SqlServerError(18456, `Login failed for user '${login.user}'.`, 14);
      }
      // One DuckDB connection per TDS connection, like one SQL Server session per pooled connection.
      const connection = await instance.connect();
      await connection.run(`SET search_path = 'spectrum'`);
      return new SpectrumSession(connection, options.database, options.deniedTables ?? (() => []));
    },
  });
}

class SpectrumSession implements TdsSession {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly database: string,
    private readonly deniedTables: () => readonly string[],
  ) {}

  async execute(request: TdsRequest, sink: ResultSink): Promise<void> {
    const denied = deniedTableIn(request.sql, this.deniedTables());
    // SQL Server checks permissions on every object a statement names before it reads a row.
    if (denied) throw new SqlServerError(229, `The SELECT permission was denied on the object '${denied}', database '${this.database}', schema 'dbo'.`, 14, 5);
    const statements = translateBatch(request.sql);
    const given = new Map(request.params.map((p) => [p.name.replace(/^@/, '').toLowerCase(), p]));
    for (const statement of statements) {
      if (sink.cancelled) return;
      if (statement.kind === 'ignored') {
        sink.noResult();
        continue;
      }
      const values: Record<string, DuckDBValue> = {};
      const types: Record<string, DuckDBType> = {};
      for (const name of statement.params) {
        const param = given.get(name.toLowerCase());
        if (!param) throw new SqlServerError(137, `Must declare the scalar variable "@${name}".`, 15);
        const [value, type] = toDuckDb(param);
        values[name] = value;
        if (type) types[name] = type;
      }
      await this.stream(statement.sql, values, types, sink);
    }
  }

  private async stream(sql: string, values: Record<string, DuckDBValue>, types: Record<string, DuckDBType>, sink: ResultSink): Promise<void> {
    let result;
    try {
      result = await this.connection.stream(sql, values, types);
    } catch (error) {
      throw asSqlServerError(error);
    }
    const columns: WireColumn[] = result.columnNames().map((name, i) => ({ name, type: wireType(result.columnType(i)) }));
    sink.columns(columns);
    let rowCount = 0;
    for (;;) {
      let chunk;
      try {
        chunk = await result.fetchChunk();
      } catch (error) {
        throw asSqlServerError(error);
      }
      if (!chunk || chunk.rowCount === 0) break;
      // A chunk goes out as one buffer of ROW tokens (columns.ts rowTokens).
      sink.rows(chunk.getRows().map((row) => row.map((value, i) => wireValue(columns[i]!.type, value))));
      rowCount += chunk.rowCount;
      // Let the socket drain before the next chunk: memory stays at about one chunk.
      await sink.drained();
      if (sink.cancelled) return;
    }
    sink.endResultSet(rowCount);
  }

  async transaction(operation: 'begin' | 'commit' | 'rollback'): Promise<void> {
    // A DuckDB transaction gives the same snapshot reads a SQL Server transaction would.
    await this.connection.run(operation === 'begin' ? 'BEGIN TRANSACTION' : operation === 'commit' ? 'COMMIT' : 'ROLLBACK');
  }

  close(): void {
    this.connection.closeSync();
  }
}

/** The first of `tables` the SQL text names as a whole word (`[dbo].[T]`, `dbo.T`, `T`), or undefined. */
export function deniedTableIn(sql: string, tables: readonly string[]): string | undefined {
  return tables.find((table) => new RegExp(`(^|[^A-Za-z0-9_])${table.replace(/[^A-Za-z0-9_]/g, '')}($|[^A-Za-z0-9_])`, 'i').test(sql));
}

/** The SQL Server type a DuckDB column is sent as. */
function wireType(type: DuckDBType): WireType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { kind: 'bit' };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return { kind: 'int' };
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
      return { kind: 'bigint' };
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return { kind: 'decimal', precision: 38, scale: 0 };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { kind: 'float' };
    case DuckDBTypeId.DECIMAL:
      return { kind: 'decimal', precision: type.width, scale: type.scale };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { kind: 'datetime2' };
    case DuckDBTypeId.DATE:
      return { kind: 'date' };
    default:
      return { kind: 'nvarchar' };
  }
}

/** A DuckDB cell as the wire encoder wants it; decimals stay exact (unscaled bigint). */
function wireValue(type: WireType, value: DuckDBValue): WireValue {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'decimal':
      return value instanceof DuckDBDecimalValue ? value.value : BigInt(value as bigint);
    case 'datetime2': {
      const v = value as unknown as { micros?: bigint; millis?: bigint; seconds?: bigint; nanos?: bigint };
      if (v.micros !== undefined) return { micros: v.micros };
      if (v.millis !== undefined) return { micros: v.millis * 1000n };
      if (v.seconds !== undefined) return { micros: v.seconds * 1_000_000n };
      return { micros: (v.nanos ?? 0n) / 1000n };
    }
    case 'date':
      return { days: (value as DuckDBDateValue).days };
    case 'int':
    case 'float':
      return Number(value);
    case 'bigint':
      return BigInt(value as bigint);
    case 'bit':
      return Boolean(value);
    case 'nvarchar':
      return typeof value === 'string' ? value : String(value);
  }
}

/** An RPC parameter as a DuckDB value and (when it matters) its type. */
function toDuckDb(param: RpcParam): [DuckDBValue, DuckDBType | undefined] {
  const v: ParamValue = param.value;
  if (v === null) return [null, undefined];
  if (typeof v === 'string') return [v, VARCHAR];
  if (typeof v === 'number') return [v, Number.isInteger(v) ? BIGINT : DOUBLE];
  if (typeof v === 'bigint') return [v, BIGINT];
  if (typeof v === 'boolean') return [v, BOOLEAN];
  if (Buffer.isBuffer(v)) return [new DuckDBBlobValue(v), BLOB];
  if ('decimal' in v) {
    const precision = Math.min(Math.max(v.precision, v.scale, 1), 38);
    return [new DuckDBDecimalValue(v.decimal, precision, v.scale), DECIMAL(precision, v.scale)];
  }
  if ('timestampMicros' in v) return [new DuckDBTimestampValue(v.timestampMicros), TIMESTAMP];
  return [new DuckDBDateValue(v.dateDays), DATE];
}

/** Map a DuckDB error to the SQL Server error a client would get for the same mistake. */
export function asSqlServerError(error: unknown): SqlServerError {
  if (error instanceof SqlServerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  let m: RegExpMatchArray | null;
  if ((m = message.match(/Table with name (.+?) does not exist/))) return new SqlServerError(208, `Invalid object name '${m[1]}'.`);
  if ((m = message.match(/Referenced column "(.+?)" not found/)) || (m = message.match(/does not have a column named "(.+?)"/))) {
    return new SqlServerError(207, `Invalid column name '${m[1]}'.`);
  }
  if ((m = message.match(/Referenced table "(.+?)" not found/))) {
    return new SqlServerError(4104, `The multi-part identifier "${m[1]}" could not be bound.`);
  }
  if ((m = message.match(/syntax error at or near "(.+?)"/))) return new SqlServerError(102, `Incorrect syntax near '${m[1]}'.`, 15);
  if (/syntax error at end of input/.test(message)) return new SqlServerError(102, `Incorrect syntax near the end of the batch.`, 15);
  if (/^Conversion Error/.test(message)) return new SqlServerError(245, `Conversion failed: ${firstLine(message)}`);
  return new SqlServerError(50000, firstLine(message));
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
