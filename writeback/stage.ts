/**
 * The writeback stage of a run, between the models and the reports (so the reports show that
 * night's push): pushes the outbox to Spectrum and confirms what was sent. Off unless
 * `writeback.enabled: true` — a run never pushes by surprise; `plumbline push` is explicit.
 */
import { performance } from 'node:perf_hooks';
import { describeError, isCancellation } from '../lib/errors.ts';
import { countSteps, statusOfSteps, stepResult } from '../lib/stage.ts';
import type { Stage, StageContext, StageResult, StepResult } from '../lib/stage.ts';
import type { Warehouse } from '../load/types.ts';
import type { DataExchangeClient } from './data-exchange-client.ts';
import type { ConfirmResult, PushResult } from './push.ts';
import { confirmSent, push } from './push.ts';
import type { SpectrumReadBack } from './spectrum-read-back.ts';

export interface WritebackStageOptions {
  enabled: boolean;
  /** Opens the Data Exchange client and the live read-back (made by the scheduler from config and secrets). */
  connect(): { client: DataExchangeClient; readBack: SpectrumReadBack; close(): Promise<void> };
  batchCode: string;
  neverAppearedDays: number;
}

/** What the stage hands on: the push and the confirmation. */
export interface WritebackOutput {
  push: PushResult;
  confirm: ConfirmResult;
}

/** The writeback stage. */
export function writebackStage(options: WritebackStageOptions): Stage<Warehouse, WritebackOutput> {
  return { name: 'writeback', run: (context) => runWriteback(options, context) };
}

async function runWriteback(options: WritebackStageOptions, context: StageContext<Warehouse>): Promise<StageResult<WritebackOutput>> {
  const started = performance.now();
  const base = { stage: 'writeback', errors: [], steps: [], counts: {} };
  if (!options.enabled)
    return { ...base, status: 'skipped', reason: 'write-back is off (writeback.enabled: false); plumbline push sends on demand', seconds: 0 };
  const steps: StepResult[] = [];
  let pushed: PushResult | undefined;
  let confirmed: ConfirmResult | undefined;
  let connections: ReturnType<WritebackStageOptions['connect']> | undefined;
  try {
    connections = options.connect();
    let begun = performance.now();
    pushed = await push({
      warehouse: context.warehouse,
      client: connections.client,
      readBack: connections.readBack,
      runId: context.runId,
      batchCode: options.batchCode,
      logger: context.logger,
      signal: context.signal,
    });
    steps.push(stepResult('push', pushed.failed > 0 ? 'failed' : 'ok', { rows: pushed.sent, seconds: (performance.now() - begun) / 1000 }));
    await context.recordStep(steps[steps.length - 1]!);
    begun = performance.now();
    confirmed = await confirmSent(context.warehouse, connections.readBack, { runId: context.runId, neverAppearedDays: options.neverAppearedDays });
    steps.push(
      stepResult('confirm', confirmed.neverAppeared > 0 ? 'failed' : 'ok', { rows: confirmed.confirmed, seconds: (performance.now() - begun) / 1000 }),
    );
    await context.recordStep(steps[steps.length - 1]!);
  } catch (error) {
    const record = { ...describeError(error), context: { stage: 'writeback', ...describeError(error).context } };
    const step = stepResult(steps.length === 0 ? 'push' : 'confirm', isCancellation(error) ? 'cancelled' : 'failed', { error: record });
    steps.push(step);
    await context.recordStep(step);
  } finally {
    await connections?.close();
  }
  const status = statusOfSteps(steps);
  const counts: Record<string, number> = { ...countSteps(steps) };
  if (pushed) Object.assign(counts, { sent: pushed.sent, failed: pushed.failed, blocked: pushed.blocked, waiting: pushed.waiting });
  if (confirmed) Object.assign(counts, { confirmed: confirmed.confirmed, waiting_to_post: confirmed.waitingToPost.length });
  return {
    ...base,
    status,
    reason: status === 'ok' ? null : `write-back ${status}: see plumbline outbox --state failed`,
    seconds: (performance.now() - started) / 1000,
    counts,
    errors: steps.flatMap((s) => (s.error ? [s.error] : [])),
    steps,
    output: pushed && confirmed ? { push: pushed, confirm: confirmed } : undefined,
  };
}
