/**
 * Exactly once under faults: randomized trials against the sandbox's Data Exchange — 5xx,
 * answers lost after Spectrum imported the record, connections dropped before it did, expired
 * GUIDs — each followed by pushes until the outbox settles. Spectrum must hold every clean record
 * exactly once: no duplicate, none missing. PLUMBLINE_WRITEBACK_TRIALS sets the number of trials.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import type { FaultRule } from '../../sandbox/servers/faults.ts';
import { readOutbox } from '../../writeback/outbox.ts';
import { push } from '../../writeback/push.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { pushSandbox } from '../writeback/sandbox-push.ts';

const TRIALS = Number(process.env.PLUMBLINE_WRITEBACK_TRIALS ?? 2);

/** A seeded random source, so a failing trial can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function faultPlan(next: () => number): FaultRule[] {
  const kinds: FaultRule['action'][] = [
    { kind: 'status', status: 503 },
    { kind: 'lose-response' },
    { kind: 'drop', when: 'before' },
    { kind: 'expire-tokens' },
  ];
  // About 30% of Data Exchange requests misbehave, each in one of the four ways.
  const rules: FaultRule[] = [];
  for (let n = 1; n <= 40; n++) if (next() < 0.3) rules.push({ target: 'data-exchange', nth: n, times: 1, action: kinds[Math.floor(next() * kinds.length)]! });
  return rules;
}

const totals = { trials: 0, faults: 0, sent: 0, duplicates: 0, missing: 0, pushes: 0 };

afterAll(() => {
  process.stdout.write(
    `write-back fault trials: ${totals.trials} trials, ${totals.faults} faults injected, ${totals.pushes} pushes, ${totals.sent} records sent, ` +
      `${totals.duplicates} duplicates in Spectrum, ${totals.missing} clean records missing\n`,
  );
});

describeEachWarehouse('write-back exactly once under faults', (factory) => {
  afterAll(() => factory.cleanup());
  for (let trial = 1; trial <= TRIALS; trial++) {
    describe(`trial ${trial}`, () => {
      it('every clean record reaches Spectrum exactly once', { timeout: 240_000 }, async () => {
        const box = await pushSandbox(trial, 'tiny', await factory.newLocation());
        try {
          const plan = faultPlan(random(trial * 7919));
          box.servers.faults.set(plan);
          totals.trials++;
          totals.faults += plan.length;
          const client = box.client();
          for (let round = 1; round <= 8; round++) {
            totals.pushes++;
            await push({
              warehouse: box.warehouse,
              client,
              readBack: box.readBack,
              runId: `trial-${trial}-${round}`,
              batchCode: 'BOTEST',
              logger: silentLogger,
              retry: { baseDelayMs: 1, minDelayMs: 1 },
            }).catch(
              () => undefined, // a push may stop on a fault; the next one takes over
            );
            const open = (await readOutbox(box.warehouse, ['pending', 'sending'])).length;
            if (open === 0) break;
          }
          box.servers.faults.clear();
          const clean = box.truth.writeback_preflight.filter((r) => r.record_type === 'invoice' && r.rules.length === 0).map((r) => `BO:${r.buildops_id}`);
          const rows = await box.spectrum(`select trim("Remarks") as remarks, count(*)::int as n from spectrum."CR_UNPOSTED_INVOICE_MC" group by 1`);
          const count = new Map(rows.map((r) => [String(r.remarks), Number(r.n)]));
          const duplicates = [...count.values()].filter((n) => n > 1).length;
          const missing = clean.filter((k) => !count.has(k)).length;
          totals.duplicates += duplicates;
          totals.missing += missing;
          totals.sent += clean.length - missing;
          expect(duplicates).toBe(0);
          expect(missing).toBe(0);
          const jobs = box.truth.writeback_preflight.filter((r) => r.record_type === 'job' && r.rules.length === 0).length;
          const outbox = await readOutbox(box.warehouse);
          expect(outbox.filter((r) => r.record_type === 'job' && r.state === 'sent').length).toBe(jobs);
          expect(outbox.filter((r) => r.state === 'failed')).toEqual([]);
        } finally {
          await box.close();
        }
      });
    });
  }
});
