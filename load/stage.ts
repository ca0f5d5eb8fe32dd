/**
 * The load stage: extracts and loads every configured resource, each in its own transaction.
 * A resource that fails is rolled back and the others go on — except that a failure whose scope
 * is its whole source (a login, DNS or certificate failure) stops that source: its remaining
 * resources are skipped with one reason naming the first failure, so the run shows one message,
 * not one per resource.
 */
import { performance } from 'node:perf_hooks';
import type { Resource } from '../extract/types.ts';
import { describeError, errorWithFix, isCancellation } from '../lib/errors.ts';
import type { ErrorRecord } from '../lib/errors.ts';
import { countSteps, messageWithFix, statusOfSteps, stepResult } from '../lib/stage.ts';
import type { Stage, StageContext, StageResult, StepResult } from '../lib/stage.ts';
import { loadResource } from './load-resource.ts';
import type { Warehouse } from './types.ts';
import { childRowsText, splitLoadRows } from './load-summary.ts';

/** How a step whose export was the one already loaded begins its note (counted as `unchanged`). */
const UNCHANGED_NOTE = 'unchanged since load';

/** The source of the user's mapping files: they load on every run, but are not data from a system. */
const MAPPINGS_SOURCE = 'mappings';

export interface OpenedSources {
  resources: readonly Resource[];
  /**
   * How many resources of a source load at once, by source (default 1: one after another), for
   * a source whose server serves several readers at once (an API's independent endpoints).
   */
  lanes?: Readonly<Record<string, number>>;
  /** Releases connections (the Spectrum SQL pool). */
  close(): Promise<void>;
}

export interface LoadStageOptions {
  /** Builds the configured resources (the scheduler reads the config and secrets for them). */
  openSources(): Promise<OpenedSources>;
  /** Resources (`buildops.invoices`) or whole sources (`spectrum`) to re-read from scratch. */
  fullRefresh?: readonly string[];
  /** Resources or sources whose export file may be missing although their tables hold rows (`--allow-missing`). */
  allowMissing?: readonly string[];
}

/** The load stage over the resources `openSources` gives. */
export function loadStage(options: LoadStageOptions): Stage<Warehouse> {
  return { name: 'load', run: (context) => runLoad(options, context) };
}

async function runLoad(options: LoadStageOptions, context: StageContext<Warehouse>): Promise<StageResult> {
  const started = performance.now();
  const { logger } = context;
  const sources = await options.openSources();
  const steps: StepResult[] = [];
  // A source (or the run) stopped by a failure of that scope, with the reason its other resources are not tried.
  const stopped = new Map<string, string>();
  let runStopped: string | null = null;
  const dataSources = new Set(sources.resources.map((r) => r.source).filter((s) => s !== MAPPINGS_SOURCE));
  // The sources load at once (one waits on the network while another parses), each source's
  // resources in order, in as many lanes as the source allows (one unless it says otherwise);
  // every load has a connection and a transaction of its own.
  const bySource = new Map<string, number[]>();
  sources.resources.forEach((resource, i) => bySource.set(resource.source, [...(bySource.get(resource.source) ?? []), i]));
  const results: (StepResult | undefined)[] = new Array(sources.resources.length);
  try {
    await Promise.all(
      [...bySource].map(async ([source, indexes]) => {
        const loadAt = async (i: number): Promise<void> => {
          if (context.signal.aborted) return;
          const resource = sources.resources[i]!;
          const name = `${resource.source}.${resource.name}`;
          const notTried = runStopped ?? stopped.get(resource.source);
          const step = notTried ? stepResult(name, 'skipped', { reason: notTried }) : await loadOne(options, context, resource, name);
          results[i] = step;
          await context.recordStep(step);
          if (step.error && step.status === 'failed') {
            const because = `not tried: ${resource.source} stopped at ${name}: ${messageWithFix(step.error)}`;
            if (step.error.scope === 'source') stopped.set(resource.source, because);
            if (step.error.scope === 'run') runStopped = because;
          }
        };
        // The first resource loads alone: a source that cannot be reached or logged into fails
        // once, and its other resources are skipped with that reason, whatever its lanes.
        if (indexes.length === 0) return;
        await loadAt(indexes[0]!);
        let next = 1;
        const lanes = Math.min(indexes.length - 1, Math.max(1, Math.floor(sources.lanes?.[source] ?? 1)));
        await Promise.all(
          Array.from({ length: lanes }, async () => {
            while (next < indexes.length) await loadAt(indexes[next++]!);
          }),
        );
      }),
    );
  } finally {
    await sources.close();
  }
  for (const step of results) if (step) steps.push(step);
  for (const [source, because] of stopped) {
    const skipped = steps.filter((s) => s.status === 'skipped' && s.name.startsWith(`${source}.`)).length;
    if (skipped > 0) logger.warn('load.source_stopped', `${source}: its ${skipped} other resource(s) were not tried (${because.replace(/^not tried: /, '')})`);
  }

  const errors = steps.map((s) => s.error).filter((e): e is ErrorRecord => e !== null);
  const seconds = (performance.now() - started) / 1000;
  const counts: Record<string, number> = { ...countSteps(steps), rows: steps.reduce((n, s) => n + (s.rows ?? 0), 0) };
  // Resources whose export was the one already loaded: ok, read again never (load/fingerprints.ts).
  const unchanged = steps.filter((s) => s.status === 'ok' && s.note?.startsWith(UNCHANGED_NOTE)).length;
  if (unchanged > 0) counts.unchanged = unchanged;
  if (context.signal.aborted) {
    const tried = steps.length;
    const left = sources.resources.length - tried;
    return { stage: 'load', status: 'cancelled', reason: `cancelled after ${tried} resource(s); ${left} not tried`, seconds, counts, errors, steps };
  }
  if (dataSources.size === 0) {
    // Only the mapping files: nothing of either system was read.
    return { stage: 'load', status: 'skipped', reason: 'no source is configured: only the mapping files were read', seconds, counts, errors, steps };
  }
  const status = statusOfSteps(steps);
  const failed = steps.filter((s) => s.status === 'failed').length;
  const reason = status === 'ok' ? null : `${failed} resource(s) failed to load and were rolled back`;
  return { stage: 'load', status, reason, seconds, counts, errors, steps };
}

async function loadOne(options: LoadStageOptions, context: StageContext<Warehouse>, resource: Resource, name: string): Promise<StepResult> {
  const { logger } = context;
  const started = performance.now();
  const fullRefresh = options.fullRefresh?.includes(name) || options.fullRefresh?.includes(resource.source) || false;
  logger.debug('load.start', `${name}: loading${fullRefresh ? ' from scratch (full refresh)' : ''}`, { resource: name });
  try {
    const result = await loadResource(
      context.warehouse,
      resource,
      context.runId,
      {
        fullRefresh,
        asOf: context.asOf,
        signal: context.signal,
        allowMissing: options.allowMissing?.includes(name) || options.allowMissing?.includes(resource.source) || false,
      },
      { logger: context.logger },
    );
    if (result.unchanged) {
      const since = result.unchanged.loadedAt ? ` of ${result.unchanged.loadedAt.toISOString()}` : '';
      const note = `${UNCHANGED_NOTE} ${result.unchanged.sinceLoadId}${since}`;
      logger.info('load.unchanged', `${name}: ${note} (the same content hash): not read again`, { resource: name, since: result.unchanged.sinceLoadId });
      return stepResult(name, 'ok', { seconds: result.seconds, note });
    }
    const quarantine = result.rowsQuarantined > 0 ? `, ${result.rowsQuarantined} quarantined (see meta.quarantine)` : '';
    // Records (rows of the main table) apart from the child rows its nested arrays became.
    const { records, childRows } = splitLoadRows(resource.tables, result.rowsByTable);
    const children = childRowsText(childRows);
    logger.info('load.done', `${name}: ${records} records${children ? ` (with ${children})` : ''}${quarantine} in ${result.seconds.toFixed(1)}s`, {
      resource: name,
      rows: result.rowsLoaded,
      quarantined: result.rowsQuarantined,
      ms: Math.round(result.seconds * 1000),
    });
    return stepResult(name, 'ok', {
      rows: records,
      quarantined: result.rowsQuarantined,
      seconds: result.seconds,
      note: children ? `with ${children}` : null,
    });
  } catch (error) {
    const seconds = (performance.now() - started) / 1000;
    const record = describeError(error);
    if (isCancellation(error) || context.signal.aborted) {
      logger.warn('load.cancelled', `${name}: cancelled; its load was rolled back`, { resource: name });
      return stepResult(name, 'cancelled', { seconds, error: { ...record, context: { stage: 'load', resource: name, ...record.context } } });
    }
    logger.error('load.failed', `${name}: ${errorWithFix(error)}`, { resource: name, kind: record.kind });
    return stepResult(name, 'failed', {
      seconds,
      error: { ...record, context: { stage: 'load', source: resource.source, resource: name, ...record.context } },
    });
  }
}
