// One entry point: start the BuildOps API, the Spectrum SQL (TDS) server and Spectrum Data
// Exchange on localhost over one store, sharing one fault plan.
import type http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DuckDBInstance } from '@duckdb/node-api';
import { createBuildOpsApi } from './buildops-api.ts';
import { createDataExchange } from './data-exchange.ts';
import type { FaultPlan, FaultRule, Faults } from './faults.ts';
import { createFaults } from './faults.ts';
import { closeHttpServer, sleep } from './http-util.ts';
import { createSpectrumTdsServer } from './spectrum-tds.ts';
import { SqlServerError } from './tds/errors.ts';

export { postUnpostedBatch } from './post-batch.ts';

/** Sandbox credentials: fixed, well-known values (the sandbox holds no secrets). */
export interface SandboxCredentials {
  buildops: { clientId: string; clientSecret: string; tenantId: string };
  spectrumSql: { user: string; password: string; database: string };
  dataExchange: { authorizationId: string; companyCode: string };
}

/** The default sandbox credentials. */
export const DEFAULT_CREDENTIALS: SandboxCredentials = {
  buildops: { clientId: 'sandbox-client', clientSecret: 'sandbox-secret', tenantId: '00000000-0000-4000-8000-00000000beef' },
  spectrumSql: { user: 'infolink_ro', password: 'sandbox-Passw0rd', database: 'Spectrum' },
  dataExchange: { authorizationId: 'SANDBOX-AUTH-0001', companyCode: 'Z01' },
};

/** Options of startSandboxServers. */
export interface SandboxServerOptions {
  /** Ports to listen on; 0 (default) = any free port. */
  ports?: { buildops?: number; spectrumSql?: number; dataExchange?: number };
  /** Host to bind; default 127.0.0.1. */
  host?: string;
  credentials?: { [K in keyof SandboxCredentials]?: Partial<SandboxCredentials[K]> };
  /** An initial fault plan, or an existing Faults to share. */
  faults?: FaultPlan | FaultRule[] | Faults;
  /** BuildOps token lifetime in seconds (default 3600). */
  tokenLifetimeSeconds?: number;
  /** BuildOps short pages: one hidden record every N row slots (default 157, 0 = never). */
  shortPageEvery?: number;
  /** BuildOps requests served at once before 429 (default 10, 0 = no limit). */
  maxConcurrentRequests?: number;
  /** Data Exchange: idle GUID lifetime (default 24 h) and Get-service row cap (default 500). */
  guidIdleMs?: number;
  maxReadRows?: number;
  /** Spectrum tables the SQL login may not read (SELECT denied, SQL Server error 229), as an installation missing a grant. */
  deniedTables?: readonly string[];
}

/** The running sandbox: where each service is, how to log in, the fault plan, and close(). */
export interface SandboxServers {
  buildops: { url: string; clientId: string; clientSecret: string; tenantId: string };
  spectrumSql: { host: string; port: number; database: string; user: string; password: string };
  dataExchange: { url: string; authorizationId: string; companyCode: string };
  faults: Faults;
  /** Counters a test can read: Spectrum SQL logins accepted and refused (a wrong password must not be tried 21 times). */
  stats: SandboxStats;
  /** Direct controls for tests (the same effects are available as faults). */
  controls: {
    /** Invalidate every BuildOps token issued so far. */
    expireBuildOpsTokens(): void;
    /** Expire every Data Exchange GUID seen so far ("Time out has occurred"). */
    expireDataExchangeSessions(): void;
    /** Deny (or, with an empty list, grant again) SELECT on these Spectrum tables from the next request on. */
    denySelect(tables: readonly string[]): void;
  };
  /** Close every server and connection (safe to call twice). */
  close(): Promise<void>;
}

/** What the servers counted since they started. */
export interface SandboxStats {
  spectrumSql: { logins: number; failedLogins: number };
}

function isFaults(value: unknown): value is Faults {
  return typeof value === 'object' && value !== null && typeof (value as Faults).take === 'function';
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Start the three sandbox servers over a store (anything with the store's DuckDB `instance`). */
export async function startSandboxServers(store: { instance: DuckDBInstance }, options: SandboxServerOptions = {}): Promise<SandboxServers> {
  const host = options.host ?? '127.0.0.1';
  const creds: SandboxCredentials = {
    buildops: { ...DEFAULT_CREDENTIALS.buildops, ...options.credentials?.buildops },
    spectrumSql: { ...DEFAULT_CREDENTIALS.spectrumSql, ...options.credentials?.spectrumSql },
    dataExchange: { ...DEFAULT_CREDENTIALS.dataExchange, ...options.credentials?.dataExchange },
  };
  const faults = isFaults(options.faults) ? options.faults : createFaults(options.faults ?? []);

  const buildops = createBuildOpsApi(store.instance, {
    ...creds.buildops,
    faults,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    shortPageEvery: options.shortPageEvery,
    maxConcurrentRequests: options.maxConcurrentRequests,
  });
  const stats: SandboxStats = { spectrumSql: { logins: 0, failedLogins: 0 } };
  let deniedTables: readonly string[] = options.deniedTables ?? [];
  const tds = createSpectrumTdsServer(store.instance, {
    ...creds.spectrumSql,
    deniedTables: () => deniedTables,
    onLogin(attempt) {
      stats.spectrumSql.logins++;
      if (!attempt.accepted) stats.spectrumSql.failedLogins++;
    },
    async beforeRequest(request, cancelled) {
      for (const action of faults.take('spectrum-sql', { sql: request.sql, method: request.kind })) {
        // A slow query that the client cancels (attention, e.g. its request timeout) stops early.
        if (action.kind === 'delay') {
          for (const until = Date.now() + action.ms; Date.now() < until && !cancelled();) await sleep(Math.min(25, until - Date.now()));
        }
        if (action.kind === 'drop') return action.when === 'before' ? 'drop' : 'drop-mid-response';
        if (action.kind === 'sql-error') throw new SqlServerError(action.number, action.message);
      }
    },
  });
  const dataExchange = createDataExchange(store.instance, {
    authorizationId: creds.dataExchange.authorizationId,
    faults,
    guidIdleMs: options.guidIdleMs,
    maxReadRows: options.maxReadRows,
  });

  const started: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    const closers = started.splice(0);
    await Promise.all(closers.map((c) => c()));
  };
  try {
    const boPort = await listen(buildops.server, options.ports?.buildops ?? 0, host);
    started.push(async () => {
      await closeHttpServer(buildops.server as http.Server);
      buildops.releaseConnections();
    });
    const sqlPort = await listen(tds, options.ports?.spectrumSql ?? 0, host);
    started.push(() => new Promise<void>((r) => tds.close(() => r())));
    const dxPort = await listen(dataExchange.server, options.ports?.dataExchange ?? 0, host);
    started.push(() => closeHttpServer(dataExchange.server));
    return {
      buildops: { url: `http://${host}:${boPort}`, ...creds.buildops },
      spectrumSql: { host, port: sqlPort, ...creds.spectrumSql },
      dataExchange: { url: `http://${host}:${dxPort}`, ...creds.dataExchange },
      faults,
      stats,
      controls: {
        expireBuildOpsTokens: buildops.expireTokens,
        expireDataExchangeSessions: dataExchange.expireSessions,
        denySelect: (tables) => void (deniedTables = [...tables]),
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
