/**
 * The outbox (`meta.outbox`): one row per outbound record version, keyed by record type +
 * BuildOps id + BuildOps version, holding the payload frozen when preflight checked it.
 *
 * States: pending → blocked (preflight findings) | summarized (a service ticket that goes on a
 * daily summary invoice, never sent itself; summary_outbox_id names the summary) | sending (the intent, committed before the
 * request leaves) → sent (Spectrum accepted it) → confirmed (read back posted) | failed (rejected,
 * or never appeared); a person may set bypassed, marked_synced or cancelled; a record whose
 * BuildOps version changed before it was sent is superseded by the new version's row. Nothing is
 * ever deleted; every change of state is kept in `meta.outbox_events` with who and why.
 */
import type { Warehouse } from '../load/types.ts';
import type { OutboundLineRow, OutboundRow, Payload, RecordType } from './payload.ts';
import { buildPayload, outboxId, payloadHash, payloadText } from './payload.ts';

export type OutboxState =
  'pending' | 'blocked' | 'summarized' | 'sending' | 'sent' | 'confirmed' | 'failed' | 'bypassed' | 'marked_synced' | 'cancelled' | 'superseded';

/** The states in which the record is (or may be) in Spectrum: never sent again. */
export const IN_SPECTRUM_STATES: readonly OutboxState[] = ['sending', 'sent', 'confirmed', 'marked_synced'];
/** The states preflight re-checks at every refresh: nothing of the record has left. */
const RECHECKED_STATES: readonly OutboxState[] = ['pending', 'blocked', 'summarized'];
/** The states a child may follow: its parent is in Spectrum. */
export const PARENT_DONE_STATES: readonly OutboxState[] = ['sent', 'confirmed', 'marked_synced'];

/** A preflight finding as stored on a blocked record. */
export interface Finding {
  rule: string;
  field: string;
  value: string | null;
  limit_value: string | null;
  message: string;
  fix: string;
}

/** A row of meta.outbox. */
export interface OutboxRow {
  outbox_id: string;
  company_code: string;
  record_type: RecordType;
  buildops_id: string;
  buildops_version: number | null;
  send_order: number;
  parent_outbox_ids: string;
  state: OutboxState;
  payload: string;
  payload_hash: string;
  amount: string | null;
  findings: string | null;
  attempts: number;
  batch_guid: string | null;
  spectrum_ref: string | null;
  last_response: string | null;
  message: string | null;
  fix: string | null;
  changed_after_send: boolean | null;
  actor: string | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  confirmed_at: Date | null;
  last_run_id: string | null;
  summary_outbox_id: string | null;
}

/** The outbox row's payload, parsed. */
export function rowPayload(row: Pick<OutboxRow, 'payload'>): Payload {
  return JSON.parse(row.payload) as Payload;
}

/** The outbox row's parents (the records that must be in Spectrum before it). */
export function rowParents(row: Pick<OutboxRow, 'parent_outbox_ids'>): string[] {
  return JSON.parse(row.parent_outbox_ids) as string[];
}

/** Every outbox row, in send order. */
export async function readOutbox(warehouse: Warehouse, states?: readonly OutboxState[]): Promise<OutboxRow[]> {
  // A warehouse opened read-only before its first push may not have the table yet: then it is empty.
  if ((await warehouse.describe('meta', 'outbox')).length === 0) return [];
  const where = states && states.length > 0 ? `where state in (${states.map((_, i) => `$${i + 1}`).join(', ')})` : '';
  return warehouse.query<OutboxRow>(`select * from meta.outbox ${where} order by send_order, created_at, outbox_id`, states ?? []);
}

/** What the marts say should be sent now: each record with its payload and its findings. */
export interface OutboundRecord {
  id: string;
  row: OutboundRow;
  payload: Payload;
  payloadText: string;
  hash: string;
  amount: string | null;
  findings: Finding[];
  /** The outbox ids of the records it depends on (its job, the phases its lines need). */
  parentIds: string[];
  /** A service ticket on a daily summary invoice: the summary's outbox id. */
  summaryId: string | null;
}

/** Reads marts.writeback_outbound, its lines and marts.writeback_preflight into outbound records. */
export async function readOutbound(warehouse: Warehouse): Promise<OutboundRecord[]> {
  const rows = await warehouse.query<OutboundRow>(`select * from marts.writeback_outbound order by send_order, record_type, buildops_id`);
  const lines = await warehouse.query<OutboundLineRow>(`select * from marts.writeback_outbound_lines order by buildops_invoice_id, line_number`);
  const findings = await warehouse.query<Finding & { record_type: string; buildops_id: string }>(
    `select record_type, buildops_id, rule, field, value, limit_value, message, fix from marts.writeback_preflight order by rule, field`,
  );
  const linesOf = groupBy(lines, (l) => l.buildops_invoice_id);
  const findingsOf = groupBy(findings, (f) => `${f.record_type}|${f.buildops_id}`);
  const idOf = new Map(rows.map((r) => [`${r.record_type}|${r.buildops_id}`, outboxId(r.record_type, r.buildops_id, r.buildops_version)]));
  return rows.map((row) => {
    const recordLines = linesOf.get(row.buildops_id) ?? [];
    const payload = buildPayload(row, row.record_type === 'invoice' ? recordLines : []);
    const text = payloadText(payload);
    const parents = new Set<string>();
    if (row.parent_record_type && row.parent_buildops_id) {
      const parent = idOf.get(`${row.parent_record_type}|${row.parent_buildops_id}`);
      if (parent) parents.add(parent);
    }
    if (row.record_type === 'invoice' && row.parent_record_type === 'job' && row.buildops_job_id) {
      for (const l of recordLines) {
        // A phase record is keyed by the mapped phase code as cost_code_map.csv has it (with its dashes).
        const phase = idOf.get(`phase|${row.buildops_job_id}:${l.mapped_phase_code ?? ''}:${l.cost_type ?? ''}`);
        if (phase) parents.add(phase);
      }
    }
    return {
      id: idOf.get(`${row.record_type}|${row.buildops_id}`)!,
      row,
      payload,
      payloadText: text,
      hash: payloadHash(text),
      amount: row.record_type === 'invoice' ? row.invoice_total : null,
      findings: (findingsOf.get(`${row.record_type}|${row.buildops_id}`) ?? []).map(({ rule, field, value, limit_value, message, fix }) => ({
        rule,
        field,
        value,
        limit_value,
        message,
        fix,
      })),
      parentIds: [...parents].sort(),
      summaryId: row.summary_buildops_id ? (idOf.get(`invoice|${row.summary_buildops_id}`) ?? null) : null,
    };
  });
}

/** What refreshOutbox changed. */
export interface RefreshResult {
  added: number;
  updated: number;
  superseded: number;
  changedAfterSend: number;
}

/**
 * Brings the outbox up to date with the marts, in one transaction: a new record (or a new
 * version of one not yet sent) gets a row, `pending` or `blocked` by its findings; a record not
 * yet sent is re-checked and its payload re-frozen (nothing of it reached Spectrum); a record
 * already sent whose BuildOps version changed is flagged changed_after_send for a person and
 * never sent again (Data Exchange cannot update an imported invoice).
 */
export async function refreshOutbox(warehouse: Warehouse, outbound: readonly OutboundRecord[], runId: string, now = new Date()): Promise<RefreshResult> {
  const existing = await readOutbox(warehouse);
  const byId = new Map(existing.map((r) => [r.outbox_id, r]));
  const byRecord = groupBy(existing, (r) => `${r.record_type}|${r.buildops_id}`);
  const result: RefreshResult = { added: 0, updated: 0, superseded: 0, changedAfterSend: 0 };
  await warehouse.transaction(async (tx) => {
    const event = (id: string, from: string | null, to: string, note: string): Promise<unknown> =>
      tx.query(`insert into meta.outbox_events (outbox_id, event_at, from_state, to_state, actor, note, run_id) values ($1, $2, $3, $4, $5, $6, $7)`, [
        id,
        now,
        from,
        to,
        'plumbline',
        note,
        runId,
      ]);
    for (const record of outbound) {
      const state: OutboxState = record.findings.length > 0 ? 'blocked' : record.summaryId ? 'summarized' : 'pending';
      const findings = record.findings.length > 0 ? JSON.stringify(record.findings) : null;
      const message = record.findings.length > 0 ? record.findings.map((f) => f.message).join(' ') : null;
      const fix = record.findings.length > 0 ? [...new Set(record.findings.map((f) => f.fix))].join(' ') : null;
      const current = byId.get(record.id);
      const versions = byRecord.get(`${record.row.record_type}|${record.row.buildops_id}`) ?? [];
      const inSpectrum = versions.find((v) => IN_SPECTRUM_STATES.includes(v.state) || v.state === 'bypassed');
      if (inSpectrum && inSpectrum.outbox_id !== record.id) {
        if (!inSpectrum.changed_after_send) {
          await tx.query(`update meta.outbox set changed_after_send = true, updated_at = $2, last_run_id = $3 where outbox_id = $1`, [
            inSpectrum.outbox_id,
            now,
            runId,
          ]);
          await event(
            inSpectrum.outbox_id,
            inSpectrum.state,
            inSpectrum.state,
            `BuildOps version ${record.row.buildops_version ?? 0} arrived after it was sent`,
          );
          result.changedAfterSend++;
        }
        continue;
      }
      if (current) {
        if (!RECHECKED_STATES.includes(current.state)) continue;
        if (
          current.state === state &&
          current.payload_hash === record.hash &&
          (current.findings ?? null) === findings &&
          (current.summary_outbox_id ?? null) === record.summaryId
        )
          continue;
        await tx.query(
          `update meta.outbox set state = $2, payload = $3, payload_hash = $4, amount = $5, findings = $6, message = $7, fix = $8,
             parent_outbox_ids = $9, send_order = $10, updated_at = $11, last_run_id = $12, summary_outbox_id = $13 where outbox_id = $1`,
          [
            record.id,
            state,
            record.payloadText,
            record.hash,
            record.amount,
            findings,
            message,
            fix,
            JSON.stringify(record.parentIds),
            record.row.send_order,
            now,
            runId,
            record.summaryId,
          ],
        );
        if (current.state !== state) await event(record.id, current.state, state, message ?? 'preflight passes now');
        result.updated++;
        continue;
      }
      for (const old of versions.filter((v) => RECHECKED_STATES.includes(v.state) || v.state === 'failed')) {
        await tx.query(`update meta.outbox set state = 'superseded', updated_at = $2, last_run_id = $3 where outbox_id = $1`, [old.outbox_id, now, runId]);
        await event(old.outbox_id, old.state, 'superseded', `BuildOps version ${record.row.buildops_version ?? 0} replaces it`);
        result.superseded++;
      }
      await tx.query(
        `insert into meta.outbox (outbox_id, company_code, record_type, buildops_id, buildops_version, send_order, parent_outbox_ids, state,
           payload, payload_hash, amount, findings, attempts, message, fix, changed_after_send, created_at, updated_at, last_run_id, summary_outbox_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $14, false, $15, $15, $16, $17)`,
        [
          record.id,
          record.row.company_code,
          record.row.record_type,
          record.row.buildops_id,
          record.row.buildops_version,
          record.row.send_order,
          JSON.stringify(record.parentIds),
          state,
          record.payloadText,
          record.hash,
          record.amount,
          findings,
          message,
          fix,
          now,
          runId,
          record.summaryId,
        ],
      );
      await event(record.id, null, state, message ?? (record.summaryId ? `goes on daily summary ${record.summaryId}` : 'new outbound record'));
      result.added++;
    }
  });
  return result;
}

/** Changes one row's state (and any of its columns), with an event saying who and why. */
export async function transition(
  warehouse: Warehouse,
  row: Pick<OutboxRow, 'outbox_id' | 'state'>,
  to: OutboxState,
  change: { actor: string; note: string; runId?: string | null; set?: Record<string, unknown> },
  now = new Date(),
): Promise<void> {
  const set = { ...change.set, state: to, updated_at: now };
  const columns = Object.keys(set);
  await warehouse.transaction(async (tx) => {
    // The row must still be in the state the caller saw: two writers never both move it.
    const updated = await tx.query<{ outbox_id: string }>(
      `update meta.outbox set ${columns.map((c, i) => `${c} = $${i + 3}`).join(', ')} where outbox_id = $1 and state = $2 returning outbox_id`,
      [row.outbox_id, row.state, ...Object.values(set)],
    );
    if (updated.length !== 1) throw new Error(`Outbox record ${row.outbox_id} is no longer ${row.state}; run plumbline outbox to see its state now`);
    await tx.query(`insert into meta.outbox_events (outbox_id, event_at, from_state, to_state, actor, note, run_id) values ($1, $2, $3, $4, $5, $6, $7)`, [
      row.outbox_id,
      now,
      row.state,
      to,
      change.actor,
      change.note,
      change.runId ?? null,
    ]);
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
