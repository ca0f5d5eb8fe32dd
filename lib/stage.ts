/**
 * The stage contract. A stage (load, models, writeback, reports, …) is a named unit with one
 * signature: it receives the run's context and returns a result the pipeline stores in
 * meta.run_steps and the CLI prints, neither knowing which stage it is. A stage's own settings
 * come as plain values when the stage is made (the scheduler reads the config; stages never
 * import scheduler/). `W` is the warehouse type (lib/ imports nothing of the product).
 */
import type { ErrorRecord } from './errors.ts';
import type { Logger } from './logger.ts';

/**
 * How a stage or a step ended: `ok`; `failed`; `skipped` (with its reason: nothing to do, or an
 * earlier stage did not end well); `partial` (some steps ok, some failed); `cancelled` (the
 * run's AbortSignal fired).
 */
export type StageStatus = 'ok' | 'failed' | 'skipped' | 'partial' | 'cancelled';

/** One step of a stage: a resource loaded, a model built, a report written. */
export interface StepResult {
  /** What the step ran: `buildops.invoices`, `marts.ar_aging`, `cfo-report`. */
  name: string;
  status: StageStatus;
  rows: number | null;
  quarantined: number;
  seconds: number;
  /** Why it failed (or was cancelled), as stored and printed. */
  error: ErrorRecord | null;
  /** Why it was skipped. */
  reason: string | null;
  /** A few words beside the numbers, e.g. the child rows of a load (`384 items, 73 payments`). */
  note?: string | null;
}

/** What a stage returns. */
export interface StageResult<Output = unknown> {
  stage: string;
  status: StageStatus;
  /** Why the stage was skipped (or, for failed and partial, a one-line summary). */
  reason: string | null;
  seconds: number;
  /** Named counts for the summary line: `{ loaded: 20, failed: 1 }`, `{ built: 40, skipped: 3 }`. */
  counts: Record<string, number>;
  errors: ErrorRecord[];
  steps: StepResult[];
  /** What later stages and callers may use (the model results, the report paths). */
  output?: Output;
  /** Files the stage wrote, for the CLI to list under `heading` ("Reports written"). */
  files?: { heading: string; paths: string[] };
}

/** What every stage receives from the pipeline. */
export interface StageContext<W> {
  runId: string;
  warehouse: W;
  logger: Logger;
  asOf: string;
  companyCode: string | null;
  /** Fires on SIGINT/SIGTERM (or a caller's abort): stop at the next batch, model or report. */
  signal: AbortSignal;
  /** The results of the stages that ran before this one, by stage name. */
  earlier: ReadonlyMap<string, StageResult>;
  /** Stores a step as soon as it ends (meta.run_steps), not when the stage ends. */
  recordStep(step: StepResult): Promise<void>;
}

/** A stage: a name and one function from the run's context to its result. */
export interface Stage<W, Output = unknown> {
  name: string;
  run(context: StageContext<W>): Promise<StageResult<Output>>;
}

/** A step's result with the defaults filled in. */
export function stepResult(name: string, status: StageStatus, fields: Partial<Omit<StepResult, 'name' | 'status'>> = {}): StepResult {
  return { name, status, rows: null, quarantined: 0, seconds: 0, error: null, reason: null, ...fields };
}

/**
 * A stage's status from its steps: cancelled when any step was, ok when none failed, failed
 * when none succeeded, partial in between. Skipped steps count as neither.
 */
export function statusOfSteps(steps: readonly StepResult[]): StageStatus {
  if (steps.some((s) => s.status === 'cancelled')) return 'cancelled';
  const failed = steps.filter((s) => s.status === 'failed').length;
  if (failed === 0) return 'ok';
  return steps.some((s) => s.status === 'ok') ? 'partial' : 'failed';
}

/** A stored error as one line a person can act on: its message and, when there is one, its fix. */
export function messageWithFix(error: ErrorRecord): string {
  return error.fix && !error.message.includes(error.fix) ? `${error.message} — ${error.fix}` : error.message;
}

/** Counts the steps per status, for a stage's summary (`{ ok: 20, failed: 1 }`). */
export function countSteps(steps: readonly StepResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const step of steps) counts[step.status] = (counts[step.status] ?? 0) + 1;
  return counts;
}
