/**
 * The nightly pipeline: extract → load → models → reports → write-back, each stage selectable.
 * Stages that this version does not have yet are refused when asked for, never faked.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { newLoadId } from '../load/sql-warehouse.ts';
import { loadResource } from '../load/load-resource.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Secrets } from './secrets.ts';
import { configuredSources } from './sources.ts';
import type { Warehouse } from '../load/types.ts';
import { runModels, sqlDate, sqlString } from '../transform/index.ts';
import type { ModelResult } from '../transform/index.ts';
import type { PlumblineConfig } from './config.ts';
import { configPath } from './config.ts';
import { PACKAGE_MODELS_DIR } from './paths.ts';

export const STAGES = ['extract', 'load', 'models', 'reports', 'writeback'] as const;
export type Stage = (typeof STAGES)[number];

/** The stages this version can run; the others arrive with their own issues. */
export const AVAILABLE_STAGES: readonly Stage[] = ['extract', 'load', 'models', 'reports'];

export interface PipelineOptions {
  warehouse: Warehouse;
  config: PlumblineConfig;
  secrets: Secrets;
  logger: Logger;
  asOf: string;
  /** Resources (`buildops.invoices`) or whole sources (`spectrum`) to re-read from scratch. */
  fullRefresh?: readonly string[];
  /** Resources (or whole sources) whose export file may be missing although their tables hold rows. */
  allowMissing?: readonly string[];
  stages: readonly Stage[];
  /** Model folders; defaults to the product's models plus the config's extra folders. */
  modelsDirs?: readonly string[];
  /** The reports stage: where (default `<reports.out_dir>/<as-of>/`), and whether to add chart PNGs and a PDF. */
  reports?: ReportStageOptions;
}

export interface ReportStageOptions {
  outDir?: string;
  png?: boolean;
  pdf?: boolean;
  /** The AR feed's window starts after this date (default: the previous feed's as-of date). */
  since?: string;
}

export interface ResourceLoad {
  resource: string;
  rows: number;
  quarantined: number;
  seconds: number;
  error: string | null;
}

export interface PipelineResult {
  runId: string;
  asOf: string;
  loads: ResourceLoad[];
  models: ModelResult[];
  /** Every report file written (empty when the reports stage did not run). */
  reports: string[];
  ok: boolean;
  seconds: number;
}

/** Parses `--stages a,b` into stages, refusing unknown and not-yet-available ones. */
export function parseStages(text: string | undefined): Stage[] {
  if (text === undefined) return [...AVAILABLE_STAGES];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!STAGES.includes(name as Stage)) throw new UsageError(`--stages: unknown stage "${name}"; stages are ${STAGES.join(', ')}`);
    if (!AVAILABLE_STAGES.includes(name as Stage))
      throw new UsageError(`--stages: the ${name} stage is not part of this version yet; available: ${AVAILABLE_STAGES.join(', ')}`);
  }
  return names as Stage[];
}

/** The SQL placeholders every model may use. */
export function modelVars(config: PlumblineConfig, asOf: string): Record<string, string> {
  return {
    as_of: sqlDate(asOf),
    company_code: sqlString(config.company.code ?? ''),
    time_zone: sqlString(config.company.time_zone),
    volume_drop_share: String(config.checks.volume_drop_share),
  };
}

/** Runs the selected stages in order and says whether all went well. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const runId = newLoadId();
  const { logger, config } = options;
  logger.info('run.start', `Run ${runId} as of ${options.asOf} into ${options.warehouse.displayName}`, { runId, asOf: options.asOf, stages: options.stages });
  let ok = true;
  let models: ModelResult[] = [];
  let loads: ResourceLoad[] = [];

  if (options.stages.includes('extract') || options.stages.includes('load')) {
    loads = await extractAndLoad(options, runId);
    const failed = loads.filter((l) => l.error !== null);
    // Marts built on a half-refreshed warehouse would mix old and new: stop, and let the rerun converge.
    if (failed.length > 0) {
      ok = false;
      logger.error(
        'run.stopped',
        `${failed.length} resource(s) failed to load; models and later stages are not run. The warehouse keeps its last good state for them; a rerun picks up from there.`,
      );
    }
  }

  if (ok && options.stages.includes('models')) {
    const dirs = options.modelsDirs ?? [PACKAGE_MODELS_DIR, ...config.models.extra_dirs.map((d) => configPath(config, d))];
    models = await runModels({ warehouse: options.warehouse, modelsDir: dirs, vars: modelVars(config, options.asOf), runId, logger });
    // A model skipped for want of a source is not a failure; a failed model (and so what it blocks) is.
    const failed = models.filter((m) => m.status === 'failed');
    if (failed.length > 0) ok = false;
    const built = models.filter((m) => m.status === 'success').length;
    const skipped = models.filter((m) => m.status === 'skipped').length;
    logger.info('models.done', `Models: ${built} built, ${failed.length} failed, ${skipped} skipped`, { built, failed: failed.length, skipped });
  }

  // Reports read the marts: after models that failed they would show a half-built warehouse.
  let reports: string[] = [];
  if (ok && options.stages.includes('reports')) {
    try {
      reports = await runReports(options.warehouse, config, options.asOf, logger, options.reports);
    } catch (error) {
      ok = false;
      logger.error('reports.failed', `Reports: ${errorMessage(error)}`);
    }
  }

  const seconds = (performance.now() - started) / 1000;
  logger.info('run.end', `Run ${runId} ${ok ? 'succeeded' : 'FAILED'} in ${seconds.toFixed(1)}s`, { runId, ok, seconds });
  return { runId, asOf: options.asOf, loads, models, reports, ok, seconds };
}

/** The folder a run's reports go to: `<reports.out_dir>/<as-of>/`, relative to the config file. */
export function reportsDir(config: PlumblineConfig, asOf: string): string {
  return join(configPath(config, config.reports.out_dir), asOf);
}

/** Writes every report of the warehouse's marts as of `asOf`; returns the paths written. */
export async function runReports(
  warehouse: Warehouse,
  config: PlumblineConfig,
  asOf: string,
  logger: Logger,
  options: ReportStageOptions = {},
): Promise<string[]> {
  const outDir = options.outDir ?? reportsDir(config, asOf);
  // Loaded on demand: the chart libraries are heavy, and most commands never draw.
  const { writeReports } = await import('../reports/index.ts');
  const result = await writeReports({
    warehouse,
    outDir,
    asOf,
    companyCode: config.company.code ?? null,
    logger,
    png: options.png,
    pdf: options.pdf,
    since: options.since,
  });
  logger.info('reports.done', `Reports: ${result.paths.length} file(s) in ${outDir}`, { outDir, files: result.paths.length });
  return result.paths;
}

/** Extracts and loads every configured resource; a failing resource is rolled back and reported, the others go on. */
async function extractAndLoad(options: PipelineOptions, runId: string): Promise<ResourceLoad[]> {
  const { logger, warehouse } = options;
  const sources = await configuredSources(options.config, options.secrets, logger);
  const loads: ResourceLoad[] = [];
  try {
    if (sources.resources.length === 0) logger.info('extract.none', 'No sources configured (sources.*.kind is none): nothing to extract');
    for (const resource of sources.resources) {
      const name = `${resource.source}.${resource.name}`;
      const fullRefresh = options.fullRefresh?.includes(name) || options.fullRefresh?.includes(resource.source) || false;
      try {
        const allowMissing = options.allowMissing?.includes(name) || options.allowMissing?.includes(resource.source) || false;
        const result = await loadResource(warehouse, resource, runId, { fullRefresh, asOf: options.asOf, allowMissing });
        loads.push({ resource: name, rows: result.rowsLoaded, quarantined: result.rowsQuarantined, seconds: result.seconds, error: null });
        const quarantine = result.rowsQuarantined > 0 ? `, ${result.rowsQuarantined} quarantined (see meta.quarantine)` : '';
        logger.info('load.done', `${name}: ${result.rowsLoaded} rows${quarantine} in ${result.seconds.toFixed(1)}s`, {
          resource: name,
          rows: result.rowsLoaded,
          quarantined: result.rowsQuarantined,
        });
      } catch (error) {
        loads.push({ resource: name, rows: 0, quarantined: 0, seconds: 0, error: errorMessage(error) });
        logger.error('load.failed', `${name}: ${errorMessage(error)}`, { resource: name });
      }
    }
  } finally {
    await sources.close();
  }
  return loads;
}
