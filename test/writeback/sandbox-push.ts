/**
 * A sandbox contractor for the write-back tests: its store stays open behind the sandbox servers
 * (BuildOps API, Spectrum SQL over TDS, Data Exchange), its export is loaded into a warehouse, and
 * the push talks to the servers as it would to a real Spectrum.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { exportContractor, generateContractor, openStore } from '../../sandbox/index.ts';
import type { GroundTruth, Scale } from '../../sandbox/index.ts';
import type { SandboxServers } from '../../sandbox/servers/start.ts';
import { startSandboxServers } from '../../sandbox/servers/start.ts';
import type { Store } from '../../sandbox/store/open-store.ts';
import { SpectrumSqlClient } from '../../extract/spectrum/sql-client.ts';
import { DataExchangeClient } from '../../writeback/data-exchange-client.ts';
import { SqlReadBack } from '../../writeback/spectrum-read-back.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { filesConfig, loadAndBuild, rebuild } from '../support/sandbox-warehouse.ts';

export interface PushSandbox {
  store: Store;
  servers: SandboxServers;
  truth: GroundTruth;
  dir: string;
  warehouse: Warehouse;
  /** The config the models were built with. */
  config: PlumblineConfig;
  sql: SpectrumSqlClient;
  readBack: SqlReadBack;
  client(): DataExchangeClient;
  /** Rows of a Spectrum table in the sandbox store (the witness: what Spectrum really holds). */
  spectrum(sqlText: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Generates a contractor, starts its servers, loads its export into a new warehouse at `location` and builds the models
 * (with `writeback` settings other than the defaults, the models are built again with them).
 */
export async function pushSandbox(seed: number, scale: Scale, location: string, writeback?: Partial<PlumblineConfig['writeback']>): Promise<PushSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-push-'));
  const store = await openStore(':memory:');
  const truth = await generateContractor(store, { seed, scale });
  await exportContractor(store, dir);
  const servers = await startSandboxServers(store);
  const warehouse = await openWarehouse(location);
  const loaded = filesConfig(dir, truth, location);
  await loadAndBuild(warehouse, loaded, truth.asOf);
  const config = writeback ? { ...loaded, writeback: { ...loaded.writeback, ...writeback } } : loaded;
  if (writeback) await rebuild(warehouse, config, truth.asOf);
  const sql = new SpectrumSqlClient({
    server: servers.spectrumSql.host,
    port: servers.spectrumSql.port,
    database: servers.spectrumSql.database,
    user: servers.spectrumSql.user,
    password: servers.spectrumSql.password,
    encrypt: false,
    trustServerCertificate: true,
    logger: silentLogger,
  });
  return {
    store,
    servers,
    truth,
    dir,
    warehouse,
    config,
    sql,
    readBack: new SqlReadBack(sql),
    client: () =>
      new DataExchangeClient({ url: servers.dataExchange.url, companyCode: truth.companyCode, authorizationId: servers.dataExchange.authorizationId }),
    spectrum: async (sqlText) => (await store.connection.runAndReadAll(sqlText)).getRowObjectsJson() as Record<string, unknown>[],
    close: async () => {
      await warehouse.close();
      await sql.close();
      await servers.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The config file (written into the sandbox's folder) and the environment of a `plumbline push` child process against `box`. */
export function pushCliSetup(box: PushSandbox): { config: string; env: NodeJS.ProcessEnv } {
  const config = join(box.dir, 'plumbline.yaml');
  writeFileSync(
    config,
    [
      'company:',
      `  code: "${box.truth.companyCode}"`,
      `  time_zone: ${box.truth.timeZone}`,
      'sources:',
      '  spectrum:',
      '    kind: sql',
      `    server: ${box.servers.spectrumSql.host}`,
      `    port: ${box.servers.spectrumSql.port}`,
      `    database: ${box.servers.spectrumSql.database}`,
      '    encrypt: false',
      '    trust_server_certificate: true',
      '    data_exchange:',
      `      url: ${box.servers.dataExchange.url}`,
      '',
    ].join('\n'),
  );
  const env = {
    ...process.env,
    SPECTRUM_SQL_USER: box.servers.spectrumSql.user,
    SPECTRUM_SQL_PASSWORD: box.servers.spectrumSql.password,
    SPECTRUM_DX_AUTHORIZATION_ID: box.servers.dataExchange.authorizationId,
  };
  return { config, env };
}
