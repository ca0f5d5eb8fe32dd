// The sandbox generator: a deterministic simulated contractor with planted anomalies and
// its ground truth, streamed job by job into the store.

import type { Store } from '../store/open-store.ts';
import { serializeGroundTruth, type GroundTruth } from '../ground-truth.ts';
import { AR_WINDOW_DAYS_AHEAD, DEFAULT_AS_OF } from './catalog.ts';
import { dayOf, isoDay, monthEnd, monthStart, weekday } from './calendar.ts';
import { complianceRows } from './compliance.ts';
import { LedgerBuilder } from './ledger.ts';
import { buildMaster } from './master.ts';
import type { Scale } from './model.ts';
import { createRandom } from './random.ts';
import { cents } from './money.ts';
import { SCALES } from './scales.ts';
import { writeSecondCompany } from './second-company.ts';
import { simulateJob, type SimulationContext } from './simulate-job.ts';
import { plantConversions, plantCoverage, plantInsightCustomers, insightPlantJobs } from './insights-plants.ts';
import { InsightsTruthBuilder, type InsightsTruth } from './insights-truth.ts';
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
  plantConversions(master, random);
  const insightCustomers = plantInsightCustomers(master, random);
  // Payroll is processed through the last Sunday at least five days back: the lag WIP shows.
  let payrollThrough = asOf - 5;
  while (weekday(payrollThrough) !== 0) payrollThrough--;
  const periodStart = monthStart(asOf);
  const periodEnd = monthEnd(asOf);
  const arWindowEnd = Math.min(periodEnd, asOf + AR_WINDOW_DAYS_AHEAD);
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
  const requirements = plantCoverage(master, compliance, random);
  const truth = new TruthBuilder(master, { asOf, payrollThrough, periodStart, periodEnd, arWindowEnd, seed, scale }, compliance);
  const insights = new InsightsTruthBuilder(
    { asOf, payrollThrough },
    new Set(master.jobs.filter((j) => j.projectId && !j.plants.includes('spectrum_only_job')).map((j) => j.number)),
    new Map(master.jobs.map((j) => [j.id, j])),
    new Map(master.customers.flatMap((c) => (c.code ? [[c.code, c.spectrumName] as const] : []))),
  );
  const ledger = new LedgerBuilder(master, asOf, random.fork('ledger'));
  const sink = await createStoreSink(store.connection);
  try {
    writeMaster(master, sink, random, compliance, {
      start: periodStart,
      end: periodEnd,
      arEnd: arWindowEnd,
    });
    for (const job of master.jobs) {
      const sim = simulateJob(job, ctx, random.fork(`job/${job.id}`));
      truth.observe(sim);
      insights.observe(sim);
      writeJob(sim, sink, random, asOf);
      ledger.observe(sim);
    }
    for (const req of requirements) sink.mapping('customer_requirements', [req.customerCode, req.complianceType, cents(req.minimumCents)]);
    for (const sim of insightPlantJobs(master, insightCustomers, ctx, random)) {
      insights.addJob(sim.job);
      truth.observe(sim);
      insights.observe(sim);
      writeJob(sim, sink, random, asOf);
      ledger.observe(sim);
    }
    ledger.write(sink);
    writeSecondCompany(master, sink, payrollThrough);
  } finally {
    sink.close();
  }
  const result = { ...truth.finish(), ...ledger.finish() };
  const finished = insights.finish(result.wip_schedule, result.subcontractor_compliance, compliance, requirements);
  result.subcontractor_compliance = finished.compliance;
  result.insights = finished.insights;
  for (const [key, count] of insightPlantCounts(finished.insights)) result.planted[key] = count;
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

/** The planted insight findings, counted per `<mart>.<finding>` like the other marts'. */
function insightPlantCounts(insights: InsightsTruth): [string, number][] {
  const counts = new Map<string, number>();
  const add = (key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const r of insights.customer_profitability) if (r.is_unprofitable) add('customer_profitability.unprofitable');
  for (const r of insights.phase_budgets) if (r.finding) add(`phase_budgets.${r.finding}`);
  for (const r of insights.service_conversion) add(`service_conversion.${r.origin}`);
  for (const _ of insights.coverage_below_requirement) add('subcontractor_compliance.coverage_below_requirement');
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1));
}
