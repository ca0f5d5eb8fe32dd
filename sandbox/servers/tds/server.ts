// A TDS 7.4 server (no TLS): login, SQL_BATCH, RPC and attention, with results streamed
// through a sink so the query side never has to hold a whole result in memory.
import net from 'node:net';
import type { WireColumn, WireValue } from './columns.ts';
import { colMetadataToken, rowToken, rowTokens } from './columns.ts';
import { MessageReader, MessageWriter, PacketType } from './packets.ts';
import { SqlServerError } from './errors.ts';
import type { Login, RpcCall, RpcParam } from './requests.ts';
import { parseLogin7, parseRpc, parseSqlBatch } from './requests.ts';
import type { DoneKind } from './tokens.ts';
import { DoneStatus, doneToken, envChangeToken, loginResponse, messageToken, preloginResponse, returnIntValueToken, returnStatusToken } from './tokens.ts';

// Well-known procedure ids an RPC may name instead of a procedure name.
const RPC_PROCEDURES: Record<number, string> = { 10: 'sp_executesql', 11: 'sp_prepare', 12: 'sp_execute', 13: 'sp_prepexec', 15: 'sp_unprepare' };

/** A request as the handler sees it: the SQL and (for sp_executesql) named parameter values. */
export interface TdsRequest {
  kind: 'batch' | 'rpc';
  sql: string;
  params: RpcParam[];
}

/** Where a handler writes its result sets; `cancelled` turns true on the client's attention. */
export interface ResultSink {
  readonly cancelled: boolean;
  /** Start a result set with these columns. */
  columns(columns: readonly WireColumn[]): void;
  /** One row of the current result set. */
  row(values: readonly WireValue[]): void;
  /** Many rows of the current result set (a chunk), encoded at once. */
  rows(rows: readonly (readonly WireValue[])[]): void;
  /** End the current result set (sends its DONE with the row count). */
  endResultSet(rowCount: number): void;
  /** A statement that returned no rows (SET ...): its DONE only. */
  noResult(): void;
  /** Wait until the socket has drained (call between chunks). */
  drained(): Promise<void>;
}

/** Per-connection handler: checks the login, then answers requests. */
export interface TdsSession {
  execute(request: TdsRequest, sink: ResultSink): Promise<void>;
  /** Begin, commit or roll back a transaction (transaction-manager requests). */
  transaction(operation: 'begin' | 'commit' | 'rollback'): Promise<void>;
  close(): void;
}

/** What a TDS server needs from its owner. */
export interface TdsServerOptions {
  database: string;
  /** Check the login; return a session or throw SqlServerError (e.g. 18456). */
  openSession(login: Login): Promise<TdsSession>;
  /**
   * Called before each request; may throw SqlServerError, or return 'drop' to reset the socket
   * before answering, or 'drop-mid-response' to reset it after the first rows were sent.
   */
  beforeRequest?(request: TdsRequest, cancelled: () => boolean): Promise<'drop' | 'drop-mid-response' | void>;
  /** Told of every login attempt and its outcome (the error number of a refused one), for counters. */
  onLogin?(attempt: LoginAttempt): void;
}

/** One login as the server saw it. */
export interface LoginAttempt {
  user: string;
  database: string;
  accepted: boolean;
  /** The SQL Server error a refused login got (18456, 4060). */
  errorNumber?: number;
}

/** Create the TDS server (not yet listening). */
export function createTdsServer(options: TdsServerOptions): net.Server {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new TdsConnection(socket, options);
  });
  // close() waits for open connections; the pool keeps them, so cut them when closing.
  const close = server.close.bind(server);
  server.close = (callback?: (err?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return server;
}

class TdsConnection {
  private readonly reader = new MessageReader();
  private queue: Promise<void> = Promise.resolve();
  private session: TdsSession | undefined;
  private packetSize = 4096;
  private busy = false;
  private closed = false;
  private cancelRequested = false;
  private transactionCount = 0;
  private readonly prepared = new Map<number, string>();
  private preparedCount = 0;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: TdsServerOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data) => this.onData(data));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      // A query still running keeps its DuckDB connection until it notices and stops.
      if (!this.busy) this.closeSession();
    });
  }

  private onData(data: Buffer): void {
    let messages;
    try {
      messages = this.reader.push(data);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const message of messages) {
      if (message.type === PacketType.attention) {
        // Attention is handled at once, not behind the request it cancels.
        if (this.busy) this.cancelRequested = true;
        else this.send(doneToken('done', DoneStatus.attention, 0, 0));
        continue;
      }
      this.queue = this.queue.then(() => this.dispatch(message.type, message.payload)).catch(() => void this.socket.destroy());
    }
  }

  private closeSession(): void {
    const session = this.session;
    this.session = undefined;
    session?.close();
  }

  private send(tokens: Buffer): void {
    const writer = new MessageWriter(this.socket, this.packetSize);
    writer.write(tokens);
    writer.end();
  }

  private async dispatch(type: number, payload: Buffer): Promise<void> {
    switch (type) {
      case PacketType.prelogin:
        return this.send(preloginResponse());
      case PacketType.login7:
        return this.login(payload);
      case PacketType.transactionManager:
        return this.transactionManager(payload);
      case PacketType.sqlBatch:
        if (!this.session) return void this.socket.destroy();
        return this.run({ kind: 'batch', sql: parseSqlBatch(payload), params: [] });
      case PacketType.rpc: {
        if (!this.session) return void this.socket.destroy();
        let call;
        try {
          call = parseRpc(payload);
        } catch (error) {
          // An RPC we cannot read is answered with an error, as SQL Server does, not a dead socket.
          const message = error instanceof Error ? error.message : String(error);
          return this.send(Buffer.concat([messageToken({ number: 8009, message }), doneToken('doneProc', DoneStatus.error, 0, 0)]));
        }
        return this.rpc(call);
      }
      default:
        this.socket.destroy();
    }
  }

  // sp_executesql runs a statement; sp_prepare / sp_execute / sp_unprepare are what
  // `sql.PreparedStatement` sends. Any other procedure does not exist here.
  private async rpc(call: RpcCall): Promise<void> {
    const procedure = typeof call.procedure === 'number' ? (RPC_PROCEDURES[call.procedure] ?? `#${call.procedure}`) : call.procedure.toLowerCase();
    const param = (name: string, position: number): RpcParam | undefined =>
      call.params.find((p) => p.name.toLowerCase() === `@${name}`) ?? call.params[position];
    const procDone = (failed = false): Buffer =>
      Buffer.concat([returnStatusToken(failed ? 1 : 0), doneToken('doneProc', failed ? DoneStatus.error : DoneStatus.final, 0, 0)]);
    switch (procedure) {
      case 'sp_executesql': {
        const [statement, , ...params] = call.params;
        return this.run({ kind: 'rpc', sql: String(statement?.value ?? ''), params });
      }
      case 'sp_prepare': {
        const handle = ++this.preparedCount;
        this.prepared.set(handle, String(param('stmt', 2)?.value ?? ''));
        return this.send(Buffer.concat([returnIntValueToken('@handle', handle), procDone()]));
      }
      case 'sp_execute': {
        const [handle, ...params] = call.params;
        const statement = this.prepared.get(Number(handle?.value));
        if (statement === undefined) {
          return this.send(
            Buffer.concat([messageToken({ number: 8179, message: `Could not find prepared statement with handle ${String(handle?.value)}.` }), procDone(true)]),
          );
        }
        return this.run({ kind: 'rpc', sql: statement, params });
      }
      case 'sp_unprepare':
        this.prepared.delete(Number(param('handle', 0)?.value));
        return this.send(procDone());
      default:
        return this.send(Buffer.concat([messageToken({ number: 2812, message: `Could not find stored procedure '${procedure}'.` }), procDone(true)]));
    }
  }

  // BEGIN/COMMIT/ROLLBACK as `sql.Transaction` sends them: answered with the ENVCHANGE that
  // carries the transaction descriptor the client then quotes in every request header.
  private async transactionManager(payload: Buffer): Promise<void> {
    if (!this.session) return void this.socket.destroy();
    const kind = payload.readUInt16LE(payload.readUInt32LE(0));
    const operation = kind === 5 ? 'begin' : kind === 7 ? 'commit' : kind === 8 ? 'rollback' : undefined;
    if (!operation) return this.send(doneToken('done', DoneStatus.final, 0, 0));
    const descriptor = Buffer.concat([Buffer.from([8]), Buffer.from([0, 0, 0, 0, 0, 0, 0, this.transactionCount & 0xff])]);
    try {
      await this.session.transaction(operation);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.send(Buffer.concat([messageToken({ number: 3902, message }), doneToken('done', DoneStatus.error, 0, 0)]));
    }
    const empty = Buffer.from([0]);
    const change =
      operation === 'begin'
        ? envChangeToken(8, Buffer.concat([Buffer.from([8]), Buffer.from([0, 0, 0, 0, 0, 0, 0, ++this.transactionCount & 0xff])]), empty)
        : envChangeToken(operation === 'commit' ? 9 : 10, empty, descriptor);
    this.send(Buffer.concat([change, doneToken('done', DoneStatus.final, 0, 0)]));
  }

  private async login(payload: Buffer): Promise<void> {
    const login = parseLogin7(payload);
    this.packetSize = Math.min(Math.max(login.packetSize || 4096, 512), 32767);
    try {
      if (login.database && login.database.toLowerCase() !== this.options.database.toLowerCase()) {
        throw new SqlServerError(4060, `Cannot open database "${login.database}" requested by the login. The login failed.`, 11);
      }
      this.session = await this.options.openSession(login);
      this.options.onLogin?.({ user: login.user, database: login.database, accepted: true });
      this.send(loginResponse(this.options.database, this.packetSize));
    } catch (error) {
      const e = error instanceof SqlServerError ? error : new SqlServerError(18456, `Login failed for user '${login.user}'.`, 14);
      this.options.onLogin?.({ user: login.user, database: login.database, accepted: false, errorNumber: e.number });
      this.send(
        Buffer.concat([
          messageToken({ number: e.number, message: e.message, severity: e.severity, state: e.state }),
          doneToken('done', DoneStatus.error, 0, 0),
        ]),
      );
      // SQL Server closes the connection after a failed login.
      this.socket.end();
    }
  }

  private async run(request: TdsRequest): Promise<void> {
    const writer = new MessageWriter(this.socket, this.packetSize);
    const rpc = request.kind === 'rpc';
    const statementDone: DoneKind = rpc ? 'doneInProc' : 'done';
    let columns: readonly WireColumn[] = [];
    this.busy = true;
    this.cancelRequested = false;
    // The sink reads the live cancel flag.
    const isCancelled = (): boolean => this.cancelRequested || this.socket.destroyed;
    const sink: ResultSink & { drained: () => Promise<void> } = {
      get cancelled() {
        return isCancelled();
      },
      columns(cols) {
        columns = cols;
        writer.write(colMetadataToken(cols));
      },
      row(values) {
        writer.write(rowToken(columns, values));
      },
      rows(rows) {
        writer.write(rowTokens(columns, rows));
      },
      endResultSet(rowCount) {
        writer.write(doneToken(statementDone, DoneStatus.count | DoneStatus.more, rowCount));
      },
      noResult() {
        writer.write(doneToken(statementDone, DoneStatus.more, 0, 0));
      },
      drained: () => writer.drained(),
    };
    let failed = false;
    // A reset, as when a network path dies, rather than an orderly close.
    const cut = (): void => {
      writer.flushPartial();
      this.socket.resetAndDestroy();
    };
    try {
      const fault = await this.options.beforeRequest?.(request, () => sink.cancelled);
      if (fault === 'drop') return cut();
      if (fault === 'drop-mid-response') {
        // Cut after the first chunk of rows has gone out (or at the end of a small result).
        sink.drained = async () => cut();
      }
      await this.session!.execute(request, sink);
      if (fault === 'drop-mid-response' && !this.socket.destroyed) return cut();
    } catch (error) {
      failed = true;
      const e = error instanceof SqlServerError ? error : new SqlServerError(50000, error instanceof Error ? error.message : String(error));
      writer.write(messageToken({ number: e.number, message: e.message, severity: e.severity, state: e.state }));
    } finally {
      this.busy = false;
      if (this.closed) this.closeSession();
    }
    if (this.socket.destroyed) return;
    if (this.cancelRequested) {
      // End the interrupted response, then acknowledge the attention in a message of its own:
      // the client discards the response and waits for a separate message with DONE_ATTN.
      this.cancelRequested = false;
      writer.write(doneToken('done', DoneStatus.final, 0, 0));
      writer.end();
      this.send(doneToken('done', DoneStatus.attention, 0, 0));
      return;
    } else if (rpc) {
      writer.write(returnStatusToken(failed ? 1 : 0));
      writer.write(doneToken('doneProc', failed ? DoneStatus.error : DoneStatus.final, 0, 0));
    } else {
      writer.write(doneToken('done', failed ? DoneStatus.error : DoneStatus.final, 0, 0));
    }
    writer.end();
  }
}
