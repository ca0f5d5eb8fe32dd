// Computes the ground truth from the simulated events, in TypeScript with integer cents — an
// independent restatement of marts.md, never the mart SQL over the store. Jobs are observed one
// at a time as they stream by; only findings and small aggregates are kept.

import type {
  ArAgingCustomerTruth,
  ArAgingRowTruth,
  ArWindowTruth,
  BillingDuplicateTruth,
  ComplianceTruth,
  CostCodeDriftTruth,
  GroundTruth,
  InvoiceStatusTruth,
  PreflightTruth,
  RetainageTruth,
  ServiceBatchTruth,
  WipTruth,
} from '../ground-truth.ts';
import { AR_GL_ACCOUNT, COMPANY, COST_CENTERS, DEPARTMENTS, GL_ACCOUNTS, OTHER_COMPANY, TAX_CODES } from './catalog.ts';
import { isoDay } from './calendar.ts';
import { spectrumState } from './invoice-state.ts';
import type { Master } from './master.ts';
import type { Application, Invoice, Job, Scale } from './model.ts';
import { cents, roundDiv } from './money.ts';
import type { SimulatedJob } from './simulate-job.ts';
import { total, subtotal } from './simulate-job.ts';
import type { SpectrumRow } from './sink.ts';

const BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
type Bucket = (typeof BUCKETS)[number];
const US_STATES = new Set(
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR'.split(
    ' ',
  ),
);
const INVALID_KEY_CHARS = /[/*?"'><#,&~]/;
const SENT_SYNC = new Set(['Synced', 'Bypassed', 'Failed', 'Pending']);

/** Dates and settings the truth depends on. */
export interface TruthContext {
  asOf: number;
  payrollThrough: number;
  periodStart: number;
  periodEnd: number;
  /** The last date of the open AR processing window (module AR's Max_Date). */
  arWindowEnd: number;
  seed: string;
  scale: Scale;
}

interface CustomerAging {
  buckets: Record<Bucket, number>;
  retainageOpen: number;
  credits: number;
  openTotal: number;
}

function bucketOf(daysPastDue: number): Bucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return '1-30';
  if (daysPastDue <= 60) return '31-60';
  if (daysPastDue <= 90) return '61-90';
  return '90+';
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Accumulates the ground truth while jobs stream by. */
export class TruthBuilder {
  private invoiceStatus: InvoiceStatusTruth[] = [];
  private agingRows: ArAgingRowTruth[] = [];
  private aging = new Map<string, CustomerAging>();
  private drift: CostCodeDriftTruth[] = [];
  private unmappedAmounts = new Map<string, number>();
  private duplicates: BillingDuplicateTruth[] = [];
  private retainage: RetainageTruth[] = [];
  private batches = new Map<string, ServiceBatchTruth & { sub: number; tax: number; tot: number }>();
  private wip: WipTruth[] = [];
  private preflight: PreflightTruth[] = [];
  /** Approved, not-synced BuildOps invoices: what the write-back has still to send. */
  private unsent: { id: string; day: number; cents: number }[] = [];
  private pendingDuplicateNumbers: {
    record: PreflightTruth;
    number: string;
  }[] = [];
  private spectrumInvoiceNumbers = new Set<string>();
  private openAp = new Map<string, number>();
  private readonly spectrumCustomers: Set<string>;
  private readonly spectrumJobs = new Map<string, string>();
  private readonly activeCostCenters = new Set(COST_CENTERS.map(([code]) => code));
  private readonly departmentCostCenter = new Map(DEPARTMENTS.map(([name, cc]) => [name, cc]));
  private readonly gl = new Map(GL_ACCOUNTS.map(([account, , , direct, costType]) => [account, { direct, costType }]));
  private readonly taxClasses = new Set(TAX_CODES.filter(([, kind, , status]) => kind === 'TAX_CLASS' && status === 'A').map(([code]) => code));

  constructor(
    private readonly master: Master,
    private readonly ctx: TruthContext,
    private readonly compliance: SpectrumRow[],
  ) {
    this.spectrumCustomers = new Set(master.customers.flatMap((c) => (c.code ? [c.code] : [])));
    for (const job of master.jobs) if (job.spectrumStatus !== null) this.spectrumJobs.set(job.number, job.spectrumStatus);
    for (const u of master.unapplied) this.agingOf(u.customer.code!).credits += u.amountCents;
  }

  private agingOf(customer: string): CustomerAging {
    let a = this.aging.get(customer);
    if (!a) {
      a = {
        buckets: { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 },
        retainageOpen: 0,
        credits: 0,
        openTotal: 0,
      };
      this.aging.set(customer, a);
    }
    return a;
  }

  /** Observe one simulated job (after its plants). */
  observe(sim: SimulatedJob): void {
    const { job } = sim;
    const live = sim.invoices.filter((i) => i.status !== 'Void');
    for (const inv of sim.invoices) {
      if (inv.spectrum !== 'none') this.spectrumInvoiceNumbers.add(inv.spectrumNumber);
      this.observeInvoiceStatus(inv);
      if (inv.spectrum === 'posted') this.observeAging(inv);
    }
    for (const cm of sim.creditMemos) {
      this.spectrumInvoiceNumbers.add(cm.number);
      this.agingOf(job.customer.code!).credits += cm.amountCents;
    }
    for (const inv of live)
      for (const line of inv.lines)
        if (!line.product.map && line.product.isActive)
          this.unmappedAmounts.set(line.product.code, (this.unmappedAmounts.get(line.product.code) ?? 0) + line.amountCents);
    if (job.spectrumStatus !== null) this.observeLineDrift(sim, live);
    this.observePostedDrift(sim);
    this.observeDuplicates(sim, live);
    this.observeRetainage(sim, live);
    this.observeBatches(live);
    if (job.spectrumStatus === 'A') this.observeWip(sim);
    for (const row of sim.vendorOpen) {
      const key = `${row.Vendor_Code}|${row.Job_Number}`;
      this.openAp.set(key, (this.openAp.get(key) ?? 0) + Number(row.Open_Amount));
    }
    this.observePreflight(sim, live);
  }

  private observeInvoiceStatus(inv: Invoice): void {
    const sent = SENT_SYNC.has(inv.syncStatus) || inv.status === 'Exported' || inv.status === 'Paid';
    if (!sent && inv.spectrum === 'none') return;
    if (inv.status === 'Void' && inv.spectrum === 'none') return;
    const s = spectrumState(inv);
    const boTotal = total(inv);
    let drift: string | null = null;
    if (s.status === 'missing') drift = 'missing_in_spectrum';
    else if (s.status === 'unposted') drift = 'awaiting_posting';
    else if ((s.status === 'paid' || s.status === 'retention_held') && inv.status !== 'Paid') drift = 'paid_not_reflected';
    else if (inv.status === 'Paid' && (s.status === 'open' || s.status === 'partial')) drift = 'paid_in_buildops_only';
    else if (Math.abs(boTotal - s.gross) > 1) drift = 'amount_mismatch';
    if (drift === 'amount_mismatch' && s.status === 'unposted') drift = 'awaiting_posting';
    if (!drift) return;
    this.invoiceStatus.push({
      buildops_invoice_id: inv.id,
      invoice_number: inv.spectrum === 'none' ? inv.number : inv.spectrumNumber,
      job_number: inv.job.number,
      customer_code: inv.job.customer.code,
      buildops_status: inv.status,
      buildops_total: cents(boTotal),
      spectrum_gross: s.status === 'missing' ? null : cents(s.gross),
      spectrum_status: s.status,
      drift_type: drift,
    });
  }

  private observeAging(inv: Invoice): void {
    const s = spectrumState(inv);
    if (s.openTotal === 0) return;
    const due = inv.spectrumDueDay ?? inv.issuedDay + 30;
    const dpd = this.ctx.asOf - due;
    const bucket = bucketOf(dpd);
    const net = s.openTotal - s.retentionOpen;
    const a = this.agingOf(inv.job.customer.code!);
    a.buckets[bucket] += net;
    a.retainageOpen += s.retentionOpen;
    a.openTotal += s.openTotal;
    this.agingRows.push({
      customer_code: inv.job.customer.code!,
      job_number: inv.job.number,
      invoice_number: inv.spectrumNumber,
      buildops_invoice_id: inv.id,
      due_date: isoDay(due),
      days_past_due: dpd,
      aging_bucket: bucket,
      open_total: cents(s.openTotal),
      retainage_open: cents(s.retentionOpen),
      open_net_of_retainage: cents(net),
    });
  }

  private observeLineDrift(sim: SimulatedJob, live: Invoice[]): void {
    const phases = new Map(sim.phases.map((p) => [`${p.Phase_Code}|${p.Cost_Type}`, String(p.Status_Code)]));
    const found = new Map<string, CostCodeDriftTruth & { cents: number }>();
    const ordered = [...live].sort((a, b) => byText(a.number, b.number));
    for (const inv of ordered) {
      inv.lines.forEach((line, i) => {
        const map = line.product.map;
        if (!map) return;
        const status = phases.get(`${map.phase}|${map.costType}`);
        if (status === 'A') return;
        const type = status === undefined ? 'mapping_target_missing' : 'mapping_target_inactive';
        const key = line.product.code;
        const prior = found.get(key);
        if (prior) {
          prior.cents += line.amountCents;
          return;
        }
        found.set(key, {
          finding_type: type,
          item_code: key,
          job_number: sim.job.number,
          phase_code: map.phase,
          cost_type: map.costType,
          mapped_phase_code: map.phase,
          mapped_cost_type: map.costType,
          gl_account: null,
          invoice_number: inv.number,
          line_number: i + 1,
          amount: null,
          cents: line.amountCents,
        });
      });
    }
    for (const { cents: amount, ...row } of found.values()) this.drift.push({ ...row, amount: cents(amount) });
  }

  private observePostedDrift(sim: SimulatedJob): void {
    for (const inv of sim.invoices) {
      if (inv.spectrum !== 'posted' || !inv.postedAs) continue;
      const line = inv.lines[inv.postedAs.line - 1]!;
      const map = line.product.map!;
      this.drift.push({
        finding_type: 'posted_cost_code_mismatch',
        item_code: line.product.code,
        job_number: sim.job.number,
        phase_code: inv.postedAs.phase,
        cost_type: inv.postedAs.costType,
        mapped_phase_code: map.phase,
        mapped_cost_type: map.costType,
        gl_account: null,
        invoice_number: inv.spectrumNumber,
        line_number: inv.postedAs.line,
        amount: cents(line.amountCents),
      });
    }
  }

  private observeDuplicates(sim: SimulatedJob, live: Invoice[]): void {
    const job = sim.job;
    const push = (row: Omit<BillingDuplicateTruth, 'job_number'>): void => {
      this.duplicates.push({ job_number: job.number, ...row });
    };
    // duplicate_invoice: one row on the later of two equal invoices within 3 days.
    for (const later of live) {
      const earlier = live.some(
        (o) =>
          o !== later &&
          o.number !== later.number &&
          total(o) === total(later) &&
          o.issuedDay <= later.issuedDay &&
          later.issuedDay - o.issuedDay <= 3 &&
          (o.issuedDay < later.issuedDay || o.issuedEpoch < later.issuedEpoch),
      );
      if (earlier)
        push({
          finding_type: 'duplicate_invoice',
          source_system: 'buildops',
          application_number: null,
          item_number: null,
          invoice_number: later.number,
          buildops_invoice_id: later.id,
          buildops_pay_application_id: null,
          amount_at_risk: cents(total(later)),
        });
    }
    const spectrumApps = job.kind === 'aia' && job.spectrumStatus !== null ? sim.applications : [];
    const buildopsApps = job.kind === 'payapp' ? sim.applications : [];
    // billed_in_both_systems: BuildOps billing inside a Spectrum application period.
    if (spectrumApps.length > 0) {
      const appInvoices = new Set(spectrumApps.map((a) => a.invoice?.id));
      const periodOf = (day: number): Application | undefined => spectrumApps.find((a) => a.periodFrom <= day && day <= a.periodEnd);
      for (const inv of live) {
        const app = periodOf(inv.issuedDay);
        if (app && !appInvoices.has(inv.id))
          push({
            finding_type: 'billed_in_both_systems',
            source_system: 'buildops',
            application_number: app.number,
            item_number: null,
            invoice_number: inv.number,
            buildops_invoice_id: inv.id,
            buildops_pay_application_id: null,
            amount_at_risk: cents(total(inv)),
          });
      }
      for (const pa of [...buildopsApps, ...sim.extraPayApps]) {
        const app = periodOf(pa.periodEnd);
        if (app)
          push({
            finding_type: 'billed_in_both_systems',
            source_system: 'buildops',
            application_number: app.number,
            item_number: null,
            invoice_number: null,
            buildops_invoice_id: null,
            buildops_pay_application_id: pa.id,
            amount_at_risk: cents(pa.lines.reduce((s, l) => s + l.thisPeriodCents, 0)),
          });
      }
    }
    const tieOut = (apps: Application[], system: 'spectrum' | 'buildops'): void => {
      const byNumber = new Map(apps.map((a) => [a.number, a]));
      for (const app of apps) {
        const prev = byNumber.get(app.number - 1);
        for (const line of app.lines) {
          const before = app.number > 1 ? prev?.lines.find((l) => l.itemNumber === line.itemNumber) : undefined;
          const previousCompleted = before?.completedCents ?? 0;
          if (app.number > 1 && prev && line.previousCents !== previousCompleted) {
            push({
              finding_type: 'previous_mismatch',
              source_system: system,
              application_number: app.number,
              item_number: line.itemNumber,
              invoice_number: null,
              buildops_invoice_id: null,
              buildops_pay_application_id: system === 'buildops' ? app.id : null,
              amount_at_risk: cents(Math.abs(line.previousCents - previousCompleted)),
            });
          }
          if (line.completedCents > line.scheduledCents) {
            push({
              finding_type: 'over_scheduled_value',
              source_system: system,
              application_number: app.number,
              item_number: line.itemNumber,
              invoice_number: null,
              buildops_invoice_id: null,
              buildops_pay_application_id: system === 'buildops' ? app.id : null,
              amount_at_risk: cents(line.completedCents - line.scheduledCents),
            });
          }
        }
      }
    };
    tieOut(spectrumApps, 'spectrum');
    tieOut(buildopsApps, 'buildops');
    tieOut(sim.extraPayApps, 'buildops');
  }

  private observeRetainage(sim: SimulatedJob, live: Invoice[]): void {
    const bo = live.reduce((s, i) => s + i.retentionCents, 0);
    const posted = sim.invoices.filter((i) => i.spectrum === 'posted');
    const billed = posted.reduce((s, i) => s + i.spectrumRetentionCents, 0);
    if (bo === 0 && billed === 0) return;
    const paid = posted.reduce((s, i) => s + spectrumState(i).retentionPaid, 0);
    this.retainage.push({
      job_number: sim.job.number,
      customer_code: sim.job.customer.code,
      buildops_retainage_billed: cents(bo),
      spectrum_retainage_billed: cents(billed),
      spectrum_retainage_paid: cents(paid),
      spectrum_retainage_open: cents(billed - paid),
      difference: cents(bo - billed),
      status: Math.abs(bo - billed) > 1 ? 'mismatch' : 'matched',
    });
  }

  private observeBatches(live: Invoice[]): void {
    for (const inv of live) {
      if (inv.job.projectId !== null || inv.status !== 'Approved' || inv.syncStatus !== 'NotSynced') continue;
      const customer = inv.job.customer.code;
      if (!customer) continue;
      const costCenter = this.departmentCostCenter.get(inv.departmentName) ?? '';
      const day = isoDay(inv.issuedDay);
      const key = `${customer}|${day}|${costCenter}`;
      let b = this.batches.get(key);
      if (!b) {
        b = {
          batch_key: key,
          customer_code: customer,
          issue_date: day,
          cost_center: costCenter,
          ticket_count: 0,
          subtotal: '',
          tax_amount: '',
          total_amount: '',
          sub: 0,
          tax: 0,
          tot: 0,
        };
        this.batches.set(key, b);
      }
      b.ticket_count += 1;
      b.sub += subtotal(inv);
      b.tax += inv.taxCents;
      b.tot += total(inv);
    }
  }

  private observeWip(sim: SimulatedJob): void {
    const { job } = sim;
    const { asOf, payrollThrough } = this.ctx;
    const apps = job.kind === 'aia' ? sim.applications.filter((a) => a.periodEnd <= asOf) : [];
    const contract = apps.length > 0 ? apps[apps.length - 1]!.revisedContractCents : job.contractCents;
    const estimate = sim.phases.reduce((s, p) => s + Number(p.Projected_Cost ?? p.Original_Est_Cost ?? 0), 0);
    const costToDate = sim.costs.filter((c) => Number(c.Tran_Date_Text) <= asOf).reduce((s, c) => s + Number(c.Tran_Amount), 0);
    let hundredths = 0;
    let labor = 0;
    const noRate = new Set<string>();
    for (const ts of sim.timesheets) {
      if (!ts.approved || ts.day <= payrollThrough || ts.day > asOf) continue;
      hundredths += Math.round(ts.hours * 100);
      if (ts.product.laborRateCents === null) noRate.add(ts.product.code);
      else labor += Math.round(ts.hours * ts.product.laborRateCents);
    }
    const billed =
      sim.invoices.filter((i) => i.spectrum === 'posted' && i.issuedDay <= asOf).reduce((s, i) => s + spectrumState(i).gross, 0) +
      sim.creditMemos.filter((c) => c.day <= asOf).reduce((s, c) => s + c.amountCents, 0);
    const withUnprocessed = costToDate + labor;
    const earned = (cost: number): number | null =>
      estimate === 0 ? null : cost >= estimate ? contract : roundDiv(BigInt(cost) * BigInt(contract), BigInt(estimate));
    const percent = (cost: number): string | null =>
      estimate === 0 ? null : (Math.min(10000, roundDiv(BigInt(cost) * 10000n, BigInt(estimate))) / 10000).toFixed(4);
    const e = earned(withUnprocessed);
    const ep = earned(costToDate);
    this.wip.push({
      job_number: job.number,
      customer_code: job.customer.code,
      contract_amount: cents(contract),
      estimated_cost: cents(estimate),
      cost_to_date: cents(costToDate),
      unprocessed_hours: cents(hundredths),
      unprocessed_labor_cost: cents(labor),
      cost_with_unprocessed: cents(withUnprocessed),
      percent_complete: percent(withUnprocessed),
      earned_revenue: e === null ? null : cents(e),
      billed_to_date: cents(billed),
      over_under_billing: e === null ? null : cents(billed - e),
      gross_profit_to_date: e === null ? null : cents(e - withUnprocessed),
      percent_complete_payroll_only: percent(costToDate),
      earned_revenue_payroll_only: ep === null ? null : cents(ep),
      over_under_billing_payroll_only: ep === null ? null : cents(billed - ep),
      items_without_rate: [...noRate].sort(),
    });
  }

  private observePreflight(sim: SimulatedJob, live: Invoice[]): void {
    const { job } = sim;
    const outboundJob = job.syncStatus === 'Pending';
    // A record whose parent is blocked is blocked too (rule parent_blocked): a phase of a blocked
    // job; an invoice on a blocked outbound job or needing one of its blocked phases.
    let jobBlocked = false;
    const blockedPhases = new Set<string>();
    if (outboundJob) {
      const rules = new Set<string>();
      const c = job.customer;
      if (c.name.length > 30 || c.address1.length > 30 || (c.address2?.length ?? 0) > 30 || c.city.length > 25 || c.zip.length > 10)
        rules.add('field_too_long');
      if (job.number.length > 10 || job.name.length > 25) rules.add('field_too_long');
      if (c.name.includes(',') || INVALID_KEY_CHARS.test(job.number) || (c.code !== null && INVALID_KEY_CHARS.test(c.code))) rules.add('invalid_characters');
      if (!US_STATES.has(c.state)) rules.add('state_code');
      if (c.phone.replace(/[-\s()]/g, '').length > 14) rules.add('phone_format');
      if (c.code === null || !this.spectrumCustomers.has(c.code)) rules.add('customer_not_in_spectrum');
      if (this.spectrumJobs.has(job.number)) rules.add('duplicate_number');
      if (!this.activeCostCenters.has(this.departmentCostCenter.get(job.department.name) ?? '')) rules.add('cost_center_mismatch');
      if (!this.taxClasses.has(job.taxCode)) rules.add('tax_class_invalid');
      jobBlocked = rules.size > 0;
      this.preflight.push({
        record_type: 'job',
        buildops_id: job.id,
        rules: [...rules].sort(),
      });
      // The phases the export adds ahead of the job's invoices: the mapped targets of its items.
      const phases = new Map<string, { phase: string; costType: string }>();
      for (const inv of live) for (const l of inv.lines) if (l.product.map) phases.set(`${l.product.map.phase}:${l.product.map.costType}`, l.product.map);
      for (const [key, p] of [...phases].sort(([a], [b]) => byText(a, b))) {
        const pr = new Set<string>();
        if (p.phase.length > 20) pr.add('field_too_long');
        if (!/^\d{5}$/.test(p.phase)) pr.add('phase_mask');
        if (pr.size > 0) blockedPhases.add(key);
        if (jobBlocked) pr.add('parent_blocked');
        this.preflight.push({
          record_type: 'phase',
          buildops_id: `${job.id}:${key}`,
          rules: [...pr].sort(),
        });
      }
    }
    const phases = new Map(sim.phases.map((p) => [`${p.Phase_Code}|${p.Cost_Type}`, String(p.Status_Code)]));
    for (const inv of live) {
      if (inv.status !== 'Approved' || inv.syncStatus !== 'NotSynced') continue;
      const rules = new Set<string>();
      if (inv.number.length > 10 || (inv.customerPO?.length ?? 0) > 25 || inv.lines.some((l) => l.description.length > 30)) rules.add('field_too_long');
      if (INVALID_KEY_CHARS.test(inv.number) || INVALID_KEY_CHARS.test(job.number) || (job.customer.code !== null && INVALID_KEY_CHARS.test(job.customer.code)))
        rules.add('invalid_characters');
      if (total(inv) < 0) rules.add('negative_amount');
      if (inv.issuedDay < this.ctx.periodStart || inv.issuedDay > this.ctx.arWindowEnd) rules.add('closed_period');
      this.unsent.push({ id: inv.id, day: inv.issuedDay, cents: total(inv) });
      if (job.customer.code === null || !this.spectrumCustomers.has(job.customer.code)) rules.add('customer_not_in_spectrum');
      const spectrumJob = this.spectrumJobs.get(job.number);
      const inSpectrum = spectrumJob !== undefined && !outboundJob;
      if (!inSpectrum && !outboundJob) rules.add('job_not_in_spectrum');
      if (inSpectrum && spectrumJob === 'C') rules.add('job_complete');
      if (!this.activeCostCenters.has(this.departmentCostCenter.get(inv.departmentName) ?? '')) rules.add('cost_center_mismatch');
      for (const l of inv.lines) {
        const map = l.product.map;
        if (!map) rules.add('unmapped_item');
        else if (inSpectrum && phases.get(`${map.phase}|${map.costType}`) !== 'A') rules.add('phase_not_on_job');
        const gl = this.gl.get(l.product.glRevenue);
        if (!gl || (map && gl.costType !== null && gl.costType !== map.costType)) rules.add('gl_account');
      }
      if (job.kind !== 'service') rules.add('routing_conflict');
      if (outboundJob && (jobBlocked || inv.lines.some((l) => l.product.map && blockedPhases.has(`${l.product.map.phase}:${l.product.map.costType}`))))
        rules.add('parent_blocked');
      const ar = this.gl.get(AR_GL_ACCOUNT);
      if (!ar || ar.direct === 'Y') rules.add('gl_account');
      const record: PreflightTruth = {
        record_type: 'invoice',
        buildops_id: inv.id,
        rules: [...rules].sort(),
      };
      this.preflight.push(record);
      this.pendingDuplicateNumbers.push({ record, number: inv.number });
    }
  }

  /** The AR window and the unsent approved invoices inside and outside it. */
  private arWindowTruth(): ArWindowTruth {
    const { periodStart, arWindowEnd } = this.ctx;
    const outside = this.unsent.filter((u) => u.day < periodStart || u.day > arWindowEnd);
    const inside = this.unsent.filter((u) => !outside.includes(u));
    const sum = (list: typeof this.unsent): string => cents(list.reduce((s, u) => s + u.cents, 0));
    return {
      min_date: isoDay(periodStart),
      max_date: isoDay(arWindowEnd),
      days_left: arWindowEnd - this.ctx.asOf,
      unsent_inside: { count: inside.length, amount: sum(inside) },
      unsent_outside: { count: outside.length, amount: sum(outside), buildops_ids: outside.map((u) => u.id).sort(byText) },
    };
  }

  private complianceTruth(): ComplianceTruth[] {
    const asOf = this.ctx.asOf;
    const out: ComplianceTruth[] = [];
    for (const job of this.master.jobs) {
      if (job.plants.includes('spectrum_only_job')) continue;
      for (const a of job.assignments) {
        if (a.startDay > asOf || (a.endDay !== null && a.endDay < asOf)) continue;
        const v = a.vendor;
        const rows = this.compliance.filter(
          (r) => r.Vendor_Code === v.code && (r.Job_Number === null || r.Job_Number === undefined || r.Job_Number === job.number),
        );
        const coi = rows.filter((r) => r.Compliance_Type === 'COI' && r.Expiration_Date != null).map((r) => Number(r.Expiration_Date));
        const coiExpires = coi.length > 0 ? Math.max(...coi) : null;
        const w9 = v.w9 === 'Y' || this.compliance.some((r) => r.Vendor_Code === v.code && r.Compliance_Type === 'W9');
        const lien = rows.filter((r) => r.Compliance_Type === 'LIEN_WAIVER' && r.Received_Date != null).map((r) => Number(r.Received_Date));
        const lienOn = lien.length > 0 ? Math.max(...lien) : null;
        const reasons: string[] = [];
        if (coiExpires === null) reasons.push('coi_missing');
        else if (coiExpires < asOf) reasons.push('coi_expired');
        if (!w9) reasons.push('w9_missing');
        if (lienOn === null) reasons.push('lien_waiver_missing');
        out.push({
          job_number: job.number,
          vendor_code: v.code,
          vendor_name: v.name,
          coi_expires_on: coiExpires === null ? null : isoDay(coiExpires),
          w9_on_file: w9,
          lien_waiver_on: lienOn === null ? null : isoDay(lienOn),
          open_ap_amount: cents(this.openAp.get(`${v.code}|${job.number}`) ?? 0),
          is_compliant: reasons.length === 0,
          reasons,
        });
      }
    }
    return out.sort((x, y) => byText(x.job_number, y.job_number) || byText(x.vendor_code, y.vendor_code));
  }

  private masterDrift(): CostCodeDriftTruth[] {
    const out: CostCodeDriftTruth[] = [];
    for (const p of this.master.products) {
      if (!p.isActive) continue;
      if (!p.map) {
        out.push({
          finding_type: 'unmapped_item',
          item_code: p.code,
          job_number: null,
          phase_code: null,
          cost_type: null,
          mapped_phase_code: null,
          mapped_cost_type: null,
          gl_account: null,
          invoice_number: null,
          line_number: null,
          amount: cents(this.unmappedAmounts.get(p.code) ?? 0),
        });
        continue;
      }
      const gl = this.gl.get(p.glExpense);
      if (gl && gl.costType !== null && gl.costType !== p.map.costType) {
        out.push({
          finding_type: 'gl_cost_type_mismatch',
          item_code: p.code,
          job_number: null,
          phase_code: null,
          cost_type: gl.costType,
          mapped_phase_code: p.map.phase,
          mapped_cost_type: p.map.costType,
          gl_account: p.glExpense,
          invoice_number: null,
          line_number: null,
          amount: null,
        });
      }
    }
    return out;
  }

  /** The finished ground truth. */
  finish(): GroundTruth {
    for (const { record, number } of this.pendingDuplicateNumbers) {
      if (this.spectrumInvoiceNumbers.has(number) && !record.rules.includes('duplicate_number')) record.rules = [...record.rules, 'duplicate_number'].sort();
    }
    const customers = [...this.aging.keys()].sort(byText);
    const toRow = (code: string | null, a: CustomerAging): ArAgingCustomerTruth => ({
      customer_code: code,
      current: cents(a.buckets.current),
      '1-30': cents(a.buckets['1-30']),
      '31-60': cents(a.buckets['31-60']),
      '61-90': cents(a.buckets['61-90']),
      '90+': cents(a.buckets['90+']),
      open_net_of_retainage: cents(BUCKETS.reduce((s, b) => s + a.buckets[b], 0)),
      retainage_open: cents(a.retainageOpen),
      open_credits: cents(a.credits),
      open_total: cents(a.openTotal),
    });
    const totals: CustomerAging = {
      buckets: { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 },
      retainageOpen: 0,
      credits: 0,
      openTotal: 0,
    };
    for (const a of this.aging.values()) {
      for (const b of BUCKETS) totals.buckets[b] += a.buckets[b];
      totals.retainageOpen += a.retainageOpen;
      totals.credits += a.credits;
      totals.openTotal += a.openTotal;
    }
    const drift = [...this.masterDrift(), ...this.drift].sort(
      (x, y) =>
        byText(x.finding_type, y.finding_type) ||
        byText(x.item_code ?? '', y.item_code ?? '') ||
        byText(x.job_number ?? '', y.job_number ?? '') ||
        byText(x.invoice_number ?? '', y.invoice_number ?? '') ||
        (x.line_number ?? 0) - (y.line_number ?? 0),
    );
    const compliance = this.complianceTruth();
    const truth: GroundTruth = {
      asOf: isoDay(this.ctx.asOf),
      seed: this.ctx.seed,
      scale: this.ctx.scale,
      companyCode: COMPANY,
      otherCompanyCodes: [OTHER_COMPANY],
      timeZone: 'America/Chicago',
      payrollThrough: isoDay(this.ctx.payrollThrough),
      planted: {},
      invoice_status: this.invoiceStatus.sort((x, y) => byText(x.buildops_invoice_id, y.buildops_invoice_id)),
      ar_aging: {
        rows: this.agingRows.sort((x, y) => byText(x.customer_code, y.customer_code) || byText(x.invoice_number, y.invoice_number)),
        by_customer: customers.map((c) => toRow(c, this.aging.get(c)!)),
        totals: toRow(null, totals),
      },
      cost_code_drift: drift,
      billing_duplicates: this.duplicates.sort(
        (x, y) =>
          byText(x.finding_type, y.finding_type) ||
          byText(x.job_number, y.job_number) ||
          (x.application_number ?? 0) - (y.application_number ?? 0) ||
          byText(x.item_number ?? '', y.item_number ?? '') ||
          byText(x.invoice_number ?? '', y.invoice_number ?? '') ||
          byText(x.buildops_pay_application_id ?? '', y.buildops_pay_application_id ?? ''),
      ),
      retainage_reconciliation: this.retainage.sort((x, y) => byText(x.job_number, y.job_number)),
      subcontractor_compliance: compliance,
      service_ticket_batches: [...this.batches.values()]
        .map(({ sub, tax, tot, ...b }) => ({
          ...b,
          subtotal: cents(sub),
          tax_amount: cents(tax),
          total_amount: cents(tot),
        }))
        .sort((x, y) => byText(x.batch_key, y.batch_key)),
      wip_schedule: this.wip.sort((x, y) => byText(x.job_number, y.job_number)),
      writeback_preflight: this.preflight.sort((x, y) => byText(x.record_type, y.record_type) || byText(x.buildops_id, y.buildops_id)),
      ar_window: this.arWindowTruth(),
    };
    truth.planted = countFindings(truth, this.master.jobs);
    return truth;
  }
}

function countFindings(t: GroundTruth, jobs: Job[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (key: string): void => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  for (const r of t.invoice_status) add(`invoice_status.${r.drift_type}`);
  for (const r of t.cost_code_drift) add(`cost_code_drift.${r.finding_type}`);
  for (const r of t.billing_duplicates) add(`billing_duplicates.${r.finding_type}`);
  for (const r of t.retainage_reconciliation) if (r.status === 'mismatch') add('retainage_reconciliation.mismatch');
  for (const r of t.subcontractor_compliance) for (const reason of r.reasons) add(`subcontractor_compliance.${reason}`);
  for (const r of t.writeback_preflight) for (const rule of r.rules) add(`writeback_preflight.${rule}`);
  for (const job of jobs) for (const plant of job.plants) add(`plant.${plant.startsWith('compliance:') ? `compliance_${plant.split(':')[1]}` : plant}`);
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => byText(a, b)));
}
