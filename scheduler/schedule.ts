/**
 * `plumbline schedule`: the nightly run in a long-running process. It runs the same pipeline as
 * `plumbline run` on the config's cron expression (`schedule.cron`) in the company's time zone,
 * with node-cron (`noOverlap`: a tick while this process's run is still going is skipped and
 * logged). Each tick opens the warehouse, takes the run lock, runs, releases and closes it, so
 * `status`, `sql` and `report` read a DuckDB file between runs. A tick that finds another
 * process holding the warehouse waits up to lock.wait_seconds, logs the holder, and the
 * scheduler goes on to the next tick.
 *
 * SIGINT/SIGTERM during a run cancel it as they cancel `plumbline run` (the open load rolls
 * back, the run is stored cancelled, the lock released) and the process exits 130/143; between
 * runs the process exits 0 at once.
 */
import { notifyRunNotStarted } from '../notify/not-started.ts';
import { noticeSettings, notStartedInput } from './notice-settings.ts';
import { performance } from 'node:perf_hooks';
import { createTask } from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import { errorWithFix, isTransient, PlumblineError } from '../lib/errors.ts';
import { withFields } from '../lib/logger.ts';
import type { Logger } from '../lib/logger.ts';
import { newLoadId } from '../load/sql-warehouse.ts';
import type { Warehouse } from '../load/types.ts';
import { runPipeline } from './pipeline.ts';
import type { PipelineEntry, PipelineOptions, PipelineResult, StageName } from './pipeline.ts';
import { resolveAsOf } from './run-context.ts';
import type { RunContext } from './run-context.ts';
import { cancelOnSignals, SIGNAL_EXIT_CODES } from './signals.ts';
import type { HandledSignal } from './signals.ts';
import { prepareWarehouseFolder } from './warehouse-location.ts';

export interface ScheduleOptions {
  context: RunContext;
  stages: readonly StageName[];
  /** Run options every tick shares (full refresh is never one: a nightly run is incremental). */
  allowMissing?: readonly string[];
  /** Stop on SIGINT/SIGTERM (the CLI); a test stops the scheduler with `stop()` instead. */
  handleSignals?: boolean;
  /** The stages to run instead of the product's (a test's slow stage). */
  pipeline?: readonly PipelineEntry[];
}

/** How one tick ended. */
export interface TickOutcome {
  runId: string;
  /** The run's status; `held` when another process held the warehouse; `error` when the run could not start. */
  result: PipelineResult['status'] | 'held' | 'error';
  ms: number;
}

/** A running scheduler. */
export interface Scheduler {
  /** Resolves with the exit code once the scheduler has stopped: 0, or 130/143 when a signal cancelled a run. */
  done: Promise<number>;
  /** Every tick that ran, in order. */
  ticks: TickOutcome[];
  /** Stops ticking; the run going on (if any) finishes first. */
  stop(): Promise<void>;
}

/** Starts the scheduler on `schedule.cron` in `company.time_zone`. */
export function startScheduler(options: ScheduleOptions): Scheduler {
  const { context } = options;
  const { logger } = context;
  const { cron, run_on_start: runOnStart } = context.config.schedule;
  const timeZone = context.config.company.time_zone;
  const ticks: TickOutcome[] = [];
  let current: { runId: string; finished: Promise<void> } | null = null;
  let stopping: HandledSignal | 'stop' | null = null;
  // 0, or 130/143 once a signal has cancelled a run (a signal between runs exits 0).
  let exitCode = 0;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const tick = async (): Promise<void> => {
    if (stopping) return;
    if (current) {
      // node-cron's noOverlap skips its own ticks; this also covers the run on start.
      logger.warn('schedule.overlap', `Tick skipped: run ${current.runId} of this scheduler is still going`, { run_id: current.runId });
      return;
    }
    const runId = newLoadId();
    const cancellation = options.handleSignals ? cancelOnSignals(withFields(logger, { run_id: runId })) : null;
    let settle: () => void = () => undefined;
    current = { runId, finished: new Promise<void>((resolve) => (settle = resolve)) };
    try {
      ticks.push(await runOnce(options, runId, cancellation?.signal));
    } finally {
      cancellation?.dispose();
      current = null;
      settle();
    }
    if (stopping) await shutdown();
  };

  const task: ScheduledTask = createTask(cron, tick, {
    name: 'plumbline nightly run',
    timezone: timeZone,
    noOverlap: true,
    logger: cronLogger(logger),
  });
  task.on('execution:overlap', () => {
    logger.warn('schedule.overlap', `Tick skipped: run ${current?.runId ?? '(starting)'} of this scheduler is still going`, { run_id: current?.runId ?? null });
  });

  let shut = false;
  const shutdown = async (): Promise<void> => {
    if (shut) return;
    shut = true;
    await task.destroy();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    const last = ticks.at(-1);
    const cancelled = exitCode !== 0 && last ? `: run ${last.runId} was stopped by ${String(stopping)} and stored as ${last.result}` : '';
    logger.info('schedule.stop', `Scheduler stopped${cancelled}`, { exitCode });
    finish(exitCode);
  };

  // Between runs a signal ends the scheduler at once; during a run, the run's own handlers cancel it first.
  const onSignal = (name: HandledSignal): void => {
    if (stopping) return;
    stopping = name;
    if (current) exitCode = SIGNAL_EXIT_CODES[name];
    else void shutdown();
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  if (options.handleSignals) {
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  }

  void (async () => {
    await task.start();
    const next = task.getNextRun();
    logger.info(
      'schedule.start',
      `Scheduled: "${cron}" in ${timeZone}; next run ${next ? next.toISOString() : 'never'}${runOnStart ? '; running once now' : ''}`,
      {
        cron,
        timeZone,
        next: next?.toISOString() ?? null,
      },
    );
    if (runOnStart) await tick();
  })();

  return {
    done,
    ticks,
    stop: async () => {
      stopping ??= 'stop';
      await task.stop();
      if (current) await current.finished;
      await shutdown();
    },
  };
}

/** One tick: open the warehouse, take the lock, run, release, close; never throws (the scheduler goes on). */
async function runOnce(options: ScheduleOptions, runId: string, signal: AbortSignal | undefined): Promise<TickOutcome> {
  const { context } = options;
  const { logger } = context;
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  logger.info('schedule.tick', `Tick: run ${runId} starting`, { run_id: runId });
  let outcome: TickOutcome;
  let warehouse: Warehouse | null = null;
  let lockTaken = false;
  try {
    prepareWarehouseFolder(context.warehouseLocation);
    // A DuckDB file another process writes is waited for here (lock.wait_seconds); Postgres waits in the lock.
    warehouse = await context.openWarehouse();
    const lock = await context.acquireRunLock(warehouse, runId);
    lockTaken = true;
    try {
      const run: PipelineOptions = {
        warehouse,
        config: context.config,
        secrets: context.secrets,
        logger,
        asOf: resolveAsOf(undefined, context.config),
        stages: options.stages,
        allowMissing: options.allowMissing,
        trigger: 'schedule',
        runId,
        signal,
        pipeline: options.pipeline,
      };
      const result = await runPipeline(run);
      outcome = { runId, result: result.status, ms: ms() };
    } finally {
      await lock.release();
    }
  } catch (error) {
    const held = isTransient(error) && error instanceof PlumblineError && error.scope === 'run';
    outcome = { runId, result: held ? 'held' : 'error', ms: ms() };
    if (held) logger.warn('schedule.held', `Tick skipped: ${errorWithFix(error)} The scheduler tries again at the next tick.`, { run_id: runId });
    else logger.error('schedule.error', `Run ${runId} could not run: ${errorWithFix(error)}`, { run_id: runId });
    // No stage ran to tell anyone: operations hears it here (a notice never throws).
    if (!lockTaken)
      await notifyRunNotStarted(
        noticeSettings(context.config, context.secrets),
        notStartedInput(context, error, resolveAsOf(undefined, context.config), 'schedule'),
      );
  } finally {
    await warehouse?.close().catch((error: unknown) => logger.error('schedule.error', `Closing the warehouse: ${errorWithFix(error)}`, { run_id: runId }));
  }
  const level = outcome.result === 'ok' ? 'info' : 'warn';
  logger[level]('schedule.tick.end', `Tick: run ${runId} ended ${outcome.result} in ${outcome.ms} ms`, {
    run_id: runId,
    result: outcome.result,
    ms: outcome.ms,
  });
  return outcome;
}

/** node-cron's own messages (a missed tick after a sleep, a failed one) go through the run's logger. */
function cronLogger(logger: Logger): { info(m: string): void; warn(m: string): void; error(m: string | Error): void; debug(m: string | Error): void } {
  const text = (m: string | Error): string => (m instanceof Error ? m.message : m);
  return {
    info: (m) => logger.debug('schedule.cron', text(m)),
    debug: (m) => logger.debug('schedule.cron', text(m)),
    warn: (m) => logger.warn('schedule.cron', text(m)),
    error: (m) => logger.error('schedule.cron', text(m)),
  };
}
