/**
 * writeback.service_tickets: daily_summary, on both warehouses against the sandbox: each batch of
 * marts.service_ticket_batches goes to Spectrum as one summary invoice whose amount is the batch's
 * (the ground truth's), its tickets stay in the warehouse and the outbox pointing at it and are
 * never sent themselves, a blocked ticket blocks its summary by name, and the tie-out checks fail
 * when Σ tickets is not the summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { planPush } from '../../scheduler/writeback.ts';
import { modelVars } from '../../scheduler/pipeline.ts';
import { discoverModels, renderSql } from '../../transform/index.ts';
import { readOutbox } from '../../writeback/outbox.ts';
import { push } from '../../writeback/push.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import type { PushSandbox } from './sandbox-push.ts';
import { pushSandbox } from './sandbox-push.ts';

interface OutboundSummaryRow {
  buildops_id: string;
  summary_buildops_id: string | null;
  ticket_count: number | null;
  invoice_total: string;
  invoice_number: string;
}

describeEachWarehouse('write-back daily summary invoices', (factory) => {
  let box: PushSandbox;
  let rows: OutboundSummaryRow[];
  beforeAll(async () => {
    box = await pushSandbox(1, 'small', await factory.newLocation(), { service_tickets: 'daily_summary' });
    rows = await box.warehouse.query<OutboundSummaryRow>(
      `select buildops_id, summary_buildops_id, ticket_count, cast(invoice_total as varchar) as invoice_total, invoice_number
       from marts.writeback_outbound where record_type = 'invoice'`,
    );
  }, 300_000);
  afterAll(async () => {
    await box?.close();
    await factory.cleanup();
  });

  const summaries = (): OutboundSummaryRow[] => rows.filter((r) => r.ticket_count !== null);
  const ticketsOf = (summary: string): string[] =>
    rows
      .filter((r) => r.summary_buildops_id === summary)
      .map((r) => r.buildops_id)
      .sort();
  const blockedInTruth = (): Set<string> =>
    new Set(box.truth.writeback_preflight.filter((r) => r.record_type === 'invoice' && r.rules.length > 0).map((r) => r.buildops_id));

  it('makes one summary invoice per batch, for the batch total of the ground truth, every ticket pointing at it', () => {
    expect(box.truth.service_ticket_batches.length).toBeGreaterThan(3);
    expect(
      summaries()
        .map((s) => `${s.buildops_id}|${Number(s.ticket_count)}|${Number(s.invoice_total).toFixed(2)}`)
        .sort(),
    ).toEqual(box.truth.service_ticket_batches.map((b) => `daily:${b.batch_key}|${b.ticket_count}|${Number(b.total_amount).toFixed(2)}`).sort());
    for (const s of summaries()) {
      expect(ticketsOf(s.buildops_id).length, s.buildops_id).toBe(Number(s.ticket_count));
      expect(s.invoice_number).toMatch(/^DS[0-9A-F]{8}$/);
    }
    expect(new Set(summaries().map((s) => s.invoice_number)).size).toBe(summaries().length);
  });

  it('checks tickets as the truth says, and blocks a summary exactly by its blocked tickets, naming each', async () => {
    const findings = await box.warehouse.query<{ record_type: string; buildops_id: string; rule: string; field: string; message: string }>(
      `select record_type, buildops_id, rule, field, message from marts.writeback_preflight`,
    );
    const summaryIds = new Set(summaries().map((s) => s.buildops_id));
    // Every record but the summaries (jobs, phases, tickets and other invoices) fails exactly its truth rules.
    const rulesOf = new Map<string, Set<string>>();
    for (const f of findings.filter((f) => !summaryIds.has(f.buildops_id))) {
      const key = `${f.record_type}|${f.buildops_id}`;
      rulesOf.set(key, (rulesOf.get(key) ?? new Set()).add(f.rule));
    }
    const expected = box.truth.writeback_preflight
      .filter((r) => r.rules.length > 0)
      .map((r) => `${r.record_type}|${r.buildops_id}|${[...r.rules].sort().join(',')}`);
    expect([...rulesOf].map(([key, rules]) => `${key}|${[...rules].sort().join(',')}`).sort()).toEqual(expected.sort());
    // A summary: one ticket_blocked finding per blocked ticket on it, none when its tickets are clean.
    const blocked = blockedInTruth();
    let blockedSummaries = 0;
    for (const s of summaries()) {
      const own = findings.filter((f) => f.buildops_id === s.buildops_id);
      const named = own.filter((f) => f.rule === 'ticket_blocked').map((f) => f.field.replace(/^ticket:/, ''));
      const expectBlocked = ticketsOf(s.buildops_id).filter((t) => blocked.has(t));
      expect(named.sort(), s.buildops_id).toEqual(expectBlocked);
      if (expectBlocked.length === 0) expect(own, s.buildops_id).toEqual([]);
      else blockedSummaries++;
    }
    expect(blockedSummaries).toBeGreaterThan(0);
    expect(blockedSummaries).toBeLessThan(summaries().length);
  });

  it('the dry run plans each clean summary as sent and its tickets as summarized, never sent on their own', async () => {
    const plan = await planPush(box.warehouse);
    const blocked = blockedInTruth();
    for (const s of summaries())
      for (const ticket of ticketsOf(s.buildops_id)) {
        const line = plan.find((p) => p.record.row.record_type === 'invoice' && p.record.row.buildops_id === ticket)!;
        expect(line.action, ticket).toBe(blocked.has(ticket) ? 'blocked' : 'summarized');
        expect(line.record.summaryId, ticket).toBe(plan.find((p) => p.record.row.buildops_id === s.buildops_id)!.record.id);
      }
    const sends = plan.filter((p) => p.action === 'send' && p.record.row.record_type === 'invoice').map((p) => p.record.row.buildops_id);
    expect(sends.some((id) => id.startsWith('daily:'))).toBe(true);
    expect(sends.filter((id) => rows.find((r) => r.buildops_id === id)?.summary_buildops_id)).toEqual([]);
  });

  it('sends each clean summary once for its batch total, and no ticket on its own', async () => {
    const result = await push({
      warehouse: box.warehouse,
      client: box.client(),
      readBack: box.readBack,
      runId: 'daily-1',
      batchCode: 'BO261115',
      logger: silentLogger,
    });
    expect(result.failed).toBe(0);
    const outbox = await readOutbox(box.warehouse);
    const summaryRow = new Map(outbox.filter((r) => r.buildops_id.startsWith('daily:')).map((r) => [r.buildops_id, r]));
    const blocked = blockedInTruth();
    const clean = box.truth.service_ticket_batches.filter((b) => ticketsOf(`daily:${b.batch_key}`).every((t) => !blocked.has(t)));
    expect(clean.length).toBeGreaterThan(0);
    const unposted = await box.spectrum(
      `select trim("Remarks") as remarks, cast("Invoice_Extension" as varchar) as gross, count(*) over (partition by trim("Remarks")) as n from spectrum."CR_UNPOSTED_INVOICE_MC"`,
    );
    const byRemarks = new Map(unposted.map((r) => [String(r.remarks), r]));
    for (const b of clean) {
      const sent = byRemarks.get(`Daily summary ${b.batch_key}`);
      expect(sent, b.batch_key).toBeDefined();
      expect(Number(sent!.n)).toBe(1);
      // Σ tickets = the summary Spectrum received: the batch total of the ground truth, to the cent.
      expect(Number(sent!.gross).toFixed(2), b.batch_key).toBe(Number(b.total_amount).toFixed(2));
      expect(summaryRow.get(`daily:${b.batch_key}`)?.state).toBe('sent');
    }
    // The tickets are never sent themselves; each outbox row points at its summary.
    for (const s of summaries())
      for (const ticket of ticketsOf(s.buildops_id)) {
        expect(byRemarks.has(`BO:${ticket}`), ticket).toBe(false);
        const row = outbox.find((r) => r.record_type === 'invoice' && r.buildops_id === ticket)!;
        expect(row.state, ticket).toBe(blocked.has(ticket) ? 'blocked' : 'summarized');
        expect(row.summary_outbox_id, ticket).toBe(summaryRow.get(s.buildops_id)!.outbox_id);
      }
    // The blocked summaries stay blocked and unsent.
    for (const s of summaries().filter((s) => !clean.some((b) => `daily:${b.batch_key}` === s.buildops_id))) {
      expect(summaryRow.get(s.buildops_id)?.state).toBe('blocked');
      expect(byRemarks.has(`Daily summary ${s.buildops_id.slice('daily:'.length)}`)).toBe(false);
    }
  });

  describe('the tie-out checks', () => {
    const check = (model: string, name: string): string => {
      const spec = discoverModels(PACKAGE_MODELS_DIR)
        .find((m) => m.name === model)!
        .checks.find((c) => c.name === name);
      if (spec?.kind !== 'query') throw new Error(`${model} has no query check ${name}`);
      return renderSql(spec.sql, { ...modelVars(box.config, box.truth.asOf), this: model }, name);
    };

    it('pass on the built marts and fail when Σ tickets is not the summary', async () => {
      const tickets = check('marts.writeback_outbound', 'summaries_tie_out');
      const lines = check('marts.writeback_outbound_lines', 'summary_lines_tie_out');
      expect(await box.warehouse.query(tickets)).toEqual([]);
      expect(await box.warehouse.query(lines)).toEqual([]);
      const summary = summaries()[0]!.buildops_id;
      await box.warehouse.query(`update marts.writeback_outbound set invoice_total = invoice_total + 0.01 where buildops_id = $1`, [summary]);
      expect((await box.warehouse.query(tickets)).length).toBe(1);
      expect((await box.warehouse.query(lines)).length).toBe(1);
    });
  });
});
