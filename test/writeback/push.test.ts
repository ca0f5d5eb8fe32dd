/**
 * The push against the sandbox's Spectrum, on both warehouses: every clean outbound record
 * arrives exactly once, no blocked record is sent, a second push sends nothing, and confirmation
 * follows the posting of the batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { postUnpostedBatch } from '../../sandbox/servers/start.ts';
import { readOutbox } from '../../writeback/outbox.ts';
import { confirmSent, push } from '../../writeback/push.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import type { PushSandbox } from './sandbox-push.ts';
import { pushSandbox } from './sandbox-push.ts';

describeEachWarehouse('write-back push', (factory) => {
  let box: PushSandbox;
  beforeAll(async () => {
    box = await pushSandbox(1, 'tiny', await factory.newLocation());
  }, 240_000);
  afterAll(async () => {
    await box?.close();
    await factory.cleanup();
  });

  const clean = (type: string): string[] =>
    box.truth.writeback_preflight
      .filter((r) => r.record_type === type && r.rules.length === 0)
      .map((r) => r.buildops_id)
      .sort();

  describe('seed 1, tiny', () => {
    it('sends every clean record once, in order, and none that preflight blocked', async () => {
      const before = await box.spectrum(`select count(*)::int as n from spectrum."CR_UNPOSTED_INVOICE_MC"`);
      const result = await push({
        warehouse: box.warehouse,
        client: box.client(),
        readBack: box.readBack,
        runId: 'test-run-1',
        batchCode: 'BO261115',
        logger: silentLogger,
      });
      const outbox = await readOutbox(box.warehouse);
      const sentIds = (type: string): string[] =>
        outbox
          .filter((r) => r.record_type === type && r.state === 'sent')
          .map((r) => r.buildops_id)
          .sort();
      expect(sentIds('invoice')).toEqual(clean('invoice'));
      expect(sentIds('job')).toEqual(clean('job'));
      expect(result.failed).toBe(0);
      // Every blocked record of the truth is blocked in the outbox, and not one of them reached Spectrum.
      const blocked = box.truth.writeback_preflight
        .filter((r) => r.rules.length > 0)
        .map((r) => `${r.record_type}|${r.buildops_id}`)
        .sort();
      expect(
        outbox
          .filter((r) => r.state === 'blocked')
          .map((r) => `${r.record_type}|${r.buildops_id}`)
          .sort(),
      ).toEqual(blocked);
      // Spectrum holds each sent invoice exactly once, by its Remarks key.
      const unposted = await box.spectrum(`select trim("Remarks") as remarks, count(*)::int as n from spectrum."CR_UNPOSTED_INVOICE_MC" group by 1`);
      const byRemarks = new Map(unposted.map((r) => [String(r.remarks), Number(r.n)]));
      for (const id of clean('invoice')) expect(byRemarks.get(`BO:${id}`), id).toBe(1);
      const after = await box.spectrum(`select count(*)::int as n from spectrum."CR_UNPOSTED_INVOICE_MC"`);
      expect(Number(after[0]!.n) - Number(before[0]!.n)).toBe(clean('invoice').length);
    });

    it('a second push sends nothing', async () => {
      const result = await push({
        warehouse: box.warehouse,
        client: box.client(),
        readBack: box.readBack,
        runId: 'test-run-2',
        batchCode: 'BO261115',
        logger: silentLogger,
      });
      expect(result.sent).toBe(0);
      expect(result.requests).toBe(0);
    });

    it('confirms invoices once their batch is posted, and reports the ones still waiting', async () => {
      const waiting = await confirmSent(box.warehouse, box.readBack, { runId: 'test-run-3', neverAppearedDays: 7 });
      // Jobs and phases are in their masters at once; invoices wait for a person to post the batch.
      expect(waiting.waitingToPost.length).toBe(clean('invoice').length);
      await postUnpostedBatch(box.store, 'BO261115');
      const confirmed = await confirmSent(box.warehouse, box.readBack, { runId: 'test-run-4', neverAppearedDays: 7 });
      expect(confirmed.waitingToPost).toEqual([]);
      const states = (await readOutbox(box.warehouse)).filter((r) => r.state === 'confirmed').length;
      expect(states).toBe(clean('invoice').length + clean('job').length + clean('phase').length);
    });
  });
});
