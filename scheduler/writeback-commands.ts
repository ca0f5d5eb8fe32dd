/**
 * `plumbline push [--dry-run]` and `plumbline outbox [retry|bypass|mark-synced|cancel]`: the
 * person's commands of the write-back, with the evidence (what would go, what is blocked and
 * why, what Spectrum holds).
 */
import type { Command } from 'commander';
import { PlumblineError, UsageError } from '../lib/errors.ts';
import type { Warehouse } from '../load/types.ts';
import type { OutboxAction } from './writeback.ts';
import { applyOutboxAction, batchCode, planPush, spectrumConnections } from './writeback.ts';
import type { OutboundRecord, OutboxState } from '../writeback/outbox.ts';
import { readOutbox } from '../writeback/outbox.ts';
import { confirmSent, push } from '../writeback/push.ts';
import { formatJsonRow, formatTable } from './output.ts';
import { createRunContext, resolveAsOf } from './run-context.ts';
import type { GlobalOptions, RunContext } from './run-context.ts';

/** What the CLI lends these commands. */
export interface CommandHelpers {
  withCommonOptions(command: Command): Command;
  withWarehouse(context: RunContext, options: { readOnly?: boolean }, work: (warehouse: Warehouse) => Promise<void>): Promise<void>;
}

const STATES: readonly OutboxState[] = [
  'pending',
  'blocked',
  'summarized',
  'sending',
  'sent',
  'confirmed',
  'failed',
  'bypassed',
  'marked_synced',
  'cancelled',
  'superseded',
];

/** Adds push and outbox to the program. */
export function addWritebackCommands(program: Command, out: (text: string) => void, helpers: CommandHelpers): void {
  helpers
    .withCommonOptions(
      program
        .command('push')
        .description('send the approved BuildOps jobs, phases and invoices to Spectrum: checked first, sent once, confirmed by reading Spectrum back')
        .option('--dry-run', 'print what would be sent and every preflight failure with its fix; send and write nothing')
        .option('--as-of <YYYY-MM-DD>', 'the push date (Batch_Code and confirmation ages; default today in the company time zone)'),
    )
    .action(async (opts: GlobalOptions & { dryRun?: boolean; asOf?: string }) => {
      const context = createRunContext(opts);
      const asOf = resolveAsOf(opts.asOf, context.config);
      await helpers.withWarehouse(context, { readOnly: opts.dryRun === true }, async (warehouse) => {
        if (opts.dryRun) return out(formatPlan(await planPush(warehouse)));
        const connections = spectrumConnections(context.config, context.secrets, context.logger);
        // Only one push (or run) at a time: two pushes could both send a record before either read it back.
        const runId = `push-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}`;
        const lock = await context.acquireRunLock(warehouse, runId);
        try {
          const result = await push({
            warehouse,
            client: connections.client,
            readBack: connections.readBack,
            runId,
            batchCode: batchCode(context.config.sources.spectrum.data_exchange.batch_code, asOf),
            logger: context.logger,
          });
          const confirmed = await confirmSent(warehouse, connections.readBack, { runId, neverAppearedDays: context.config.writeback.confirm_within_days });
          out(
            formatTable([
              {
                sent: result.sent,
                failed: result.failed,
                blocked: result.blocked,
                waiting_for_parent: result.waiting,
                found_already_in_spectrum: result.recovered,
                to_retry: result.deferred,
                confirmed: confirmed.confirmed,
                waiting_to_be_posted: confirmed.waitingToPost.length,
              },
            ]) + '\n',
          );
          if (confirmed.waitingToPost.length > 0)
            out(
              `Sent and waiting for a person to post them in Spectrum:\n${confirmed.waitingToPost.map((w) => `  ${w.ref ?? w.outboxId} (${w.days} days)`).join('\n')}\n`,
            );
          out(formatStateCounts(await readOutbox(warehouse)));
          if (result.failed > 0 || result.deferred > 0 || confirmed.neverAppeared > 0)
            throw new PlumblineError(
              `The push left ${result.failed + confirmed.neverAppeared} record(s) failed and ${result.deferred} to retry: see plumbline outbox --state failed`,
            );
        } finally {
          await connections.close();
          await lock.release();
        }
      });
    });

  const outbox = helpers
    .withCommonOptions(
      program
        .command('outbox')
        .description('list the write-back outbox (every record ever sent or held), or act on one record')
        .option('--state <state>', `only records in this state (${STATES.join(', ')})`)
        .option('--json', 'one JSON object per record'),
    )
    .action(async (opts: GlobalOptions & { state?: string; json?: boolean }) => {
      if (opts.state !== undefined && !STATES.includes(opts.state as OutboxState))
        throw new UsageError(`--state ${opts.state}: use one of ${STATES.join(', ')}`);
      const context = createRunContext(opts);
      await helpers.withWarehouse(context, { readOnly: true }, async (warehouse) => {
        const rows = await readOutbox(warehouse, opts.state ? [opts.state as OutboxState] : undefined);
        if (opts.json) {
          out(`[${rows.map((r) => `\n  ${formatJsonRow(r as unknown as Record<string, unknown>)}`).join(',')}${rows.length ? '\n' : ''}]\n`);
          return;
        }
        out(
          formatTable(
            rows.map((r) => ({
              id: r.outbox_id,
              type: r.record_type,
              state: r.state,
              amount: r.amount ?? '',
              spectrum: r.spectrum_ref ?? '',
              attempts: r.attempts,
              changed_after_send: r.changed_after_send ? 'yes' : '',
              message: r.message ?? '',
            })),
          ) + '\n',
        );
        out(formatStateCounts(rows));
      });
    });

  for (const [action, description] of [
    ['retry', 'send a failed record again at the next push'],
    ['bypass', 'never send this record (a person handles it); the reason and your user are stored'],
    ['mark-synced', 'record that Spectrum already holds this record: refused unless a matching Spectrum record is found'],
    ['cancel', 'do not send this record'],
  ] as const) {
    helpers
      .withCommonOptions(
        outbox
          .command(action)
          .description(description)
          .argument('<id>', 'the outbox id (or a unique beginning of it), from plumbline outbox')
          .requiredOption('--reason <text>', 'why (stored with your OS user name)'),
      )
      .action(async (id: string, opts: GlobalOptions & { reason: string }) => {
        const context = createRunContext({ ...outbox.opts(), ...opts });
        await helpers.withWarehouse(context, {}, async (warehouse) => {
          let connections: ReturnType<typeof spectrumConnections> | undefined;
          try {
            const done = await applyOutboxAction(warehouse, action as OutboxAction, id, opts.reason, () => {
              connections = spectrumConnections(context.config, context.secrets, context.logger);
              return connections.readBack;
            });
            out(`${done.row.outbox_id}: ${done.row.state} → ${done.to} (${done.note})\n`);
          } finally {
            await connections?.close();
          }
        });
      });
  }
}

function formatStateCounts(rows: readonly { state: string }[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  if (counts.size === 0) return 'The outbox is empty.\n';
  return `Outbox: ${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}\n`;
}

function formatPlan(plan: Awaited<ReturnType<typeof planPush>>): string {
  const lines: string[] = ['Dry run: nothing is sent and nothing is written.', ''];
  const send = plan.filter((p) => p.action === 'send');
  lines.push(`Would send ${send.length} record(s):`);
  for (const type of ['job', 'phase', 'invoice'] as const) {
    const some = send.filter((p) => p.record.row.record_type === type);
    if (some.length === 0) continue;
    lines.push(`  ${type}s (${some.length}):`);
    for (const p of some) lines.push(`    ${recordLabel(p.record)}`);
  }
  const blocked = plan.filter((p) => p.action === 'blocked');
  lines.push('', `Blocked by preflight: ${blocked.length} record(s):`);
  for (const p of blocked) {
    lines.push(`  ${recordLabel(p.record)} (BuildOps ${p.record.row.buildops_id}):`);
    for (const f of p.record.findings) lines.push(`    [${f.rule}] ${f.message} Fix: ${f.fix}`);
  }
  for (const [action, label] of [
    ['summarized', 'Service tickets on a daily summary invoice (sent as the summary)'],
    ['already_in_spectrum', 'Already sent (not sent again)'],
    ['changed_after_send', 'Changed in BuildOps after it was sent (a person must update Spectrum)'],
    ['held_by_person', 'Bypassed or cancelled by a person'],
  ] as const) {
    const some = plan.filter((p) => p.action === action);
    if (some.length > 0) lines.push('', `${label}: ${some.length}`, ...some.map((p) => `  ${p.record.id} (${p.state})`));
  }
  return lines.join('\n') + '\n';
}

/** A record as a person recognises it: its Spectrum keys, not BuildOps' uuid. */
function recordLabel(record: OutboundRecord): string {
  const f = record.payload.fields;
  if (record.row.record_type === 'job') return `job ${f.Job_Number ?? '?'} ${f.Job_Description ?? ''} for ${f.Customer_Code ?? '(no customer code)'}`;
  if (record.row.record_type === 'phase') return `phase ${f.Phase_Code ?? '?'}/${f.Cost_Type ?? '?'} on job ${f.Job_Number ?? '?'}`;
  return `invoice ${f.Invoice_Or_Transaction ?? '?'} of ${f.Invoice_Date ?? '?'}, ${f.Customer_Code ?? '(no customer code)'}, job ${f.Job_Number ?? '-'}, ${record.amount ?? ''}`;
}
