/**
 * `npm run bench`: times each stage of plumbline on cached sandboxes, each stage a process of
 * its own (peak RSS per stage), beside references measured in the same run on the same data —
 * DuckDB's own readers of the export (the load limit), the model SQL run directly (the model
 * limit), a naive row-by-row loader, the marts each report read copied by DuckDB's COPY (the
 * report limit) — and prints the ratios, of the wall time and of the CPU
 * time (which a shared machine moves far less). Writes bench/results/<time>.json.
 *
 *   npm run bench -- [--scales small,medium] [--parts files,api,models,reports,full,nightly,refs]
 *                    [--warehouses duckdb,postgres] [--seed 42] [--cache bench/.cache] [--steps]
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { changeRecords, exportContractor, openStore } from '../sandbox/index.ts';
import type { Scale } from '../sandbox/index.ts';
import { createTestDatabase, startTestPostgres } from '../test/support/postgres-server.ts';
import { cachedSandbox } from './sandbox-cache.ts';
import type { CachedSandbox } from './sandbox-cache.ts';
import type { Stage } from '../scheduler/pipeline.ts';
import type { BenchReport, SandboxUrls, StageJob, StageResult } from './stage.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const PARTS = ['files', 'api', 'models', 'reports', 'full', 'nightly', 'refs'] as const;
type Part = (typeof PARTS)[number];
const REPORTS: readonly BenchReport[] = ['html', 'ar-aging', 'reconciliation', 'insights', 'feed'];
/** Invoices the naive loader inserts row by row (with their lines): enough for a rate, small enough to wait for. */
const NAIVE_RECORDS = 500;

/** One line of the table. */
interface Measurement {
  scale: Scale;
  warehouse: 'duckdb' | 'postgres' | '-';
  stage: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  /** CPU seconds of the stage's process (every thread), where the stage reports them. */
  cpuSeconds?: number;
  /** What it is compared with (another line's stage), and the ratio of the seconds. */
  reference: string | null;
  ratio: number | null;
  /** The ratio of the CPU seconds, where both report them (less at the mercy of other processes than the wall time). */
  cpuRatio?: number | null;
  ok: boolean;
  error: string | null;
  parts?: Record<string, number>;
  steps?: StageResult['steps'];
  /** The marts a report read (and its reference copied). */
  marts?: string[];
}

function runChild(script: string, args: string[], onLine?: (line: string) => void): Promise<{ out: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolveRun, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (onLine) for (const line of d.toString().split('\n')) if (line) onLine(line);
    });
    child.once('error', reject);
    if (onLine) resolveRun({ out, child });
    child.once('exit', () => resolveRun({ out, child }));
  });
}

/** Runs one stage in a child process and returns what it printed. */
async function runStage(job: StageJob): Promise<StageResult> {
  const { out } = await runChild('stage.ts', [JSON.stringify(job)]);
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) return { rows: 0, seconds: 0, peakRssMb: 0, ok: false, error: `the stage printed no result: ${out.slice(-300)}` };
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as StageResult;
}

/** Starts the sandbox's services over `store` in a child process; returns their URLs and a stop. */
async function serveSandbox(store: string): Promise<{ urls: SandboxUrls; stop(): Promise<void> }> {
  let found: (urls: SandboxUrls) => void = () => undefined;
  const ready = new Promise<SandboxUrls>((r) => (found = r));
  const { child } = await runChild('serve-sandbox.ts', [store], (line) => {
    if (line.startsWith('SANDBOX_URLS ')) found(JSON.parse(line.slice('SANDBOX_URLS '.length)) as SandboxUrls);
  });
  const urls = await Promise.race([ready, new Promise<never>((_, reject) => child.once('exit', () => reject(new Error('the sandbox servers exited'))))]);
  return {
    urls,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** Prints the measurements as a table. */
function printTable(rows: readonly Measurement[]): void {
  const header = ['scale', 'warehouse', 'stage', 'rows', 'seconds', 'rows/s', 'peak RSS MB', 'CPU s', 'reference', 'ratio', 'CPU ratio'];
  const cells = rows.map((m) => [
    m.scale,
    m.warehouse,
    m.stage + (m.ok ? '' : ` FAILED: ${(m.error ?? '').split('\n')[0]}`.slice(0, 120)),
    String(m.rows),
    m.seconds.toFixed(2),
    String(Math.round(m.rowsPerSecond)),
    String(m.peakRssMb),
    m.cpuSeconds === undefined ? '' : m.cpuSeconds.toFixed(1),
    m.reference ?? '',
    m.ratio === null ? '' : `${m.ratio.toFixed(2)}×`,
    m.cpuRatio === null || m.cpuRatio === undefined ? '' : `${m.cpuRatio.toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i >= 3 && i <= 7 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${cells.map(line).join('\n')}\n`);
}

/** Where each run's time went: its pipeline stages' seconds, and with `steps` its slowest steps. */
function printParts(rows: readonly Measurement[], steps: boolean): void {
  const runs = rows.filter((m) => m.parts && Object.values(m.parts).some((s) => s > 0));
  if (runs.length === 0) return;
  process.stdout.write('\nwhere the time went (seconds per pipeline stage)\n');
  for (const m of runs) {
    const parts = Object.entries(m.parts!)
      .filter(([, s]) => s > 0)
      .map(([name, s]) => `${name} ${s.toFixed(2)}`)
      .join(', ');
    process.stdout.write(`  ${m.scale} ${m.warehouse} ${m.stage}: ${parts}\n`);
    if (!steps) continue;
    for (const step of m.steps ?? [])
      process.stdout.write(
        `      ${step.seconds.toFixed(2).padStart(7)}s  ${step.name}${step.rows === null ? '' : ` ${step.rows} rows`}${step.note ? ` (${step.note})` : ''}\n`,
      );
  }
}

/** The marts each report read, as its reference copies them. */
function printMartsRead(rows: readonly Measurement[]): void {
  const refs = rows.filter((m) => m.warehouse === '-' && m.marts);
  if (refs.length === 0) return;
  process.stdout.write('\nmarts each report read (what its reference copies)\n');
  for (const m of refs) process.stdout.write(`  ${m.scale} ${m.stage.replace('ref: DuckDB COPY of the marts of ', '')}: ${m.marts!.join(', ')}\n`);
}

/**
 * The growth exponent of each stage's time in the work's size, between the two largest scales
 * measured: a process's fixed costs (starting Node, opening the warehouse) swamp a small scale
 * and would hide a stage that grows faster than linearly.
 */
function growthExponents(rows: readonly Measurement[]): { warehouse: string; stage: string; exponent: number; from: string; to: string }[] {
  const out: { warehouse: string; stage: string; exponent: number; from: string; to: string }[] = [];
  const keys = new Set(rows.map((r) => `${r.warehouse}|${r.stage}`));
  for (const key of keys) {
    const series = rows.filter((r) => `${r.warehouse}|${r.stage}` === key && r.ok && r.rows > 0 && r.seconds > 0).sort((a, b) => a.rows - b.rows);
    const first = series[series.length - 2];
    const last = series[series.length - 1];
    if (!first || !last || last.rows <= first.rows) continue;
    const exponent = Math.log(last.seconds / first.seconds) / Math.log(last.rows / first.rows);
    const [warehouse, stage] = key.split('|') as [string, string];
    out.push({ warehouse, stage, exponent, from: first.scale, to: last.scale });
  }
  return out;
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .option('--scales <list>', 'sandbox scales (tiny, small, medium, large)', 'medium')
    .option('--parts <list>', `what to measure: ${PARTS.join(', ')}`, PARTS.join(','))
    .option('--warehouses <list>', 'duckdb, postgres', 'duckdb,postgres')
    .option('--seed <n>', 'sandbox seed', '42')
    .option('--cache <dir>', 'where generated sandboxes are kept', join(BENCH_DIR, '.cache'))
    .option('--out <dir>', 'where the JSON results go', join(BENCH_DIR, 'results'))
    .option('--steps', "print each run's slowest steps (resources loaded, models built) under the table");
  program.parse(process.argv);
  const opts = program.opts<{ scales: string; parts: string; warehouses: string; seed: string; cache: string; out: string; steps?: boolean }>();
  const scales = opts.scales.split(',').map((s) => s.trim()) as Scale[];
  const parts = new Set(opts.parts.split(',').map((s) => s.trim()) as Part[]);
  for (const p of parts) if (!PARTS.includes(p)) throw new Error(`--parts: unknown part ${p}; parts are ${PARTS.join(', ')}`);
  const warehouses = opts.warehouses.split(',').map((s) => s.trim()) as ('duckdb' | 'postgres')[];
  const seed = Number(opts.seed);
  const cacheDir = resolve(opts.cache);
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

  const pg = warehouses.includes('postgres') ? await startTestPostgres() : null;
  if (pg && !pg.url) log(`Postgres is not measured: ${pg.description}`);
  const measurements: Measurement[] = [];
  const started = new Date();
  try {
    for (const scale of scales) {
      const sandbox = await cachedSandbox(cacheDir, seed, scale, log);
      const work = join(cacheDir, 'work', scale);
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work, { recursive: true });
      const add = (
        m: Omit<Measurement, 'scale' | 'rowsPerSecond' | 'reference' | 'ratio'>,
        reference: Measurement | undefined = undefined,
        referenceName?: string,
      ) => {
        const row: Measurement = {
          ...m,
          scale,
          rowsPerSecond: m.seconds > 0 ? m.rows / m.seconds : 0,
          reference: reference ? (referenceName ?? (reference.warehouse === '-' ? reference.stage : `${reference.warehouse} ${reference.stage}`)) : null,
          ratio: reference && reference.seconds > 0 && m.seconds > 0 ? m.seconds / reference.seconds : null,
          cpuRatio: reference?.cpuSeconds && m.cpuSeconds ? m.cpuSeconds / reference.cpuSeconds : null,
        };
        measurements.push(row);
        log(
          `${scale} ${row.warehouse} ${row.stage}: ${row.rows} rows in ${row.seconds.toFixed(2)}s, ${row.peakRssMb} MB${row.ok ? '' : ` FAILED ${row.error}`}`,
        );
        return row;
      };
      const find = (warehouse: string, stage: string) => measurements.find((m) => m.scale === scale && m.warehouse === warehouse && m.stage === stage);

      // References first: they name what each stage is compared with.
      if (parts.has('refs')) {
        add({
          warehouse: '-',
          stage: 'ref: DuckDB readers of the export',
          ...(await runStage({ kind: 'ref-readers', exportDir: sandbox.exportDir, path: join(work, 'readers.duckdb') })),
        });
        if (scale === scales[0]) {
          add({
            warehouse: '-',
            stage: `ref: naive row-by-row INSERT (${NAIVE_RECORDS} invoices)`,
            ...(await runStage({ kind: 'ref-naive', exportDir: sandbox.exportDir, path: join(work, 'naive.duckdb'), records: NAIVE_RECORDS })),
          });
        }
      }
      for (const kind of warehouses) {
        if (kind === 'postgres' && !pg?.url) continue;
        await benchWarehouse(kind, sandbox, work, parts, pg?.url ?? null, add, find);
      }
    }
  } finally {
    await pg?.stop();
  }
  process.stdout.write('\n');
  printTable(measurements);
  printParts(measurements, opts.steps === true);
  printMartsRead(measurements);
  const exponents = growthExponents(measurements);
  if (exponents.length > 0) {
    process.stdout.write('\ngrowth exponent of time in rows (1.0 = linear)\n');
    for (const e of exponents) process.stdout.write(`  ${e.warehouse.padEnd(9)} ${e.stage.padEnd(48)} ${e.exponent.toFixed(2)}  (${e.from} → ${e.to})\n`);
  }
  mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
  writeFileSync(file, `${JSON.stringify({ started: started.toISOString(), argv: process.argv.slice(2), seed, machine, measurements, exponents }, null, 2)}\n`);
  process.stdout.write(`\nwrote ${file}\n`);
}

type Add = (m: Omit<Measurement, 'scale' | 'rowsPerSecond' | 'reference' | 'ratio'>, reference?: Measurement, referenceName?: string) => Measurement;

/** Every stage on one warehouse backend. */
async function benchWarehouse(
  kind: 'duckdb' | 'postgres',
  sandbox: CachedSandbox,
  work: string,
  parts: ReadonlySet<Part>,
  pgUrl: string | null,
  add: Add,
  find: (warehouse: string, stage: string) => Measurement | undefined,
): Promise<void> {
  const newWarehouse = async (name: string) => (kind === 'duckdb' ? join(work, `${name}.duckdb`) : (await createTestDatabase(pgUrl!)).url);
  const pipeline = (warehouse: string, source: 'files' | 'api', stages: Stage[], api?: SandboxUrls, exportDir = sandbox.exportDir) =>
    runStage({ kind: 'pipeline', warehouse, source, exportDir, stages, api, outDir: join(work, `reports-${kind}`) });
  const readers = find('-', 'ref: DuckDB readers of the export');

  // extract + load from the files, then the models and the reports on what it loaded
  let loaded: string | null = null;
  if (parts.has('files') || parts.has('models') || parts.has('reports') || parts.has('refs')) {
    loaded = await newWarehouse('files');
    const files = add({ warehouse: kind, stage: 'extract+load from files', ...(await pipeline(loaded, 'files', ['extract', 'load'])) }, readers);
    if (kind === 'duckdb' && parts.has('refs') && files.ok) {
      // the model limit runs on a copy of the loaded warehouse, before the runner touches it
      copyFileSync(loaded, join(work, 'model-limit.duckdb'));
      if (existsSync(`${loaded}.wal`)) copyFileSync(`${loaded}.wal`, join(work, 'model-limit.duckdb.wal'));
      add({
        warehouse: '-',
        stage: 'ref: model SQL run directly (DuckDB)',
        ...(await runStage({ kind: 'ref-models', path: join(work, 'model-limit.duckdb') })),
      });
    }
  }
  if (loaded && (parts.has('models') || parts.has('reports'))) {
    const limit = find('-', 'ref: model SQL run directly (DuckDB)');
    add({ warehouse: kind, stage: 'models', ...(await pipeline(loaded, 'files', ['models'])) }, limit);
    if (parts.has('reports')) {
      for (const report of REPORTS) {
        const written = await runStage({ kind: 'report', warehouse: loaded, report, outDir: join(work, `reports-${kind}-${report}`) });
        // The reference: the marts the report read, copied to CSV by DuckDB itself (measured on the DuckDB warehouse).
        const refName = `ref: DuckDB COPY of the marts of ${report}`;
        if (kind === 'duckdb' && parts.has('refs') && written.ok && written.marts) {
          const copy = await runStage({ kind: 'ref-copy', path: loaded, marts: written.marts, outDir: join(work, `copy-${report}`) });
          add({ warehouse: '-', stage: refName, ...copy, marts: written.marts });
        }
        add({ warehouse: kind, stage: `report: ${report}`, ...written }, find('-', refName));
      }
    }
  }
  // the full run from files, and the night after: 1% of the records changed in the store, exported again
  if (parts.has('full') || parts.has('nightly')) {
    const full = await newWarehouse('full');
    const fullFiles = add(
      { warehouse: kind, stage: 'full run from files', ...(await pipeline(full, 'files', ['extract', 'load', 'models', 'reports'])) },
      kind === 'postgres' ? find('duckdb', 'full run from files') : undefined,
    );
    if (parts.has('nightly')) {
      const changed = await changedSandbox(sandbox, work);
      add(
        {
          warehouse: kind,
          stage: 'nightly from files after 1% changed',
          ...(await pipeline(full, 'files', ['extract', 'load', 'models', 'reports'], undefined, changed.exportDir)),
        },
        fullFiles,
      );
    }
  }
  // from the sandbox's BuildOps API and Spectrum SQL (TDS)
  if (parts.has('api')) {
    const servers = await serveSandbox(sandbox.store);
    try {
      const apiWarehouse = await newWarehouse('api');
      add(
        { warehouse: kind, stage: 'extract+load from the APIs', ...(await pipeline(apiWarehouse, 'api', ['extract', 'load'], servers.urls)) },
        find(kind, 'extract+load from files'),
      );
    } finally {
      await servers.stop();
    }
    if (parts.has('full') || parts.has('nightly')) {
      // A whole run from the APIs (load, models, reports), and with `nightly` the night after it, against that run.
      const fullApi = await newWarehouse('full-api');
      const first = await serveSandbox(sandbox.store);
      let fullRun: Measurement;
      try {
        fullRun = add(
          {
            warehouse: kind,
            stage: 'full run from the APIs',
            ...(await pipeline(fullApi, 'api', ['extract', 'load', 'models', 'reports'], first.urls)),
          },
          find(kind, 'full run from files'),
        );
      } finally {
        await first.stop();
      }
      if (!parts.has('nightly')) return;
      const changed = await changedSandbox(sandbox, work);
      const nightly = await serveSandbox(changed.store);
      try {
        add(
          {
            warehouse: kind,
            stage: 'nightly from the APIs after 1% changed',
            ...(await pipeline(fullApi, 'api', ['extract', 'load', 'models', 'reports'], nightly.urls)),
          },
          fullRun,
        );
      } finally {
        await nightly.stop();
      }
    }
  }
}

const changedSandboxes = new Map<string, CachedSandbox>();

/** A copy of the sandbox with 1% of its BuildOps records saved again, and its export (made once per scale). */
async function changedSandbox(sandbox: CachedSandbox, work: string): Promise<CachedSandbox> {
  const cached = changedSandboxes.get(sandbox.dir);
  if (cached) return cached;
  const dir = join(work, 'changed');
  mkdirSync(dir, { recursive: true });
  const changed = { dir, store: join(dir, 'store.duckdb'), exportDir: join(dir, 'export') };
  copyFileSync(sandbox.store, changed.store);
  const store = await openStore(changed.store);
  try {
    const result = await changeRecords(store, 0.01);
    process.stderr.write(`[bench] changed ${result.total} BuildOps records (1%) at ${result.at}\n`);
    await exportContractor(store, changed.exportDir);
  } finally {
    store.close();
  }
  cpSync(join(sandbox.exportDir, 'mappings'), join(changed.exportDir, 'mappings'), { recursive: true });
  changedSandboxes.set(sandbox.dir, changed);
  return changed;
}

await main();
