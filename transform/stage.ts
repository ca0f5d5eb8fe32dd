/**
 * The models stage: builds every model in dependency order (transform/run-models.ts), one step
 * per model. A model skipped for want of a source is not a failure; a failed model is. When every
 * mart was skipped the stage is `skipped`: nothing was there to find anything in.
 */
import { performance } from 'node:perf_hooks';
import { describeError } from '../lib/errors.ts';
import { statusOfSteps, stepResult } from '../lib/stage.ts';
import type { Stage, StageContext, StageResult, StepResult } from '../lib/stage.ts';
import type { Warehouse } from '../load/types.ts';
import { discoverModels, modelsReading } from './model-graph.ts';
import { runModels } from './run-models.ts';
import type { ModelResult } from './run-models.ts';

export interface ModelsStageOptions {
  /** Model folders (each with staging/, intermediate/, marts/). */
  modelsDirs: readonly string[];
  /** Values for the `{{ name }}` placeholders, as SQL literals. */
  vars: Readonly<Record<string, string>>;
  /** Keep the models whose SQL and inputs did not change since their last build (transform/unchanged-models.ts). */
  keepUnchanged?: boolean;
}

/** The models stage; its output is every model's result, in run order. */
export function modelsStage(options: ModelsStageOptions): Stage<Warehouse, ModelResult[]> {
  return { name: 'models', run: (context) => runModelsStage(options, context) };
}

async function runModelsStage(options: ModelsStageOptions, context: StageContext<Warehouse>): Promise<StageResult<ModelResult[]>> {
  const started = performance.now();
  const steps: StepResult[] = [];
  const models = await runModels({
    warehouse: context.warehouse,
    modelsDir: options.modelsDirs,
    vars: options.vars,
    runId: context.runId,
    logger: context.logger,
    signal: context.signal,
    keepUnchanged: options.keepUnchanged,
    onResult: async (model) => {
      const step = modelStep(model);
      steps.push(step);
      await context.recordStep(step);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const unchanged = models.filter((m) => m.unchanged).length;
  const built = models.filter((m) => m.status === 'success' && !m.unchanged).length;
  const failed = models.filter((m) => m.status === 'failed').length;
  const skipped = models.filter((m) => m.status === 'skipped').length;
  context.logger.info('models.done', `Models: ${built} built, ${unchanged} unchanged, ${failed} failed, ${skipped} skipped`, {
    built,
    unchanged,
    failed,
    skipped,
  });
  const counts: Record<string, number> = { built, failed, skipped };
  // A kept model is as good as built: its inputs are the ones it was built from.
  if (unchanged > 0) counts.unchanged = unchanged;
  const errors = steps.flatMap((s) => (s.error ? [s.error] : []));
  const result = { stage: 'models', seconds, counts, errors, steps, output: models };
  if (context.signal.aborted) return { ...result, status: 'cancelled', reason: `cancelled after ${models.length} model(s)` };
  // Only marts over the sources tell whether anything was there: a mart that reads no raw table,
  // directly or through the models beneath it (build_info, a seed, the outbox in meta), is always built.
  const all = discoverModels(options.modelsDirs);
  const overSources = modelsReading(all, [...new Set(all.flatMap((m) => m.refs.filter((ref) => ref.startsWith('raw.'))))]);
  const marts = models.filter((m) => m.name.startsWith('marts.') && overSources.has(m.name));
  if (marts.length > 0 && marts.every((m) => m.status === 'skipped')) {
    return { ...result, status: 'skipped', reason: 'every mart was skipped: none of the raw tables they read has been loaded' };
  }
  const status = statusOfSteps(steps);
  return { ...result, status, reason: status === 'ok' ? null : `${failed} model(s) failed; what reads them was skipped` };
}

/**
 * Whether a models stage that did not end ok failed only on data checks (every failed model broke a
 * check in its header, none an SQL error): each failed mart then kept its previous build.
 */
export function failedOnlyOnChecks(result: StageResult): boolean {
  if (result.status !== 'partial' && result.status !== 'failed') return false;
  const failed = ((result.output ?? []) as ModelResult[]).filter((m) => m.status === 'failed');
  return failed.length > 0 && failed.every((m) => m.failedCheck !== null);
}

/** A model's result as a step: its error when it failed, its reason when it was skipped. */
function modelStep(model: ModelResult): StepResult {
  if (model.status === 'success')
    return stepResult(model.name, 'ok', { rows: model.rows, seconds: model.seconds, note: model.unchanged ? 'unchanged since its last build' : null });
  if (model.status === 'skipped') return stepResult(model.name, 'skipped', { reason: model.error });
  const error = describeError(new Error(model.error ?? 'failed'));
  return stepResult(model.name, 'failed', {
    seconds: model.seconds,
    error: { ...error, name: 'ModelFailed', context: { stage: 'models', resource: model.name } },
  });
}
