/**
 * The write-back benchmark: on a cached sandbox, per warehouse, the preflight models' time (the
 * runner's own seconds for marts.writeback_outbound, its lines and marts.writeback_preflight) and
 * the push's (refresh the outbox, send every clean record to the sandbox's Data Exchange over HTTP,
 * read back over TDS), then a second push that finds nothing to send and the confirmation. Each
 * backend gets its own copy of the sandbox's store, so both push into an untouched Spectrum. The
 * sandbox's servers run in this process: the push's seconds include Spectrum's side.
 *
 *   node --import tsx bench/writeback.ts [--scale medium] [--seed 1] [--warehouses duckdb,postgres]
 *                                        [--service-tickets individual|daily_summary] [--cache bench/.cache]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { DuckDBInstance } from '@duckdb/node-api';
import { SpectrumSqlClient } from '../extract/spectrum/sql-client.ts';
import { silentLogger } from '../lib/logger.ts';
import { openWarehouse } from '../load/index.ts';
import type { Scale } from '../sandbox/index.ts';
import { readGroundTruth } from '../sandbox/index.ts';
import { startSandboxServers } from '../sandbox/servers/start.ts';
import { configSchema } from '../scheduler/config.ts';
import { runPipeline } from '../scheduler/pipeline.ts';
import { loadSecrets } from '../scheduler/secrets.ts';
import { DataExchangeClient } from '../writeback/data-exchange-client.ts';
import { confirmSent, push } from '../writeback/push.ts';
import { SqlReadBack } from '../writeback/spectrum-read-back.ts';
import { createTestDatabase, startTestPostgres } from '../test/support/postgres-server.ts';
import { cachedSandbox } from './sandbox-cache.ts';

const PREFLIGHT_MODELS = ['marts.writeback_outbound', 'marts.writeback_outbound_lines', 'marts.writeback_preflight'];

const options = new Command()
  .option('--scale <scale>', 'sandbox scale', 'medium')
  .option('--seed <n>', 'sandbox seed', '1')
  .option('--warehouses <list>', 'duckdb,postgres', 'duckdb,postgres')
  .option('--service-tickets <mode>', 'writeback.service_tickets: individual or daily_summary', 'individual')
  .option('--cache <dir>', 'where the sandboxes are cached', join(fileURLToPath(new URL('.', import.meta.url)), '.cache'))
  .parse()
  .opts<{ scale: Scale; seed: string; warehouses: string; serviceTickets: string; cache: string }>();

const sandbox = await cachedSandbox(resolve(options.cache), Number(options.seed), options.scale, (l) => process.stderr.write(`${l}\n`));
const truth = await readGroundTruth(sandbox.exportDir);
const work = mkdtempSync(join(tmpdir(), 'plumbline-bench-wb-'));
const pg = options.warehouses.includes('postgres') ? await startTestPostgres() : null;
const lines: string[] = [];
try {
  for (const kind of options.warehouses.split(',')) {
    const location = kind === 'duckdb' ? join(work, 'warehouse.duckdb') : (await createTestDatabase(pg!.url!)).url;
    // A fresh copy of Spectrum for each backend: the push writes into it.
    const storeCopy = join(work, `store-${kind}.duckdb`);
    copyFileSync(sandbox.store, storeCopy);
    const instance = await DuckDBInstance.create(storeCopy);
    const servers = await startSandboxServers({ instance }, { shortPageEvery: 0, maxConcurrentRequests: 0 });
    const warehouse = await openWarehouse(location);
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
    try {
      const config = {
        ...configSchema.parse({
          company: { code: truth.companyCode, time_zone: truth.timeZone },
          warehouse: location,
          sources: { buildops: { kind: 'files', files_dir: sandbox.exportDir }, spectrum: { kind: 'files', files_dir: sandbox.exportDir } },
          writeback: { service_tickets: options.serviceTickets },
        }),
        baseDir: sandbox.exportDir,
        file: null,
      };
      const run = await runPipeline({ warehouse, config, secrets: loadSecrets({}), logger: silentLogger, asOf: truth.asOf, stages: ['load', 'models'] });
      if (!run.ok) throw new Error(`the load and models failed: ${run.message}`);
      const models = run.models.filter((m) => PREFLIGHT_MODELS.includes(m.name));
      const preflight = models.reduce((s, m) => s + m.seconds, 0);
      const allModels = run.models.reduce((s, m) => s + m.seconds, 0);
      const client = new DataExchangeClient({
        url: servers.dataExchange.url,
        companyCode: truth.companyCode,
        authorizationId: servers.dataExchange.authorizationId,
      });
      const readBack = new SqlReadBack(sql);
      const pushOptions = { warehouse, client, readBack, batchCode: 'BO261115', logger: silentLogger };
      let t = performance.now();
      const first = await push({ ...pushOptions, runId: 'bench-1' });
      const pushSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      const second = await push({ ...pushOptions, runId: 'bench-2' });
      const againSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      const confirmed = await confirmSent(warehouse, readBack, { runId: 'bench-3', neverAppearedDays: 7 });
      const confirmSeconds = (performance.now() - t) / 1000;
      const [outbound] = await warehouse.query<{ n: number }>(`select count(*) as n from marts.writeback_outbound`);
      lines.push(
        `${options.scale} seed ${options.seed} ${kind} (${options.serviceTickets}): ${Number(outbound!.n)} outbound records; preflight ${preflight.toFixed(2)} s ` +
          `(${models.map((m) => `${m.name.slice(6)} ${m.seconds.toFixed(2)}`).join(', ')}; ${((preflight / allModels) * 100).toFixed(0)}% of all models' ${allModels.toFixed(1)} s); ` +
          `push ${pushSeconds.toFixed(2)} s (${first.sent} sent in ${first.requests} requests, ${first.blocked} blocked, ${first.failed} failed, ` +
          `${(first.sent / pushSeconds).toFixed(0)} records/s); second push ${againSeconds.toFixed(2)} s (${second.sent} sent); ` +
          `confirm ${confirmSeconds.toFixed(2)} s (${confirmed.confirmed} confirmed, ${confirmed.waitingToPost.length} waiting to be posted)`,
      );
      process.stderr.write(`${lines[lines.length - 1]}\n`);
    } finally {
      await warehouse.close();
      await sql.close();
      await servers.close();
      instance.closeSync();
    }
  }
} finally {
  await pg?.stop();
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);
