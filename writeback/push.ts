/**
 * The push: sends the outbox's pending records to Spectrum exactly once, in order (jobs, then the
 * phases they need, then the invoices on them), and confirms what was sent by reading Spectrum back.
 *
 * Exactly once: a record's intent (`sending`, attempt n, batch GUID) is committed before its
 * request leaves and the answer after it. A record left `sending` (the process died, or the
 * answer was lost) is looked up live in Spectrum before anything else: found → `sent`, never sent
 * again; not found → sent once more. Data Exchange has no idempotency key, so this read-back is
 * the only safe way to retry.
 */
import { TransientError, isCancellation, isTransient, errorWithFix } from '../lib/errors.ts';
import type { RetryPolicy } from '../lib/retry.ts';
import { retryDelayMs, sleep } from '../lib/retry.ts';
import type { Logger } from '../lib/logger.ts';
import type { Warehouse } from '../load/types.ts';
import type { DataExchangeClient, DxResult } from './data-exchange-client.ts';
import type { OutboxRow, OutboxState } from './outbox.ts';
import { PARENT_DONE_STATES, readOutbound, readOutbox, refreshOutbox, rowParents, rowPayload, transition } from './outbox.ts';
import type { SpectrumReadBack } from './spectrum-read-back.ts';
import { readFieldLimits } from './field-limits.ts';

export interface PushOptions {
  warehouse: Warehouse;
  client: DataExchangeClient;
  readBack: SpectrumReadBack;
  runId: string;
  /** Batch_Code of the invoices imported by this push (Spectrum requires one, ≤ 10 characters). */
  batchCode: string;
  logger: Logger;
  signal?: AbortSignal;
  /** The shared retry policy for a record whose request failed transiently (default: 3 attempts in one push, then the next push). */
  retry?: RetryPolicy;
  /** Invoices per JSON request (default 25). */
  invoiceBatchSize?: number;
}

/** What one push did. */
export interface PushResult {
  sent: number;
  failed: number;
  blocked: number;
  /** Records whose parent is not in Spectrum yet (blocked, failed or not yet sent). */
  waiting: number;
  /** Records found already in Spectrum after an interrupted attempt (sent, not sent again). */
  recovered: number;
  /** Records still in doubt or failing transiently when the push ended: the next push retries them. */
  deferred: number;
  requests: number;
}

const ACTOR = 'plumbline';

/** Attempts per record in one push (each after reading Spectrum back); what is left waits for the next push. */
const PUSH_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 };

/** Refreshes the outbox from the marts, recovers interrupted records, then sends every pending record it can. */
export async function push(options: PushOptions): Promise<PushResult> {
  const { warehouse, logger } = options;
  await refreshOutbox(warehouse, await readOutbound(warehouse), options.runId);
  // The client checks every payload against the limits preflight used, just before it leaves.
  options.client.useFieldLimits(await readFieldLimits(warehouse));
  const result: PushResult = { sent: 0, failed: 0, blocked: 0, waiting: 0, recovered: 0, deferred: 0, requests: 0 };

  for (const row of await readOutbox(warehouse, ['sending'])) {
    options.signal?.throwIfAborted();
    await recover(options, row, result);
  }

  const states = new Map<string, OutboxState>((await readOutbox(warehouse)).map((r) => [r.outbox_id, r.state]));
  const pending = await readOutbox(warehouse, ['pending']);
  result.blocked = (await readOutbox(warehouse, ['blocked'])).length;
  const ready = (row: OutboxRow): boolean => rowParents(row).every((id) => PARENT_DONE_STATES.includes(states.get(id) ?? 'pending'));

  for (const order of [1, 2, 3]) {
    const rows = pending.filter((r) => Number(r.send_order) === order);
    const sendable = rows.filter(ready);
    result.waiting += rows.length - sendable.length;
    if (order < 3) {
      for (const row of sendable) {
        options.signal?.throwIfAborted();
        states.set(row.outbox_id, await sendOne(options, row, result));
      }
    } else {
      const size = options.invoiceBatchSize ?? 25;
      for (let i = 0; i < sendable.length; i += size) {
        options.signal?.throwIfAborted();
        for (const [id, state] of await sendInvoices(options, sendable.slice(i, i + size), result)) states.set(id, state);
      }
    }
  }
  logger.info(
    'writeback.pushed',
    `Write-back: ${result.sent} sent, ${result.failed} failed, ${result.blocked} blocked, ${result.waiting} waiting for a parent, ${result.recovered} found already in Spectrum, ${result.deferred} to retry`,
    { ...result },
  );
  return result;
}

/** A record left `sending`: look it up live; found → sent; not found → pending again (safe to send). */
async function recover(options: PushOptions, row: OutboxRow, result: PushResult): Promise<OutboxState> {
  const payload = rowPayload(row);
  const found = await options.readBack.find(row.record_type, payload.fields);
  if (found?.ours) {
    await transition(options.warehouse, row, 'sent', {
      actor: ACTOR,
      note: `found in Spectrum (${found.where}) after an interrupted attempt: not sent again`,
      runId: options.runId,
      set: { spectrum_ref: found.ref, sent_at: new Date(), message: null, fix: null },
    });
    result.recovered++;
    return 'sent';
  }
  if (found) {
    await transition(options.warehouse, row, 'failed', {
      actor: ACTOR,
      note: `number taken in Spectrum by another record (${found.ref})`,
      runId: options.runId,
      set: {
        message: `Spectrum already has ${row.record_type} ${found.ref} from another record`,
        fix: 'Renumber the record in BuildOps, or mark it synced if Spectrum’s record is this one.',
      },
    });
    result.failed++;
    return 'failed';
  }
  await transition(options.warehouse, row, 'pending', {
    actor: ACTOR,
    note: 'not in Spectrum after an interrupted attempt: safe to send again',
    runId: options.runId,
  });
  row.state = 'pending';
  return 'pending';
}

/** Sends one job or phase over SOAP, with its intent committed first. */
async function sendOne(options: PushOptions, row: OutboxRow, result: PushResult): Promise<OutboxState> {
  const payload = rowPayload(row);
  const service = payload.service === 'AddJob' ? 'AddJob' : 'AddPhase';
  const refused = options.client.refusal(payload);
  if (refused) return notSent(options, row, refused, result);
  let current: OutboxRow = row;
  for (let attempt = 1; ; attempt++) {
    current = await markSending(options, current);
    result.requests++;
    options.logger.info(
      'writeback.request',
      `Sending ${row.record_type} ${payload.fields.Job_Number ?? ''} ${payload.fields.Phase_Code ?? ''} to Spectrum (${service})`,
      {
        outboxId: row.outbox_id,
      },
    );
    try {
      const answer = await options.client.soap(service, payload.fields, options.signal);
      return await settle(options, current, answer, result, payload.fields.Job_Number ?? null);
    } catch (error) {
      const next = await afterFailure(options, current, error, attempt, result);
      if (next !== 'retry') return next;
      current = { ...current, state: 'pending' };
    }
  }
}

/** Sends invoices in one JSON request; each gets its own intent and its own answer. */
async function sendInvoices(options: PushOptions, rows: OutboxRow[], result: PushResult): Promise<Map<string, OutboxState>> {
  const out = new Map<string, OutboxState>();
  let batch: OutboxRow[] = [];
  for (const row of rows) {
    const refused = options.client.refusal(rowPayload(row));
    if (refused) out.set(row.outbox_id, await notSent(options, row, refused, result));
    else batch.push(row);
  }
  for (let attempt = 1; batch.length > 0; attempt++) {
    const sending: OutboxRow[] = [];
    for (const row of batch) sending.push(await markSending(options, row));
    result.requests++;
    options.logger.info('writeback.request', `Sending ${sending.length} invoice(s) to Spectrum`, { outboxIds: sending.map((r) => r.outbox_id) });
    let answers: DxResult[];
    try {
      answers = await options.client.invoices(
        sending.map((r) => {
          const payload = rowPayload(r);
          return { header: { ...payload.fields, Batch_Code: options.batchCode }, lines: payload.lines ?? [] };
        }),
        options.signal,
      );
    } catch (error) {
      const retry: OutboxRow[] = [];
      for (const row of sending) {
        const next = await afterFailure(options, row, error, attempt, result);
        if (next === 'retry') retry.push({ ...row, state: 'pending' });
        else out.set(row.outbox_id, next);
      }
      batch = retry;
      continue;
    }
    for (const [i, row] of sending.entries())
      out.set(row.outbox_id, await settle(options, row, answers[i]!, result, rowPayload(row).fields.Invoice_Or_Transaction ?? null));
    batch = [];
  }
  return out;
}

async function markSending(options: PushOptions, row: OutboxRow): Promise<OutboxRow> {
  const attempts = Number(row.attempts) + 1;
  const guid = options.client.batchGuid;
  await transition(options.warehouse, row, 'sending', {
    actor: ACTOR,
    note: `attempt ${attempts}, batch ${guid}`,
    runId: options.runId,
    set: { attempts, batch_guid: guid, last_run_id: options.runId },
  });
  return { ...row, state: 'sending', attempts, batch_guid: guid };
}

/** A record whose payload breaks a Spectrum field limit: failed without an attempt, never sent. */
async function notSent(options: PushOptions, row: OutboxRow, refused: DxResult, result: PushResult): Promise<OutboxState> {
  const message = `Not sent to Spectrum: ${refused.description.replace(/^not sent: /, '')}`;
  await transition(options.warehouse, row, 'failed', {
    actor: ACTOR,
    note: message,
    runId: options.runId,
    set: {
      last_response: JSON.stringify(refused),
      message,
      fix: `Correct ${refused.column} in BuildOps (the next push takes the new version), or cancel the record with a reason.`,
    },
  });
  result.failed++;
  return 'failed';
}

/** Records Spectrum's answer: accepted → sent; rejected → failed with Spectrum's column and words turned into a fix. */
async function settle(options: PushOptions, row: OutboxRow, answer: DxResult, result: PushResult, ref: string | null): Promise<OutboxState> {
  const response = JSON.stringify(answer);
  if (answer.accepted) {
    await transition(options.warehouse, row, 'sent', {
      actor: ACTOR,
      note: answer.description || 'accepted',
      runId: options.runId,
      set: { sent_at: new Date(), spectrum_ref: ref, last_response: response, message: null, fix: null },
    });
    result.sent++;
    return 'sent';
  }
  const message = `Spectrum refused ${answer.column || 'the record'}: ${answer.description}`;
  await transition(options.warehouse, row, 'failed', {
    actor: ACTOR,
    note: message,
    runId: options.runId,
    set: { last_response: response, message, fix: fixFor(answer) },
  });
  result.failed++;
  return 'failed';
}

/**
 * After a failed request: cancellation and terminal errors stop the push (the record stays
 * `sending`, and the next push reads it back); a transient one is read back at once — found →
 * sent, else tried again up to maxAttempts, then left for the next push.
 */
async function afterFailure(options: PushOptions, row: OutboxRow, error: unknown, attempt: number, result: PushResult): Promise<OutboxState | 'retry'> {
  if (isCancellation(error) || !isTransient(error)) throw error;
  options.logger.warn('writeback.transient', `${row.record_type} ${row.buildops_id}: ${errorWithFix(error)}`, { outboxId: row.outbox_id, attempt });
  const state = await recover(options, row, result);
  if (state !== 'pending') return state;
  const policy = { ...PUSH_RETRY, ...options.retry };
  if (attempt >= (policy.maxAttempts ?? 3)) {
    result.deferred++;
    return 'pending';
  }
  // The one retry policy of every network client: backoff with jitter, Retry-After with a floor, the abort signal.
  await sleep(retryDelayMs(policy, attempt, error instanceof TransientError ? error.retryAfterSeconds : undefined), options.signal);
  return 'retry';
}

/** A fix in a person's words for Spectrum's rejection, by the column it named. */
function fixFor(answer: DxResult): string {
  const column = answer.column.toLowerCase();
  if (column.includes('customer')) return 'Customer not synced yet: open it in BuildOps, Edit, Save, then retry.';
  if (column.includes('date')) return 'Change the date in BuildOps or ask accounting to open the period, then retry.';
  if (column.includes('phase') || column.includes('cost_type'))
    return 'Add or reactivate the phase on the job in Spectrum, or correct cost_code_map.csv, then retry.';
  if (column.includes('job')) return 'Check the job in Spectrum (it must exist and be open), then retry.';
  if (column.includes('gl')) return 'Correct the GL account in Spectrum or the BuildOps pricebook, then retry.';
  if (column.includes('cost_center')) return 'Map the department to an active cost center in department_cost_centers.csv, then retry.';
  return `Correct ${answer.column || 'the record'} in BuildOps, then run plumbline outbox retry <id>.`;
}

/** What confirm found. */
export interface ConfirmResult {
  confirmed: number;
  /** Sent invoices still in their unposted batch: a person must post them. */
  waitingToPost: { outboxId: string; ref: string | null; days: number }[];
  neverAppeared: number;
}

/**
 * Confirms sent records by reading Spectrum back: found posted → confirmed; an invoice still
 * unposted is reported with its age; one not found after `neverAppearedDays` is failed.
 */
export async function confirmSent(
  warehouse: Warehouse,
  readBack: SpectrumReadBack,
  options: { runId: string; neverAppearedDays: number; now?: Date },
): Promise<ConfirmResult> {
  const now = options.now ?? new Date();
  const out: ConfirmResult = { confirmed: 0, waitingToPost: [], neverAppeared: 0 };
  for (const row of await readOutbox(warehouse, ['sent'])) {
    const found = await readBack.find(row.record_type, rowPayload(row).fields);
    const days = row.sent_at ? Math.floor((now.getTime() - new Date(row.sent_at).getTime()) / 86_400_000) : 0;
    if (found?.ours && found.where === 'posted') {
      await transition(warehouse, row, 'confirmed', {
        actor: ACTOR,
        note: `read back posted in Spectrum as ${found.ref}`,
        runId: options.runId,
        set: { confirmed_at: now, spectrum_ref: found.ref },
      });
      out.confirmed++;
    } else if (found?.ours) {
      out.waitingToPost.push({ outboxId: row.outbox_id, ref: found.ref, days });
    } else if (days >= options.neverAppearedDays) {
      await transition(warehouse, row, 'failed', {
        actor: ACTOR,
        note: 'sent but never appeared in Spectrum',
        runId: options.runId,
        set: {
          message: `Sent ${days} days ago but never appeared in Spectrum`,
          fix: 'Ask accounting whether the import batch was deleted; then retry the record or mark it synced.',
        },
      });
      out.neverAppeared++;
    }
  }
  return out;
}
