/**
 * The pipeline: a list of stages in the order load → models → writeback → reports (after the
 * writeback, so they can show that run's push) → notify (last: it reports on all the others).
 * Adding a stage is adding an entry to PIPELINE. Each run is
 * stored as it goes: its row in meta.runs, each step in meta.run_steps as it ends.
 * A stage that this version does not have yet is refused when asked for, never faked.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CancelledError, UsageError, describeError, errorWithFix, isCancellation } from '../lib/errors.ts';
import { withFields } from '../lib/logger.ts';
import type { Logger } from '../lib/logger.ts';
import { messageWithFix } from '../lib/stage.ts';
import type { Stage as StageContract, StageContext, StageResult, StageStatus, StepResult } from '../lib/stage.ts';
import { PLUMBLINE_VERSION } from '../lib/version.ts';
import { loadStage } from '../load/stage.ts';
import { finishRun, markAbandonedRuns, recordStage, recordStep, startRun } from '../load/run-history.ts';
import type { RunTrigger } from '../load/run-history.ts';
import { newLoadId } from '../load/sql-warehouse.ts';
import type { Warehouse } from '../load/types.ts';
import { reportsStage } from '../reports/stage.ts';
import { sqlDate, sqlString, sqlTimestamp } from '../transform/index.ts';
import type { ModelResult } from '../transform/index.ts';
import { failedOnlyOnChecks, modelsStage } from '../transform/stage.ts';
import type { PlumblineConfig } from './config.ts';
import { configPath, findChromium } from './config.ts';
import { PACKAGE_MODELS_DIR } from './paths.ts';
import type { Secrets } from './secrets.ts';
import { configuredSources } from './sources.ts';
import { batchCode, spectrumConnections } from './writeback.ts';
import { writebackStage } from '../writeback/stage.ts';
import { noticeCompany, noticeSettings } from './notice-settings.ts';
import { notifyStage } from '../notify/stage.ts';

/** The stages, in run order. */
export const STAGES = ['load', 'models', 'writeback', 'reports', 'notify'] as const;
export type StageName = (typeof STAGES)[number];
/** A stage as `--stages` accepts it: its name, or `extract`, another name for `load`. */
export type Stage = StageName | 'extract';

const ALIASES: Readonly<Record<string, StageName>> = { extract: 'load' };

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
  /** What started the run (stored in meta.runs); default `manual`. */
  trigger?: RunTrigger;
  /** Aborting it cancels the run at the next batch, model or report (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  /** The run's clock: when it started (default now). The freshness checks measure each source's last load against it. */
  runAt?: Date;
  /** The run's id, when the caller made it first (to name the run in its lock); default a new one. */
  runId?: string;
  /** The stages to run instead of PIPELINE (tests give slow or failing ones; the CLI never does). */
  pipeline?: readonly PipelineEntry[];
}

export interface ReportStageOptions {
  outDir?: string;
  png?: boolean;
  pdf?: boolean;
  /** The AR feed's window starts after this date (default: the previous feed's as-of date). */
  since?: string;
  /** Where the report history is kept when the marts are read through a reader (see ReportOptions.history). */
  history?: Warehouse | null;
}

/** How the run ended before the stages that report on it (the notices): its status, message and start. */
export interface RunSoFar {
  runId: string;
  status: StageStatus;
  message: string | null;
  startedAt: Date;
}

/** One entry of the pipeline. */
export interface PipelineEntry {
  name: StageName;
  /** Makes the stage from the run's options, or null when this version does not have it yet. */
  create: ((options: PipelineOptions, run: RunSoFar) => StageContract<Warehouse>) | null;
  /**
   * Reports on the run: runs however the stages before it ended (failed or cancelled too), is
   * told how the run ended, and its own status never changes the run's (a notice that cannot
   * be sent never fails a run).
   */
  reportsOnRun?: boolean;
  /**
   * When this stage is skipped the run did nothing (no source, nothing modelled): the run fails,
   * and this says how to give it something to do.
   */
  nothingRanFix?: string;
  /**
   * Runs even after the models stage failed, when every model that failed failed a data check: each
   * failed mart kept its previous build, and what this stage writes says so (a report on a bad night).
   */
  runsAfterFailedChecks?: boolean;
}

const CONFIGURE_A_SOURCE =
  'Configure a source in plumbline.yaml (plumbline init writes one with every key commented): sources.buildops.kind api or files, ' +
  'sources.spectrum.kind sql or files, with their settings; or read an export folder with plumbline run --files <dir>.';

/** The pipeline: adding a stage is adding an entry here, in its place in the order. */
export const PIPELINE: readonly PipelineEntry[] = [
  {
    name: 'load',
    create: (o) => loadStage({ openSources: () => configuredSources(o.config, o.secrets, o.logger), fullRefresh: o.fullRefresh, allowMissing: o.allowMissing }),
    nothingRanFix: CONFIGURE_A_SOURCE,
  },
  {
    name: 'models',
    create: (o) =>
      modelsStage({
        modelsDirs: o.modelsDirs ?? [PACKAGE_MODELS_DIR, ...o.config.models.extra_dirs.map((d) => configPath(o.config, d))],
        vars: modelVars(o.config, o.asOf, o.runAt),
        // A run that loads keeps the models its loads did not touch; asking for the models alone
        // (run --stages models) rebuilds every one, as a person asking for it expects.
        keepUnchanged: normalizeStages(o.stages).includes('load'),
      }),
    nothingRanFix: `Load the sources first (plumbline run with the load stage). ${CONFIGURE_A_SOURCE}`,
  },
  // Before the reports, so they show that night's push.
  {
    name: 'writeback',
    create: (o) =>
      writebackStage({
        enabled: o.config.writeback.enabled,
        connect: () => spectrumConnections(o.config, o.secrets, o.logger),
        batchCode: batchCode(o.config.sources.spectrum.data_exchange.batch_code, o.asOf),
        neverAppearedDays: o.config.writeback.confirm_within_days,
      }),
  },
  {
    name: 'reports',
    create: (o) => reportsStage({ ...o.reports, outDir: o.reports?.outDir ?? reportsDir(o.config, o.asOf), chromium: o.reports?.pdf ? findChromium() : null }),
    runsAfterFailedChecks: true,
  },
  // Last, so the notices carry every stage's result and the report paths.
  {
    name: 'notify',
    create: (o, run) =>
      notifyStage({
        settings: noticeSettings(o.config, o.secrets),
        run: {
          ...run,
          trigger: o.trigger ?? 'manual',
          asOf: o.asOf,
          warehouse: o.warehouse.displayName,
          company: noticeCompany(o.config),
        },
      }),
    reportsOnRun: true,
  },
];

/** The stages this version can run; the others arrive with their own issues. */
export const AVAILABLE_STAGES: readonly StageName[] = PIPELINE.filter((e) => e.create !== null).map((e) => e.name);

/** What a run did, stage by stage. */
export interface PipelineResult {
  runId: string;
  asOf: string;
  status: StageStatus;
  ok: boolean;
  /** Why the run did not end ok, with what to do: one line. */
  message: string | null;
  seconds: number;
  /** Each stage asked for, in run order. */
  stages: StageResult[];
  /** The load stage's steps, one per resource (empty when it did not run). */
  loads: StepResult[];
  /** Every model's result (empty when the models stage did not run). */
  models: ModelResult[];
  /** Every report file written (empty when the reports stage did not run). */
  reports: string[];
}

/** Parses `--stages a,b` into stages in run order, refusing unknown and not-yet-available ones. */
export function parseStages(text: string | undefined): StageName[] {
  if (text === undefined) return [...AVAILABLE_STAGES];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!STAGES.includes(name as StageName) && !(name in ALIASES))
      throw new UsageError(`--stages: unknown stage "${name}"; stages are ${STAGES.join(', ')} (extract is another name for load)`);
    if (!AVAILABLE_STAGES.includes(canonical(name)))
      throw new UsageError(`--stages: the ${name} stage is not part of this version yet; available: ${AVAILABLE_STAGES.join(', ')}`);
  }
  return normalizeStages(names as Stage[]);
}

/** The SQL placeholders every model may use; `runAt` is the run's clock (`{{ run_at }}`, a UTC timestamp; default now). */
export function modelVars(config: PlumblineConfig, asOf: string, runAt: Date = new Date()): Record<string, string> {
  return {
    as_of: sqlDate(asOf),
    company_code: sqlString(config.company.code ?? ''),
    time_zone: sqlString(config.company.time_zone),
    writeback_gl_date: sqlString(config.sources.spectrum.data_exchange.gl_date),
    writeback_confirm_days: String(config.writeback.confirm_within_days),
    writeback_service_tickets: sqlString(config.writeback.service_tickets),
    ...insightVars(config),
    volume_drop_share: String(config.checks.volume_drop_share),
    run_at: sqlTimestamp(runAt),
    freshness_hours: String(config.checks.freshness_hours),
    ar_window_warn_days: String(config.checks.ar_window_warn_days),
  };
}

/** The insight settings as SQL literals: `{{ window_months }}`, `{{ overhead_rate }}` (null when unset), `{{ overrun_tolerance }}`. */
function insightVars(config: PlumblineConfig): Record<string, string> {
  const { window_months, overhead_rate, overrun_tolerance } = config.insights;
  const decimal = (x: number): string => `cast('${String(x)}' as decimal(18, 6))`;
  return {
    window_months: String(window_months),
    overhead_rate: overhead_rate === undefined ? 'cast(null as decimal(18, 6))' : decimal(overhead_rate),
    overrun_tolerance: decimal(overrun_tolerance),
  };
}

/** Runs the selected stages in order, storing the run as it goes; says how it ended. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const runAt = options.runAt ?? new Date();
  const runId = options.runId ?? newLoadId();
  const { warehouse } = options;
  // Every event of the run names it; every event of a stage names the stage (JSON logs filter on them).
  const logger = withFields(options.logger, { run_id: runId });
  const signal = options.signal ?? new AbortController().signal;
  const stages = normalizeStages(options.stages);
  const pipeline = options.pipeline ?? PIPELINE;
  const available = pipeline.filter((e) => e.create !== null).map((e) => e.name);
  for (const name of stages) {
    if (!available.includes(name)) throw new UsageError(`The ${name} stage is not part of this version yet; available: ${available.join(', ')}`);
  }
  logger.info('run.start', `Run ${runId} as of ${options.asOf} into ${warehouse.displayName}`, { runId, asOf: options.asOf, stages });
  for (const run of await markAbandonedRuns(warehouse)) {
    logger.warn('run.abandoned', `Run ${run.runId} was left running by a process that ended; marked abandoned (it had reached ${run.reached})`, { ...run });
  }
  const companyCode = options.config.company.code ?? null;
  await startRun(warehouse, {
    runId,
    trigger: options.trigger ?? 'manual',
    asOf: options.asOf,
    companyCode,
    plumblineVersion: PLUMBLINE_VERSION,
    stages,
    startedAt: runAt,
  });

  const results: StageResult[] = [];
  const earlier = new Map<string, StageResult>();
  let notRun: string | null = null;
  // Set when what stopped the run was models failing their data checks only (never a load failure).
  let onlyChecksFailed = false;
  for (const entry of pipeline) {
    if (!stages.includes(entry.name) || entry.create === null) continue;
    let result: StageResult;
    if (!entry.reportsOnRun && signal.aborted) result = skippedStage(entry.name, 'not run: the run was cancelled');
    else if (!entry.reportsOnRun && notRun && !(entry.runsAfterFailedChecks && onlyChecksFailed)) result = skippedStage(entry.name, notRun);
    else {
      const stageLogger = withFields(logger, { stage: entry.name });
      const context: StageContext<Warehouse> = {
        runId,
        warehouse,
        logger: stageLogger,
        asOf: options.asOf,
        companyCode,
        signal,
        earlier,
        recordStep: (step) => recordStep(warehouse, runId, entry.name, step),
      };
      const soFar = { runId, startedAt: runAt, ...runOutcome(countedResults(results, pipeline), signal, pipeline) };
      result = await runStage(entry.create({ ...options, runAt, logger: stageLogger }, soFar), context);
      const rows = result.steps.reduce((sum, s) => sum + (s.rows ?? 0), 0);
      logger.info('stage.end', `${entry.name}: ${result.status} in ${result.seconds.toFixed(1)}s`, {
        stage: entry.name,
        status: result.status,
        rows,
        ms: Math.round(result.seconds * 1000),
      });
    }
    results.push(result);
    earlier.set(entry.name, result);
    await recordStage(warehouse, runId, result);
    // Marts built on a half-refreshed warehouse would mix old and new; reports after failed models would show a half-built one,
    // unless every failure was a data check: then each failed mart kept its previous build, and the reports mark it.
    if (result.status !== 'ok' && result.status !== 'skipped' && notRun === null) {
      notRun = `not run: the ${entry.name} stage ended ${result.status}`;
      onlyChecksFailed = entry.name === 'models' && failedOnlyOnChecks(result);
    }
  }

  const outcome = runOutcome(countedResults(results, pipeline), signal, pipeline);
  await finishRun(warehouse, runId, outcome.status, outcome.message);
  const seconds = (performance.now() - started) / 1000;
  const ok = outcome.status === 'ok';
  const end = `Run ${runId} ${ok ? 'succeeded' : outcome.status === 'cancelled' ? 'was CANCELLED' : 'FAILED'} in ${seconds.toFixed(1)}s`;
  const ms = Math.round(seconds * 1000);
  if (ok) logger.info('run.end', end, { runId, ok, status: outcome.status, seconds, ms });
  else logger.error('run.end', `${end}: ${outcome.message}`, { runId, ok, status: outcome.status, seconds, ms });
  const output = <T>(name: StageName): T | undefined => results.find((r) => r.stage === name)?.output as T | undefined;
  return {
    runId,
    asOf: options.asOf,
    status: outcome.status,
    ok,
    message: outcome.message,
    seconds,
    stages: results,
    loads: results.find((r) => r.stage === 'load')?.steps ?? [],
    models: output<ModelResult[]>('models') ?? [],
    reports: output<string[]>('reports') ?? [],
  };
}

/** Runs one stage; a stage that throws instead of returning its result has failed (or was cancelled). */
async function runStage(stage: StageContract<Warehouse>, context: StageContext<Warehouse>): Promise<StageResult> {
  const started = performance.now();
  try {
    return await stage.run(context);
  } catch (error) {
    const record = { ...describeError(error), context: { stage: stage.name, ...describeError(error).context } };
    const status = isCancellation(error) || context.signal.aborted ? 'cancelled' : 'failed';
    if (status === 'failed') context.logger.error(`${stage.name}.failed`, `${stage.name}: ${errorWithFix(error)}`, { stage: stage.name, kind: record.kind });
    return { stage: stage.name, status, reason: record.message, seconds: (performance.now() - started) / 1000, counts: {}, errors: [record], steps: [] };
  }
}

/** The run's status and message: cancelled, failed or partial as its stages were; failed too when a stage that must do something did nothing. */
function runOutcome(results: readonly StageResult[], signal: AbortSignal, pipeline: readonly PipelineEntry[]): { status: StageStatus; message: string | null } {
  const cancelled = results.find((r) => r.status === 'cancelled');
  if (cancelled || signal.aborted) {
    const why = signal.reason instanceof CancelledError ? signal.reason.message : 'Cancelled';
    return { status: 'cancelled', message: `${why}${cancelled ? ` during the ${cancelled.stage} stage; ${cancelled.reason ?? ''}` : ''}`.trim() };
  }
  for (const status of ['failed', 'partial'] as const) {
    const stage = results.find((r) => r.status === status);
    if (!stage) continue;
    const first = stage.errors[0];
    return {
      status,
      message: `the ${stage.stage} stage ${status === 'failed' ? 'failed' : 'partly failed'}: ${stage.reason ?? ''}${first ? ` (first: ${messageWithFix(first)})` : ''}`,
    };
  }
  for (const result of results) {
    const fix = pipeline.find((e) => e.name === result.stage)?.nothingRanFix;
    if (result.status === 'skipped' && fix && !result.reason?.startsWith('not run:')) {
      return { status: 'failed', message: `nothing ran: ${result.reason}. ${fix}` };
    }
  }
  return { status: 'ok', message: null };
}

/** The stage results the run's status is made of: all but those reporting on the run. */
function countedResults(results: readonly StageResult[], pipeline: readonly PipelineEntry[]): StageResult[] {
  return results.filter((r) => !pipeline.find((e) => e.name === r.stage)?.reportsOnRun);
}

function skippedStage(stage: string, reason: string): StageResult {
  return { stage, status: 'skipped', reason, seconds: 0, counts: {}, errors: [], steps: [] };
}

function canonical(name: string): StageName {
  return ALIASES[name] ?? (name as StageName);
}

/** Stage names with aliases resolved, each once, in run order. */
function normalizeStages(names: readonly string[]): StageName[] {
  const wanted = new Set(names.map(canonical));
  return STAGES.filter((s) => wanted.has(s));
}

/** The folder a run's reports go to: `<reports.out_dir>/<as-of>/`, relative to the config file. */
export function reportsDir(config: PlumblineConfig, asOf: string): string {
  return join(configPath(config, config.reports.out_dir), asOf);
}

/** Writes every report of the warehouse's marts as of `asOf` (the `report` command); returns the paths written. */
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
    companyName: config.company.name ?? null,
    logger,
    png: options.png,
    pdf: options.pdf,
    chromium: options.pdf ? findChromium() : null,
    since: options.since,
    history: options.history,
  });
  logger.info('reports.done', `Reports: ${result.paths.length} file(s) in ${outDir}`, { outDir, files: result.paths.length });
  return result.paths;
}
