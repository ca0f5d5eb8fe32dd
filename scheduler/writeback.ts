/**
 * Write-back wiring: the Data Exchange client and the live read-back built from config and
 * secrets, the dry-run plan, and a person's actions on the outbox (retry, bypass, mark-synced,
 * cancel). The only place that hands the Data Exchange authorization to the client.
 */
import { userInfo } from 'node:os';
import { UsageError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Warehouse } from '../load/types.ts';
import { SpectrumSqlClient } from '../extract/spectrum/sql-client.ts';
import { DataExchangeClient } from '../writeback/data-exchange-client.ts';
import type { OutboundRecord, OutboxRow, OutboxState } from '../writeback/outbox.ts';
import { IN_SPECTRUM_STATES, readOutbound, readOutbox, rowPayload, transition } from '../writeback/outbox.ts';
import type { SpectrumReadBack } from '../writeback/spectrum-read-back.ts';
import { SqlReadBack } from '../writeback/spectrum-read-back.ts';
import type { PlumblineConfig } from './config.ts';
import type { Secrets } from './secrets.ts';

/** What a push needs to talk to Spectrum, and how to let go of it. */
export interface SpectrumConnections {
  client: DataExchangeClient;
  readBack: SpectrumReadBack;
  close(): Promise<void>;
}

/** Opens the Data Exchange client and the read-back (over the same Spectrum SQL settings the extractor uses). */
export function spectrumConnections(config: PlumblineConfig, secrets: Secrets, logger: Logger): SpectrumConnections {
  const spectrum = config.sources.spectrum;
  const dx = spectrum.data_exchange;
  if (!dx.url)
    throw new UsageError('sources.spectrum.data_exchange.url is missing: the Spectrum Data Exchange endpoint (e.g. https://spectrum.example.com:8482)');
  if (!config.company.code) throw new UsageError('company.code is missing: the Spectrum company write-back sends to');
  if (spectrum.kind !== 'sql' || !spectrum.server)
    throw new UsageError(
      'Write-back reads Spectrum back over SQL before any retry and to confirm: set sources.spectrum.kind: sql and sources.spectrum.server (an export folder cannot be read live)',
    );
  const sql = new SpectrumSqlClient({
    server: spectrum.server,
    port: spectrum.port,
    database: spectrum.database,
    user: secrets.require('SPECTRUM_SQL_USER', 'to read Spectrum back'),
    password: secrets.require('SPECTRUM_SQL_PASSWORD', 'to read Spectrum back'),
    encrypt: spectrum.encrypt,
    trustServerCertificate: spectrum.trust_server_certificate,
    logger,
  });
  const client = new DataExchangeClient({
    url: dx.url,
    companyCode: config.company.code,
    authorizationId: secrets.require('SPECTRUM_DX_AUTHORIZATION_ID', 'to send to Spectrum Data Exchange'),
    timeoutMs: dx.timeout_seconds * 1000,
  });
  return { client, readBack: new SqlReadBack(sql), close: () => sql.close() };
}

/** The Batch_Code for a push on `date` (YYYY-MM-DD) from the configured pattern. */
export function batchCode(pattern: string, date: string): string {
  const [y, m, d] = date.split('-');
  const code = pattern.replaceAll('{yy}', y!.slice(2)).replaceAll('{yyyy}', y!).replaceAll('{mm}', m!).replaceAll('{dd}', d!);
  if (code.length > 10) throw new UsageError(`sources.spectrum.data_exchange.batch_code "${pattern}" makes "${code}", longer than Spectrum's 10 characters`);
  return code;
}

/** One line of the dry-run plan. */
export interface PlanLine {
  action: 'send' | 'blocked' | 'summarized' | 'already_in_spectrum' | 'changed_after_send' | 'held_by_person';
  record: OutboundRecord;
  state: OutboxState | null;
}

/** What a push would do now, from the marts and the outbox, without writing anything. */
export async function planPush(warehouse: Warehouse): Promise<PlanLine[]> {
  const outbound = await readOutbound(warehouse);
  const existing = await readOutbox(warehouse);
  return outbound.map((record) => {
    const versions = existing.filter((r) => r.record_type === record.row.record_type && r.buildops_id === record.row.buildops_id);
    const same = versions.find((r) => r.outbox_id === record.id);
    const inSpectrum = versions.find((r) => IN_SPECTRUM_STATES.includes(r.state));
    if (inSpectrum) return { action: inSpectrum.outbox_id === record.id ? 'already_in_spectrum' : 'changed_after_send', record, state: inSpectrum.state };
    if (same && ['bypassed', 'cancelled'].includes(same.state)) return { action: 'held_by_person', record, state: same.state };
    const clean = record.summaryId ? 'summarized' : 'send';
    return { action: record.findings.length > 0 ? 'blocked' : clean, record, state: same?.state ?? null };
  });
}

/** The OS user running a person's command: stored with every manual outbox action. */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Finds an outbox row by its id (or a unique prefix of it), or fails with what to type. */
export async function findOutboxRow(warehouse: Warehouse, id: string): Promise<OutboxRow> {
  const rows = (await readOutbox(warehouse)).filter((r) => r.outbox_id === id || r.outbox_id.startsWith(id));
  if (rows.length === 1) return rows[0]!;
  if (rows.length === 0) throw new UsageError(`No outbox record ${id}: run plumbline outbox to list them`);
  throw new UsageError(`${id} matches ${rows.length} outbox records; give more of the id (plumbline outbox lists them)`);
}

/** A person's action on one outbox record. */
export type OutboxAction = 'retry' | 'bypass' | 'mark-synced' | 'cancel';

const ALLOWED_FROM: Record<OutboxAction, readonly OutboxState[]> = {
  retry: ['failed'],
  bypass: ['pending', 'blocked', 'failed'],
  'mark-synced': ['pending', 'blocked', 'failed', 'sent'],
  cancel: ['pending', 'blocked', 'failed'],
};

/**
 * Applies a person's action, recording the OS user and the reason. `mark-synced` succeeds only
 * when Spectrum holds a matching record (by number, Remarks, or customer + date + amount) and
 * stores which one; `bypass` never sends. Nothing is ever deleted.
 */
export async function applyOutboxAction(
  warehouse: Warehouse,
  action: OutboxAction,
  id: string,
  reason: string,
  readBack: () => SpectrumReadBack,
): Promise<{ row: OutboxRow; to: OutboxState; note: string }> {
  if (reason.trim().length < 3) throw new UsageError(`outbox ${action} needs --reason "<why>": it is stored with your user name`);
  const row = await findOutboxRow(warehouse, id);
  if (!ALLOWED_FROM[action].includes(row.state))
    throw new UsageError(`outbox ${action}: record ${row.outbox_id} is ${row.state}; ${action} applies to ${ALLOWED_FROM[action].join(', ')} records`);
  const actor = osUser();
  if (action === 'retry') {
    await transition(warehouse, row, 'pending', { actor, note: `retry: ${reason}`, set: { actor, reason, message: null, fix: null } });
    return { row, to: 'pending', note: 'will be sent by the next push' };
  }
  if (action === 'bypass') {
    await transition(warehouse, row, 'bypassed', { actor, note: `bypass: ${reason}`, set: { actor, reason } });
    return { row, to: 'bypassed', note: 'never sent; kept in the outbox with your reason' };
  }
  if (action === 'cancel') {
    await transition(warehouse, row, 'cancelled', { actor, note: `cancel: ${reason}`, set: { actor, reason } });
    return { row, to: 'cancelled', note: 'will not be sent' };
  }
  const payload = rowPayload(row);
  const lookup = readBack();
  let found = await lookup.find(row.record_type, payload.fields);
  const f = payload.fields;
  if (!found && row.record_type === 'invoice' && f.Customer_Code && f.Invoice_Date && row.amount !== null)
    found = await lookup.findInvoiceLike(f.Company_Code ?? '', f.Customer_Code, f.Invoice_Date, String(row.amount));
  if (!found) {
    const lookedFor =
      row.record_type === 'invoice'
        ? `invoice number ${f.Invoice_Or_Transaction ?? '?'}, Remarks ${f.Remarks ?? '?'}, or customer ${f.Customer_Code ?? '?'} on ${f.Invoice_Date ?? '?'} for ${row.amount ?? '?'}`
        : row.record_type === 'job'
          ? `job ${f.Job_Number ?? '?'}`
          : `phase ${f.Phase_Code ?? '?'}/${f.Cost_Type ?? '?'} on job ${f.Job_Number ?? '?'}`;
    throw new UsageError(
      `outbox mark-synced: Spectrum has no matching record (looked for ${lookedFor}, posted and unposted). Send it with plumbline push, or bypass it with a reason.`,
    );
  }
  await transition(warehouse, row, 'marked_synced', {
    actor,
    note: `mark-synced to Spectrum ${found.ref} (${found.where}): ${reason}`,
    set: { actor, reason, spectrum_ref: found.ref },
  });
  return { row, to: 'marked_synced', note: `matched Spectrum ${found.ref} (${found.where})` };
}
