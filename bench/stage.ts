/**
 * One benchmark stage, run as its own process so its peak RSS is its own: reads a JSON job
 * from argv, does it, and prints one `BENCH_RESULT {json}` line (rows, seconds, peak RSS).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger, silentLogger } from '../lib/logger.ts';
import type { Logger } from '../lib/logger.ts';
import { openWarehouse } from '../load/index.ts';
import type { Warehouse } from '../load/index.ts';
import { configSchema } from '../scheduler/config.ts';
import type { PlumblineConfig } from '../scheduler/config.ts';
import { runPipeline } from '../scheduler/pipeline.ts';
import type { Stage } from '../scheduler/pipeline.ts';
import { loadSecrets } from '../scheduler/secrets.ts';
import type { Secrets } from '../scheduler/secrets.ts';
import type { ReportOptions } from '../reports/types.ts';
import { copyMartsWithDuckDb } from './copy-limit.ts';
import { loadWithDuckDbReaders } from './load-limit.ts';
import { recordingMartReads } from './mart-reads.ts';
import { runModelSqlDirectly } from './model-limit.ts';
import { naiveInsertLoad } from './naive-insert.ts';

/** Where the sandbox's services are, as bench/serve-sandbox.ts prints them. */
export interface SandboxUrls {
  buildopsUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  sqlHost: string;
  sqlPort: number;
  database: string;
  user: string;
  password: string;
}

/** A stage to run, as the parent hands it over. */
export type StageJob =
  | { kind: 'pipeline'; warehouse: string; source: 'files' | 'api'; exportDir: string; stages: Stage[]; api?: SandboxUrls; outDir: string }
  | { kind: 'report'; warehouse: string; report: BenchReport; outDir: string }
  | { kind: 'ref-copy'; path: string; marts: string[]; outDir: string }
  | { kind: 'ref-readers'; exportDir: string; path: string }
  | { kind: 'ref-models'; path: string }
  | { kind: 'ref-naive'; exportDir: string; path: string; records: number };

/** The reports the benchmark times one by one. */
export type BenchReport = 'html' | 'ar-aging' | 'reconciliation' | 'insights' | 'feed';

/** What a stage reports. */
export interface StageResult {
  rows: number;
  seconds: number;
  peakRssMb: number;
  /** CPU seconds of the stage's process while it worked (the sandbox's servers, another process, not counted). */
  cpuSeconds?: number;
  ok: boolean;
  error: string | null;
  /** Seconds of parts of the stage, where it has parts (a full run: load, models, reports). */
  parts?: Record<string, number>;
  /** The slowest steps of a pipeline stage (resources loaded, models built), with their seconds and rows. */
  steps?: { name: string; seconds: number; rows: number | null; note: string | null }[];
  /** The marts a report stage read (the names its SQL used), for its reference. */
  marts?: string[];
}

/** How many of a pipeline stage's slowest steps are kept in its result. */
const SLOWEST_STEPS = 12;

const AS_OF = '2026-11-15';

/**
 * The pipeline's logger: silent, unless BENCH_LOG is set (`BENCH_LOG=1 npm run bench …`), then
 * every event on stderr with the process's RSS, to watch a long run (records/s, memory) as it goes.
 */
function benchLogger(): Logger {
  if (!process.env.BENCH_LOG) return silentLogger;
  const started = performance.now();
  // Reading the RSS costs a system call and a read of /proc: at most once a second.
  let rss = { at: -Infinity, mb: 0 };
  const rssMb = (now: number): number => {
    if (now - rss.at >= 1000) rss = { at: now, mb: Math.round(process.memoryUsage.rss() / 2 ** 20) };
    return rss.mb;
  };
  return createLogger({
    format: 'human',
    write: (line) => {
      const now = performance.now();
      process.stderr.write(`[stage ${((now - started) / 1000).toFixed(1)}s ${rssMb(now)} MB] ${line}\n`);
    },
  });
}
const COMPANY = '1';

function benchConfig(job: Extract<StageJob, { kind: 'pipeline' }>): { config: PlumblineConfig; secrets: Secrets } {
  const sources =
    job.source === 'files'
      ? { buildops: { kind: 'files', files_dir: job.exportDir }, spectrum: { kind: 'files', files_dir: job.exportDir } }
      : {
          buildops: { kind: 'api', base_url: job.api!.buildopsUrl, tenant_id: job.api!.tenantId },
          spectrum: {
            kind: 'sql',
            server: job.api!.sqlHost,
            port: job.api!.sqlPort,
            database: job.api!.database,
            encrypt: false,
            trust_server_certificate: true,
          },
        };
  const parsed = configSchema.parse({
    company: { code: COMPANY },
    warehouse: job.warehouse,
    mappings_dir: join(job.exportDir, 'mappings'),
    reports: { out_dir: job.outDir },
    sources,
  });
  const secrets = loadSecrets(
    job.api
      ? {
          BUILDOPS_CLIENT_ID: job.api.clientId,
          BUILDOPS_CLIENT_SECRET: job.api.clientSecret,
          SPECTRUM_SQL_USER: job.api.user,
          SPECTRUM_SQL_PASSWORD: job.api.password,
        }
      : {},
  );
  return { config: { ...parsed, baseDir: job.outDir, file: null }, secrets };
}

async function runPipelineJob(job: Extract<StageJob, { kind: 'pipeline' }>): Promise<Omit<StageResult, 'peakRssMb'>> {
  const { config, secrets } = benchConfig(job);
  const warehouse = await openWarehouse(job.warehouse);
  try {
    const started = performance.now();
    const result = await runPipeline({ warehouse, config, secrets, logger: benchLogger(), asOf: AS_OF, stages: job.stages, reports: { outDir: job.outDir } });
    const seconds = (performance.now() - started) / 1000;
    // Each pipeline stage's wall time (the sources load at once: their steps' seconds overlap).
    const stageSeconds = (name: string) => result.stages.find((s) => s.stage === name)?.seconds ?? 0;
    const steps = result.stages
      .flatMap((s) => s.steps.map((step) => ({ name: step.name, seconds: step.seconds, rows: step.rows, note: step.note ?? step.reason ?? null })))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, SLOWEST_STEPS);
    const errors = [
      ...result.loads.filter((l) => l.error).map((l) => `${l.resource}: ${l.error}`),
      ...result.models.filter((m) => m.status === 'failed').map((m) => `${m.name}: ${m.error}`),
    ];
    const loaded = result.loads.reduce((s, l) => s + l.rows, 0);
    const built = result.models.reduce((s, m) => s + (m.rows ?? 0), 0);
    return {
      rows: loaded > 0 ? loaded : built,
      seconds,
      ok: result.ok,
      error: errors.length > 0 ? errors.slice(0, 3).join('; ') : result.ok ? null : 'the run failed',
      parts: { load: stageSeconds('load'), models: stageSeconds('models'), reports: stageSeconds('reports') },
      steps,
    };
  } finally {
    await warehouse.close();
  }
}

/** The writer of each benchmarked report, loaded before the clock starts (a run loads them once for all reports). */
async function reportWriter(report: BenchReport): Promise<(options: ReportOptions) => Promise<unknown>> {
  switch (report) {
    case 'html':
      return (await import('../reports/html/index.ts')).writeCfoReport;
    case 'ar-aging':
      return (await import('../reports/excel/ar-aging.ts')).writeArAgingWorkbook;
    case 'reconciliation':
      return (await import('../reports/excel/reconciliation.ts')).writeReconciliationWorkbook;
    case 'insights':
      return (await import('../reports/excel/insights.ts')).writeInsightsWorkbook;
    case 'feed':
      return (await import('../reports/feed/index.ts')).writeArFeed;
  }
}

async function runReportJob(job: Extract<StageJob, { kind: 'report' }>): Promise<Omit<StageResult, 'peakRssMb'>> {
  const write = await reportWriter(job.report);
  const opened: Warehouse = await openWarehouse(job.warehouse);
  mkdirSync(job.outDir, { recursive: true });
  const marts = new Set<string>();
  const warehouse = recordingMartReads(opened, marts);
  const options = { warehouse, outDir: job.outDir, asOf: AS_OF, companyCode: COMPANY, logger: silentLogger };
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await write(options);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    // The rows of the marts it read (those built), as the reference copies them.
    const built = new Set((await opened.listRelations('marts')).map((r) => r.name));
    const read = [...marts].filter((m) => built.has(m)).sort();
    let rows = 0;
    for (const mart of read) rows += Number((await opened.query<{ n: number }>(`select count(*) as n from marts.${mart}`))[0]?.n ?? 0);
    return { rows, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, ok: true, error: null, marts: read };
  } finally {
    await opened.close();
  }
}

async function run(job: StageJob): Promise<Omit<StageResult, 'peakRssMb'>> {
  switch (job.kind) {
    case 'pipeline':
      return runPipelineJob(job);
    case 'report':
      return runReportJob(job);
    case 'ref-readers': {
      const started = performance.now();
      const rows = await loadWithDuckDbReaders(job.exportDir, job.path);
      return { rows, seconds: (performance.now() - started) / 1000, ok: true, error: null };
    }
    case 'ref-models': {
      const started = performance.now();
      const seconds = await runModelSqlDirectly(job.path, AS_OF, COMPANY);
      return { rows: Object.keys(seconds).length, seconds: (performance.now() - started) / 1000, ok: true, error: null };
    }
    case 'ref-copy': {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const rows = await copyMartsWithDuckDb(job.path, job.marts, job.outDir);
      const cpu = process.cpuUsage(cpuBefore);
      return { rows, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, ok: true, error: null };
    }
    case 'ref-naive': {
      const started = performance.now();
      const rows = await naiveInsertLoad(job.exportDir, job.path, job.records);
      return { rows, seconds: (performance.now() - started) / 1000, ok: true, error: null };
    }
  }
}

const job = JSON.parse(process.argv[2]!) as StageJob;
let result: Omit<StageResult, 'peakRssMb'>;
// CPU time of the work, every thread (DuckDB's included): on a shared machine it moves far less than the wall time.
const cpuBefore = process.cpuUsage();
try {
  result = await run(job);
} catch (error) {
  result = { rows: 0, seconds: 0, ok: false, error: error instanceof Error ? error.message : String(error) };
}
const cpu = process.cpuUsage(cpuBefore);
// A stage that timed its own work (a report, without loading its modules) says its CPU seconds itself.
const cpuSeconds = result.cpuSeconds ?? (cpu.user + cpu.system) / 1e6;
// maxRSS is in kilobytes: the whole process's peak, DuckDB's memory included.
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ ...result, peakRssMb, cpuSeconds })}\n`);
process.exit(0);
