/**
 * The nightly pipeline: extract → load → models → reports → write-back, each stage selectable.
 * Stages that this version does not have yet are refused when asked for, never faked.
 */
import { performance } from 'node:perf_hooks';
import { UsageError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { newLoadId } from '../load/sql-warehouse.ts';
import type { Warehouse } from '../load/types.ts';
import { runModels, sqlDate, sqlString } from '../transform/index.ts';
import type { ModelResult } from '../transform/index.ts';
import type { PlumblineConfig } from './config.ts';
import { configPath } from './config.ts';
import { PACKAGE_MODELS_DIR } from './paths.ts';

export const STAGES = ['extract', 'load', 'models', 'reports', 'writeback'] as const;
export type Stage = (typeof STAGES)[number];

/** The stages this version can run; the others arrive with their own issues. */
export const AVAILABLE_STAGES: readonly Stage[] = ['extract', 'load', 'models'];

export interface PipelineOptions {
  warehouse: Warehouse;
  config: PlumblineConfig;
  logger: Logger;
  asOf: string;
  stages: readonly Stage[];
  /** Model folders; defaults to the product's models plus the config's extra folders. */
  modelsDirs?: readonly string[];
}

export interface PipelineResult {
  runId: string;
  asOf: string;
  models: ModelResult[];
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

  if (options.stages.includes('extract') || options.stages.includes('load')) {
    const configured = Object.entries(config.sources).filter(([, source]) => source.kind !== 'none');
    if (configured.length === 0) logger.info('extract.none', 'No sources configured (sources.*.kind is none): nothing to extract');
    for (const [name, source] of configured) {
      throw new UsageError(`sources.${name}.kind = ${source.kind}: this version cannot extract ${name} yet; set it to none or use a newer plumbline`);
    }
  }

  if (options.stages.includes('models')) {
    const dirs = options.modelsDirs ?? [PACKAGE_MODELS_DIR, ...config.models.extra_dirs.map((d) => configPath(config, d))];
    models = await runModels({ warehouse: options.warehouse, modelsDir: dirs, vars: modelVars(config, options.asOf), runId, logger });
    const failed = models.filter((m) => m.status !== 'success');
    if (failed.length > 0) ok = false;
    logger.info(
      'models.done',
      `Models: ${models.length - failed.length} built, ${models.filter((m) => m.status === 'failed').length} failed, ${models.filter((m) => m.status === 'skipped').length} skipped`,
    );
  }

  const seconds = (performance.now() - started) / 1000;
  logger.info('run.end', `Run ${runId} ${ok ? 'succeeded' : 'FAILED'} in ${seconds.toFixed(1)}s`, { runId, ok, seconds });
  return { runId, asOf: options.asOf, models, ok, seconds };
}
