// The ground truth of the CFO insight marts, restated in TypeScript over the simulated events
// (integer cents, BigInt ratios rounded once, half away from zero) — never the mart SQL. Jobs
// are observed as they stream by; only small per-job aggregates are kept.

import type { ComplianceTruth, WipTruth } from '../ground-truth.ts';
import { isoDay, monthEnd } from './calendar.ts';
import { INSIGHT_SETTINGS, type CustomerRequirement } from './insights-plants.ts';
import { spectrumState } from './invoice-state.ts';
import type { Job } from './model.ts';
import { cents, percentOf } from './money.ts';
import type { SimulatedJob } from './simulate-job.ts';
import type { SpectrumRow } from './sink.ts';

/** One `marts.customer_profitability` row. */
export interface CustomerProfitabilityTruth {
  customer_code: string;
  customer_name: string | null;
  segment: 'service' | 'project';
  revenue: string;
  labor_cost: string;
  labor_burden: string;
  unprocessed_labor_cost: string;
  other_direct_cost: string;
  direct_cost: string;
  gross_profit: string;
  gross_margin: string | null;
  overhead_allocated: string;
  net_profit: string;
  net_margin: string | null;
  is_unprofitable: boolean;
}

/** One `marts.phase_budgets` row. */
export interface PhaseBudgetTruth {
  job_number: string;
  phase_code: string;
  cost_type: string;
  estimate: string;
  cost_to_date: string;
  unprocessed_labor_cost: string;
  percent_billed: string | null;
  projected_cost: string | null;
  finding: 'over_budget' | 'trending_over' | 'no_estimate' | null;
  overrun: string | null;
}

/** One `marts.cost_code_overruns` row. */
export interface CostCodeOverrunTruth {
  phase_code: string;
  cost_type: string;
  jobs_over_budget: number;
  jobs_trending_over: number;
  jobs_no_estimate: number;
  overrun_amount: string;
  projected_overrun_amount: string;
  worst_job_number: string | null;
  worst_job_overrun: string | null;
}

/** One `marts.dso_trend` row. */
export interface DsoTrendTruth {
  period_end: string;
  ar_open: string;
  retainage_open: string;
  billings_90: string;
  retainage_billed_90: string;
  dso_gross: string | null;
  dso_net_of_retainage: string | null;
}

/** The one `marts.cash_conversion` row. */
export interface CashConversionTruth {
  as_of: string;
  dso_gross: string | null;
  dso_net_of_retainage: string | null;
  retainage_days: string | null;
  ap_open: string;
  ap_cost_90: string;
  dpo: string | null;
  over_under_billing: string;
  billing_days: string | null;
  cash_conversion_days: string | null;
}

/** One `marts.service_conversion` row. */
export interface ServiceConversionTruth {
  project_id: string;
  project_job_number: string;
  origin: 'converted' | 'de_novo';
  source_job_number: string | null;
  customer_code: string | null;
  contract_amount: string | null;
  revenue_to_date: string;
  cost_to_date: string;
  gross_margin: string | null;
  source_service_revenue: string | null;
}

/** One `marts.service_conversion_summary` row (per origin). */
export interface ServiceConversionSummaryTruth {
  origin: 'converted' | 'de_novo';
  projects: number;
  revenue_to_date: string;
  cost_to_date: string;
  weighted_gross_margin: string | null;
}

/** A `coverage_below_requirement` finding of `marts.subcontractor_compliance`. */
export interface CoverageTruth {
  job_number: string;
  vendor_code: string;
  customer_code: string;
  required_coverage: string;
  coverage_amount: string | null;
}

/** Every insight mart's truth, and the settings it assumes. */
export interface InsightsTruth {
  settings: { window_months: number; overhead_rate: string; overrun_tolerance: string; window_start: string };
  customer_profitability: CustomerProfitabilityTruth[];
  phase_budgets: PhaseBudgetTruth[];
  cost_code_overruns: CostCodeOverrunTruth[];
  dso_trend: DsoTrendTruth[];
  cash_conversion: CashConversionTruth;
  service_conversion: ServiceConversionTruth[];
  service_conversion_summary: ServiceConversionSummaryTruth[];
  coverage_below_requirement: CoverageTruth[];
}

/** n ÷ d rounded half away from zero to `places` decimals, as text; null when d is 0. */
export function ratioText(n: bigint, d: bigint, places: number): string | null {
  if (d === 0n) return null;
  const q = roundedRatio(n, d, places);
  const neg = q < 0n;
  const digits = (neg ? -q : q).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  return `${neg ? '-' : ''}${whole}${places > 0 ? `.${digits.slice(digits.length - places)}` : ''}`;
}

/** n ÷ d × 10^places rounded half away from zero (d ≠ 0). */
function roundedRatio(n: bigint, d: bigint, places: number): bigint {
  const neg = n < 0n !== d < 0n && n !== 0n;
  const an = (n < 0n ? -n : n) * 10n ** BigInt(places);
  const ad = d < 0n ? -d : d;
  const q = (2n * an + ad) / (2n * ad);
  return neg ? -q : q;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const big = (x: number): bigint => BigInt(x);

/** The date `months` calendar months before `day` (the day clamped to the month's end). */
export function monthsBefore(day: number, months: number): number {
  const d = new Date(day * 86_400_000);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, 1));
  const last = monthEnd(Math.round(target.getTime() / 86_400_000));
  return Math.min(last, Math.round(target.getTime() / 86_400_000) + d.getUTCDate() - 1);
}

interface Sums {
  revenue: number;
  labor: number;
  burden: number;
  unprocessed: number;
  other: number;
  records: number;
}

/** Accumulates the insight marts' truth while jobs stream by. */
export class InsightsTruthBuilder {
  private readonly windowStart: number;
  private readonly jobsById: Map<string, Job>;
  private readonly profit = new Map<string, Sums>();
  private readonly phases: PhaseBudgetTruth[] = [];
  private readonly arInvoices: { day: number; gross: number; retention: number }[] = [];
  private readonly arPayments: { day: number; amount: number; retention: boolean }[] = [];
  private apOpen = 0;
  private apCost90 = 0;
  private readonly revenueByJob = new Map<string, number>();
  private readonly projects: (Omit<ServiceConversionTruth, 'source_service_revenue' | 'source_job_number'> & {
    sourceJob: Job | null;
    revenue: number;
    cost: number;
  })[] = [];

  constructor(
    private readonly ctx: { asOf: number; payrollThrough: number },
    /** Job numbers of BuildOps jobs with a projectId (project work). */
    private readonly projectNumbers: Set<string>,
    jobsById: ReadonlyMap<string, Job>,
    private readonly customerNames: ReadonlyMap<string, string>,
  ) {
    this.windowStart = monthsBefore(ctx.asOf, INSIGHT_SETTINGS.windowMonths);
    this.jobsById = new Map(jobsById);
  }

  /** A job made after the master data (the dedicated insight jobs): known for project and source lookups. */
  addJob(job: Job): void {
    this.jobsById.set(job.id, job);
    if (job.projectId) this.projectNumbers.add(job.number);
  }

  private inWindow(day: number): boolean {
    return day > this.windowStart && day <= this.ctx.asOf;
  }

  /** Observe one simulated job (after its plants), as both systems hold it. */
  observe(sim: SimulatedJob): void {
    const { job } = sim;
    const { asOf, payrollThrough } = this.ctx;
    const inSpectrum = job.spectrumStatus !== null;
    const customer = job.customer.code;
    const hasApps = job.kind === 'aia' && inSpectrum && sim.applications.length > 0;
    const segment = this.projectNumbers.has(job.number) || hasApps ? 'project' : 'service';
    // Spectrum revenue: posted headers (net of tax) and credit memos (always −|amount|).
    const headers = [
      ...(job.plants.includes('spectrum_only_job') ? [] : sim.invoices.filter((i) => i.spectrum === 'posted')).map((inv) => ({
        day: inv.issuedDay,
        gross: spectrumState(inv).gross,
        tax: inv.syncedTaxCents,
        retention: inv.spectrumRetentionCents,
        payments: inv.payments.filter((p) => p.inSpectrum),
      })),
      ...sim.creditMemos.map((cm) => ({ day: cm.day, gross: -Math.abs(cm.amountCents), tax: 0, retention: 0, payments: [] })),
    ];
    // Revenue is the header's customer's; cost needs the Spectrum job (its Customer_Code).
    const sums = customer ? this.sumsOf(`${customer}|${segment}`) : null;
    for (const h of headers) {
      const revenue = h.gross - h.tax;
      if (h.day <= asOf) this.revenueByJob.set(job.number, (this.revenueByJob.get(job.number) ?? 0) + revenue);
      if (sums && this.inWindow(h.day)) {
        sums.revenue += revenue;
        sums.records++;
      }
      this.arInvoices.push({ day: h.day, gross: h.gross, retention: h.retention });
      for (const p of h.payments) this.arPayments.push({ day: p.day, amount: p.amountCents, retention: p.retention });
    }
    if (!inSpectrum) return;
    const unprocessed = sim.timesheets.filter((t) => t.approved && t.day > payrollThrough && t.day <= asOf);
    const tsCost = (t: (typeof unprocessed)[number]): number => (t.product.laborRateCents === null ? 0 : Math.round(t.hours * t.product.laborRateCents));
    if (sums) {
      // (the job is in Spectrum here: its costs are the customer's)
      for (const row of sim.payroll) {
        if (!this.inWindow(Number(row.Work_Date))) continue;
        sums.labor += Number(row.Amount);
        sums.burden += Number(row.Burden_Amount ?? 0);
        sums.records++;
      }
      for (const t of unprocessed) {
        sums.unprocessed += tsCost(t);
        sums.records++;
      }
      for (const c of sim.costs) {
        if (c.Tran_Type_Code === 'PR' || !this.inWindow(Number(c.Tran_Date_Text))) continue;
        sums.other += Number(c.Tran_Amount);
        sums.records++;
      }
    }
    for (const c of sim.costs) {
      const day = Number(c.Tran_Date_Text);
      if (c.Tran_Type_Code === 'AP' && day > asOf - 90 && day <= asOf) this.apCost90 += Number(c.Tran_Amount);
    }
    for (const row of sim.vendorOpen) this.apOpen += Number(row.Open_Amount);
    const costToDate = sim.costs.filter((c) => Number(c.Tran_Date_Text) <= asOf).reduce((s, c) => s + Number(c.Tran_Amount), 0);
    const apps = job.kind === 'aia' ? sim.applications.filter((a) => a.periodEnd <= asOf) : [];
    const contract = apps.length > 0 ? apps[apps.length - 1]!.revisedContractCents : job.contractCents;
    if (job.projectId) {
      const revenue = this.revenueByJob.get(job.number) ?? 0;
      this.projects.push({
        project_id: job.projectId,
        project_job_number: job.number,
        origin: job.sourceJobId ? 'converted' : 'de_novo',
        customer_code: customer,
        contract_amount: cents(contract),
        revenue_to_date: cents(revenue),
        cost_to_date: cents(costToDate),
        gross_margin: ratioText(big(revenue - costToDate), big(revenue), 4),
        sourceJob: job.sourceJobId ? (this.jobsById.get(job.sourceJobId) ?? null) : null,
        revenue,
        cost: costToDate,
      });
    }
    if (job.spectrumStatus === 'A') this.observePhases(sim, unprocessed, tsCost, apps, contract);
  }

  private sumsOf(key: string): Sums {
    let s = this.profit.get(key);
    if (!s) {
      s = { revenue: 0, labor: 0, burden: 0, unprocessed: 0, other: 0, records: 0 };
      this.profit.set(key, s);
    }
    return s;
  }

  private observePhases(
    sim: SimulatedJob,
    unprocessed: SimulatedJob['timesheets'],
    tsCost: (t: SimulatedJob['timesheets'][number]) => number,
    apps: SimulatedJob['applications'],
    contract: number,
  ): void {
    const { asOf } = this.ctx;
    const tolerance = big(INSIGHT_SETTINGS.overrunToleranceBp);
    const rows = new Map<string, { phase: string; costType: string; estimate: number; cost: number; unprocessed: number }>();
    const rowOf = (phase: string, costType: string): { phase: string; costType: string; estimate: number; cost: number; unprocessed: number } => {
      const key = `${phase}|${costType}`;
      let row = rows.get(key);
      if (!row) {
        row = { phase, costType, estimate: 0, cost: 0, unprocessed: 0 };
        rows.set(key, row);
      }
      return row;
    };
    for (const p of sim.phases as SpectrumRow[])
      rowOf(String(p.Phase_Code), String(p.Cost_Type)).estimate += Number(p.Projected_Cost ?? p.Original_Est_Cost ?? 0);
    for (const c of sim.costs) if (Number(c.Tran_Date_Text) <= asOf) rowOf(String(c.Phase_Code), String(c.Cost_Type)).cost += Number(c.Tran_Amount);
    for (const t of unprocessed) {
      if (!t.product.map) continue;
      const row = rowOf(t.product.map.phase, t.product.map.costType);
      row.cost += tsCost(t);
      row.unprocessed += tsCost(t);
    }
    // The work done as billed: the latest AIA application's completed ÷ revised contract, else billed ÷ contract.
    let num: bigint;
    let den: bigint;
    const last = apps[apps.length - 1];
    if (last) {
      num = big(last.lines.reduce((s, l) => s + l.completedCents, 0));
      den = big(last.revisedContractCents);
    } else {
      const billed =
        sim.invoices.filter((i) => i.spectrum === 'posted' && i.issuedDay <= asOf).reduce((s, i) => s + spectrumState(i).gross, 0) +
        sim.creditMemos.filter((c) => c.day <= asOf).reduce((s, c) => s - Math.abs(c.amountCents), 0);
      num = big(billed);
      den = big(contract);
    }
    if (den > 0n && num >= den) {
      num = 1n;
      den = 1n;
    }
    for (const row of rows.values()) {
      if (row.estimate === 0 && row.cost === 0) continue;
      const percent = den > 0n ? ratioText(num, den, 4) : null;
      const onPace = den > 0n && num * 10n >= den;
      const projected = onPace ? roundedRatio(big(row.cost) * den, num, 0) : null;
      let finding: PhaseBudgetTruth['finding'] = null;
      let overrun: number | null = null;
      if (row.estimate > 0 && row.cost > row.estimate) {
        finding = 'over_budget';
        overrun = row.cost - row.estimate;
      } else if (row.estimate > 0 && projected !== null && big(row.cost) * den * 10_000n > big(row.estimate) * (10_000n + tolerance) * num) {
        finding = 'trending_over';
        overrun = Number(projected) - row.estimate;
      } else if (row.estimate === 0 && row.cost > 0) finding = 'no_estimate';
      this.phases.push({
        job_number: sim.job.number,
        phase_code: row.phase,
        cost_type: row.costType,
        estimate: cents(row.estimate),
        cost_to_date: cents(row.cost),
        unprocessed_labor_cost: cents(row.unprocessed),
        percent_billed: percent,
        projected_cost: projected === null ? null : cents(Number(projected)),
        finding,
        overrun: overrun === null ? null : cents(overrun),
      });
    }
  }

  /** The insight marts' truth, given the WIP and compliance truths it builds on. */
  finish(
    wip: readonly WipTruth[],
    compliance: ComplianceTruth[],
    complianceRows: readonly SpectrumRow[],
    requirements: readonly CustomerRequirement[],
  ): { insights: InsightsTruth; compliance: ComplianceTruth[] } {
    const { asOf } = this.ctx;
    const rate = big(INSIGHT_SETTINGS.overheadRateBp);
    const profitability: CustomerProfitabilityTruth[] = [];
    for (const [key, s] of [...this.profit].sort(([a], [b]) => byText(a, b))) {
      const [code = '', segment] = key.split('|');
      const direct = s.labor + s.burden + s.unprocessed + s.other;
      if (s.revenue === 0 && direct === 0) continue;
      const gross = s.revenue - direct;
      const overhead = percentOf(s.labor + s.burden + s.unprocessed, Number(rate));
      const net = gross - overhead;
      profitability.push({
        customer_code: code,
        customer_name: this.customerNames.get(code) ?? null,
        segment: segment as 'service' | 'project',
        revenue: cents(s.revenue),
        labor_cost: cents(s.labor),
        labor_burden: cents(s.burden),
        unprocessed_labor_cost: cents(s.unprocessed),
        other_direct_cost: cents(s.other),
        direct_cost: cents(direct),
        gross_profit: cents(gross),
        gross_margin: ratioText(big(gross), big(s.revenue), 4),
        overhead_allocated: cents(overhead),
        net_profit: cents(net),
        net_margin: ratioText(big(net), big(s.revenue), 4),
        is_unprofitable: net < 0,
      });
    }

    const overruns = new Map<string, CostCodeOverrunTruth & { worst: number | null }>();
    for (const p of this.phases) {
      if (!p.finding) continue;
      const key = `${p.phase_code}|${p.cost_type}`;
      let o = overruns.get(key);
      if (!o) {
        o = {
          phase_code: p.phase_code,
          cost_type: p.cost_type,
          jobs_over_budget: 0,
          jobs_trending_over: 0,
          jobs_no_estimate: 0,
          overrun_amount: '0.00',
          projected_overrun_amount: '0.00',
          worst_job_number: null,
          worst_job_overrun: null,
          worst: null,
        };
        overruns.set(key, o);
      }
      const amount = p.overrun === null ? 0 : Math.round(Number(p.overrun) * 100);
      if (p.finding === 'over_budget') {
        o.jobs_over_budget++;
        o.overrun_amount = cents(Math.round(Number(o.overrun_amount) * 100) + amount);
      } else if (p.finding === 'trending_over') {
        o.jobs_trending_over++;
        o.projected_overrun_amount = cents(Math.round(Number(o.projected_overrun_amount) * 100) + amount);
      } else o.jobs_no_estimate++;
      if (p.overrun !== null && (o.worst === null || amount > o.worst || (amount === o.worst && byText(p.job_number, o.worst_job_number ?? '') < 0))) {
        o.worst = amount;
        o.worst_job_number = p.job_number;
        o.worst_job_overrun = p.overrun;
      }
    }

    // DSO at each month end of the window and on the as-of date.
    const ends: number[] = [];
    for (let m = monthEnd(this.windowStart + 1); m < asOf; m = monthEnd(m + 1)) ends.push(m);
    ends.push(asOf);
    const at = (d: number): { ar: number; ret: number; b90: number; r90: number } => {
      let ar = 0;
      let ret = 0;
      let b90 = 0;
      let r90 = 0;
      for (const i of this.arInvoices) {
        if (i.day > d) continue;
        ar += i.gross;
        ret += i.retention;
        if (i.day > d - 90) {
          b90 += i.gross;
          r90 += i.retention;
        }
      }
      for (const p of this.arPayments) {
        if (p.day > d) continue;
        ar -= p.amount;
        if (p.retention) ret -= p.amount;
      }
      return { ar, ret, b90, r90 };
    };
    const trend: DsoTrendTruth[] = ends.map((d) => {
      const x = at(d);
      return {
        period_end: isoDay(d),
        ar_open: cents(x.ar),
        retainage_open: cents(x.ret),
        billings_90: cents(x.b90),
        retainage_billed_90: cents(x.r90),
        dso_gross: ratioText(big(x.ar) * 90n, big(x.b90), 1),
        dso_net_of_retainage: ratioText(big(x.ar - x.ret) * 90n, big(x.b90 - x.r90), 1),
      };
    });
    const now = at(asOf);
    const ou = wip.reduce((s, w) => s + (w.over_under_billing === null ? 0 : Math.round(Number(w.over_under_billing) * 100)), 0);
    const b = big(now.b90);
    const bn = big(now.b90 - now.r90);
    const retainageDays = b === 0n || bn === 0n ? null : ratioText(90n * (big(now.ar) * bn - big(now.ar - now.ret) * b), b * bn, 1);
    // The cycle: its three parts, each exact to 6 decimals, summed and rounded to one decimal.
    const part = (n: bigint, d: bigint): bigint | null => (d === 0n ? null : roundedRatio(n, d, 6));
    const netPart = part(big(now.ar - now.ret) * 90n, bn);
    const billingPart = part(-big(ou) * 90n, b);
    const dpoPart = part(big(this.apOpen) * 90n, big(this.apCost90));
    const cycle = netPart === null || billingPart === null || dpoPart === null ? null : ratioText(netPart + billingPart - dpoPart, 1_000_000n, 1);
    const cash: CashConversionTruth = {
      as_of: isoDay(asOf),
      dso_gross: ratioText(big(now.ar) * 90n, b, 1),
      dso_net_of_retainage: ratioText(big(now.ar - now.ret) * 90n, bn, 1),
      retainage_days: retainageDays,
      ap_open: cents(this.apOpen),
      ap_cost_90: cents(this.apCost90),
      dpo: ratioText(big(this.apOpen) * 90n, big(this.apCost90), 1),
      over_under_billing: cents(ou),
      billing_days: ratioText(-big(ou) * 90n, b, 1),
      cash_conversion_days: cycle,
    };

    const conversion: ServiceConversionTruth[] = this.projects
      .map(({ sourceJob, revenue: _r, cost: _c, ...p }) => ({
        ...p,
        source_job_number: sourceJob?.number ?? null,
        source_service_revenue: sourceJob ? cents(this.revenueByJob.get(sourceJob.number) ?? 0) : null,
      }))
      .sort((x, y) => byText(x.project_id, y.project_id));
    const summary: ServiceConversionSummaryTruth[] = (['converted', 'de_novo'] as const).flatMap((origin) => {
      const group = this.projects.filter((p) => p.origin === origin);
      if (group.length === 0) return [];
      const revenue = group.reduce((s, p) => s + p.revenue, 0);
      const cost = group.reduce((s, p) => s + p.cost, 0);
      return [
        {
          origin,
          projects: group.length,
          revenue_to_date: cents(revenue),
          cost_to_date: cents(cost),
          weighted_gross_margin: ratioText(big(revenue - cost), big(revenue), 4),
        },
      ];
    });

    const { rows, coverage } = this.coverage(compliance, complianceRows, requirements);
    return {
      insights: {
        settings: {
          window_months: INSIGHT_SETTINGS.windowMonths,
          overhead_rate: ratioText(rate, 10_000n, 4)!,
          overrun_tolerance: ratioText(big(INSIGHT_SETTINGS.overrunToleranceBp), 10_000n, 4)!,
          window_start: isoDay(this.windowStart),
        },
        customer_profitability: profitability,
        phase_budgets: this.phases.sort((x, y) => byText(x.job_number, y.job_number) || byText(x.phase_code, y.phase_code) || byText(x.cost_type, y.cost_type)),
        cost_code_overruns: [...overruns.values()]
          .map(({ worst: _w, ...o }) => o)
          .sort((x, y) => byText(x.phase_code, y.phase_code) || byText(x.cost_type, y.cost_type)),
        dso_trend: trend,
        cash_conversion: cash,
        service_conversion: conversion,
        service_conversion_summary: summary,
        coverage_below_requirement: coverage,
      },
      compliance: rows,
    };
  }

  /**
   * The `coverage_below_requirement` reason: the job's customer requires a COI of at least an
   * amount, and the sub's current COI (the latest Expiration_Date of the rows that apply; the
   * highest amount among rows expiring that day) covers less, or says nothing. A sub with no COI
   * is `coi_missing` only. The reason sits after the COI reasons.
   */
  private coverage(
    compliance: ComplianceTruth[],
    complianceRows: readonly SpectrumRow[],
    requirements: readonly CustomerRequirement[],
  ): { rows: ComplianceTruth[]; coverage: CoverageTruth[] } {
    const coverage: CoverageTruth[] = [];
    const jobsByNumber = new Map<string, Job>();
    for (const job of this.jobsById.values()) if (job.spectrumStatus !== null && !jobsByNumber.has(job.number)) jobsByNumber.set(job.number, job);
    const rows = compliance.map((row) => {
      const customer = jobsByNumber.get(row.job_number)?.customer.code ?? null;
      const requirement = requirements.find((q) => q.customerCode === customer && q.complianceType === 'COI');
      if (!requirement || row.coi_expires_on === null) return row;
      const current = complianceRows.filter(
        (r) =>
          r.Vendor_Code === row.vendor_code &&
          r.Compliance_Type === 'COI' &&
          (r.Job_Number === null || r.Job_Number === undefined || r.Job_Number === row.job_number) &&
          r.Expiration_Date != null &&
          isoDay(Number(r.Expiration_Date)) === row.coi_expires_on,
      );
      const amounts = current.flatMap((r) => (r.Coverage_Amount === null || r.Coverage_Amount === undefined ? [] : [Number(r.Coverage_Amount)]));
      const amount = amounts.length > 0 ? Math.max(...amounts) : null;
      if (amount !== null && amount >= requirement.minimumCents) return row;
      coverage.push({
        job_number: row.job_number,
        vendor_code: row.vendor_code,
        customer_code: requirement.customerCode,
        required_coverage: cents(requirement.minimumCents),
        coverage_amount: amount === null ? null : cents(amount),
      });
      const reasons = [...row.reasons];
      const after = reasons.filter((r) => r === 'coi_missing' || r === 'coi_expired').length;
      reasons.splice(after, 0, 'coverage_below_requirement');
      return { ...row, reasons, is_compliant: false };
    });
    return { rows, coverage: coverage.sort((x, y) => byText(x.job_number, y.job_number) || byText(x.vendor_code, y.vendor_code)) };
  }
}
