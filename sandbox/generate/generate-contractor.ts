// The sandbox generator: a deterministic simulated contractor with planted anomalies and
// its ground truth, streamed job by job into the store.

import type { Store } from '../store/open-store.ts';
import { serializeGroundTruth, type GroundTruth } from '../ground-truth.ts';
import { DEFAULT_AS_OF } from './catalog.ts';
import { dayOf, isoDay, monthEnd, monthStart, weekday } from './calendar.ts';
import { complianceRows } from './compliance.ts';
import { LedgerBuilder } from './ledger.ts';
import { buildMaster } from './master.ts';
import type { Scale } from './model.ts';
import { createRandom } from './random.ts';
import { SCALES } from './scales.ts';
import { writeSecondCompany } from './second-company.ts';
import { simulateJob, type SimulationContext } from './simulate-job.ts';
import { createStoreSink } from './sink.ts';
import { TruthBuilder } from './truth.ts';
import { writeJob } from './write-job.ts';
import { writeMaster } from './write-master.ts';

/** Options of one generation. */
export interface GenerateOptions {
  seed: string | number;
  scale?: Scale;
  /** The as-of date, `YYYY-MM-DD` (default 2026-11-15, so exports never depend on today). */
  asOf?: string;
}

/** Generate a contractor into an open (empty) store; returns its ground truth (also kept in `sandbox.ground_truth`). */
export async function generateContractor(store: Store, options: GenerateOptions): Promise<GroundTruth> {
  const scale = options.scale ?? 'tiny';
  const size = SCALES[scale];
  const seed = String(options.seed);
  const asOf = dayOf(options.asOf ?? DEFAULT_AS_OF);
  const random = createRandom(seed);
  const master = buildMaster(random, size, asOf);
  // Payroll is processed through the last Sunday at least five days back: the lag WIP shows.
  let payrollThrough = asOf - 5;
  while (weekday(payrollThrough) !== 0) payrollThrough--;
  const periodStart = monthStart(asOf);
  const periodEnd = monthEnd(asOf);
  let invoiceSeq = 100000;
  let checkSeq = 40000;
  let memoSeq = 5000;
  const products = new Map(master.products.map((p) => [p.code, p]));
  const ctx: SimulationContext = {
    master,
    size,
    asOf,
    payrollThrough,
    periodStart,
    periodEnd,
    product: (code) => {
      const p = products.get(code);
      if (!p) throw new Error(`unknown item ${code}`);
      return p;
    },
    nextInvoiceNumber: () => String(++invoiceSeq),
    nextCheckNumber: () => String(++checkSeq),
    nextCreditMemoNumber: () => `CM${++memoSeq}`,
  };
  const compliance = complianceRows(master, random);
  const truth = new TruthBuilder(master, { asOf, payrollThrough, periodStart, periodEnd, seed, scale }, compliance);
  const ledger = new LedgerBuilder(master, asOf, random.fork('ledger'));
  const sink = await createStoreSink(store.connection);
  try {
    writeMaster(master, sink, random, compliance, {
      start: periodStart,
      end: periodEnd,
    });
    for (const job of master.jobs) {
      const sim = simulateJob(job, ctx, random.fork(`job/${job.id}`));
      truth.observe(sim);
      writeJob(sim, sink, random, asOf);
      ledger.observe(sim);
    }
    ledger.write(sink);
    writeSecondCompany(master, sink, payrollThrough);
  } finally {
    sink.close();
  }
  const result = { ...truth.finish(), ...ledger.finish() };
  await store.connection.run('DELETE FROM sandbox.ground_truth');
  await store.connection.run('DELETE FROM sandbox.meta');
  await store.connection.run('INSERT INTO sandbox.ground_truth VALUES ($1)', [serializeGroundTruth(result)]);
  for (const [key, value] of [
    ['seed', seed],
    ['scale', scale],
    ['as_of', isoDay(asOf)],
    ['company_code', result.companyCode],
  ] as const) {
    await store.connection.run('INSERT INTO sandbox.meta VALUES ($1, $2)', [key, value]);
  }
  return result;
}
