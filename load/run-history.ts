/**
 * The run records: `meta.runs` (one row per run, `running` until it ends) and `meta.run_steps`
 * (one row per step as it ends, one per stage when the stage ends). A run whose process died
 * (SIGKILL, power cut) leaves its row `running`; the next run marks it `abandoned` with the last
 * step it had reached.
 */
import { hostname } from 'node:os';
import { formatTimestamp } from '../lib/dates.ts';
import type { StageResult, StageStatus, StepResult } from '../lib/stage.ts';
import { metaDb } from './meta-database.ts';
import type { Warehouse } from './types.ts';

export type RunTrigger = 'manual' | 'schedule' | 'demo';

/** How a run ended, as stored: a stage status, or `abandoned` (its process died), or `running`. */
export type RunStatus = StageStatus | 'running' | 'abandoned';

export interface RunStart {
  runId: string;
  trigger: RunTrigger;
  asOf: string;
  companyCode: string | null;
  plumblineVersion: string;
  stages: readonly string[];
  startedAt: Date;
}

/** A run marked abandoned, and the last step it had recorded. */
export interface AbandonedRun {
  runId: string;
  reached: string;
}

// The runs going on in this process: never abandoned, even on DuckDB, where the process holds the file.
const activeRuns = new Set<string>();

/**
 * Marks the runs left `running` by a process that is gone. On DuckDB the file has one writer
 * process, so any `running` row not of a run going on in this process is dead; on Postgres only a
 * row of this host whose process is not alive is (another host's run may still be going: the
 * nightly scheduler's lock will say).
 */
export async function markAbandonedRuns(warehouse: Warehouse, now = new Date()): Promise<AbandonedRun[]> {
  const db = metaDb(warehouse);
  const running = await db.selectFrom('meta.runs').select(['run_id', 'host', 'pid']).where('status', '=', 'running').execute();
  const abandoned: AbandonedRun[] = [];
  for (const run of running) {
    if (activeRuns.has(run.run_id)) continue;
    if (warehouse.kind !== 'duckdb' && !(run.host === hostname() && run.pid !== null && !processAlive(Number(run.pid)))) continue;
    const reached = await lastStep(warehouse, run.run_id);
    await db
      .updateTable('meta.runs')
      .set({ status: 'abandoned', ended_at: formatTimestamp(now), message: `abandoned: its process ended without finishing; it had reached ${reached}` })
      .where('run_id', '=', run.run_id)
      .where('status', '=', 'running')
      .execute();
    abandoned.push({ runId: run.run_id, reached });
  }
  return abandoned;
}

/** Inserts the run's row, `running`. */
export async function startRun(warehouse: Warehouse, run: RunStart): Promise<void> {
  activeRuns.add(run.runId);
  await metaDb(warehouse)
    .insertInto('meta.runs')
    .values({
      run_id: run.runId,
      trigger: run.trigger,
      status: 'running',
      started_at: formatTimestamp(run.startedAt),
      ended_at: null,
      as_of: run.asOf,
      company_code: run.companyCode,
      warehouse: warehouse.displayName,
      plumbline_version: run.plumblineVersion,
      stages: run.stages.join(','),
      message: null,
      host: hostname(),
      pid: process.pid,
    })
    .execute();
}

/** Stores one step of a stage as it ends. */
export async function recordStep(warehouse: Warehouse, runId: string, stage: string, step: StepResult, now = new Date()): Promise<void> {
  await metaDb(warehouse)
    .insertInto('meta.run_steps')
    .values({
      run_id: runId,
      stage,
      step: step.name,
      status: step.status,
      rows: step.rows,
      quarantined: step.quarantined,
      seconds: step.seconds,
      error_kind: step.error?.kind ?? null,
      message: step.error?.message ?? step.reason,
      fix: step.error?.fix ?? null,
      ended_at: formatTimestamp(now),
    })
    .execute();
}

/** Stores a stage's own row (step null) when it ends: its status, counts and first error. */
export async function recordStage(warehouse: Warehouse, runId: string, result: StageResult, now = new Date()): Promise<void> {
  const first = result.errors[0] ?? null;
  const rows = result.steps.reduce((sum, s) => sum + (s.rows ?? 0), 0);
  await metaDb(warehouse)
    .insertInto('meta.run_steps')
    .values({
      run_id: runId,
      stage: result.stage,
      step: null,
      status: result.status,
      rows,
      quarantined: result.steps.reduce((sum, s) => sum + s.quarantined, 0),
      seconds: result.seconds,
      error_kind: first?.kind ?? null,
      message: result.reason ?? first?.message ?? null,
      fix: first?.fix ?? null,
      ended_at: formatTimestamp(now),
    })
    .execute();
}

/** Ends the run's row with its status and a one-line message. */
export async function finishRun(warehouse: Warehouse, runId: string, status: RunStatus, message: string | null, now = new Date()): Promise<void> {
  activeRuns.delete(runId);
  await metaDb(warehouse)
    .updateTable('meta.runs')
    .set({ status, ended_at: formatTimestamp(now), message })
    .where('run_id', '=', runId)
    .execute();
}

/** The runs, newest first. */
export async function listRuns(warehouse: Warehouse, limit = 20) {
  return metaDb(warehouse).selectFrom('meta.runs').selectAll().orderBy('started_at', 'desc').limit(limit).execute();
}

/** A run's steps in the order they ended. */
export async function runSteps(warehouse: Warehouse, runId: string) {
  return metaDb(warehouse).selectFrom('meta.run_steps').selectAll().where('run_id', '=', runId).orderBy('ended_at').execute();
}

async function lastStep(warehouse: Warehouse, runId: string): Promise<string> {
  const steps = await runSteps(warehouse, runId);
  const last = steps.at(-1);
  if (!last) return 'no step (it ended before its first step was stored)';
  return `${last.stage}${last.step ? ` ${last.step}` : ''} (${last.status}; ${steps.length} step${steps.length === 1 ? '' : 's'} stored)`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
