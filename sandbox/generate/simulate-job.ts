// Simulates one job's real events — invoices, payments, retainage, AIA applications,
// timesheets, payroll, costs — and then applies the job's planted deviations. The result is
// the job's bundle; nothing here writes: `write-job.ts` renders both systems' views of it.

import { STANDARD_PHASES } from './catalog.ts';
import { addMonths, epochSeconds, monthEnd, monthStart, weekday } from './calendar.ts';
import type { Master } from './master.ts';
import type { AppLine, Application, Invoice, Job, JobBundle, Line, Payment, Product, Timesheet } from './model.ts';
import { percentOf } from './money.ts';
import type { Random } from './random.ts';
import type { ScaleSize } from './scales.ts';
import type { SpectrumRow } from './sink.ts';

/** Counters and dates shared by all jobs of one contractor. */
export interface SimulationContext {
  master: Master;
  size: ScaleSize;
  asOf: number;
  payrollThrough: number;
  periodStart: number;
  periodEnd: number;
  product(code: string): Product;
  nextInvoiceNumber(): string;
  nextCheckNumber(): string;
  nextCreditMemoNumber(): string;
}

/** A Spectrum-only credit memo on a job. */
export interface CreditMemo {
  number: string;
  day: number;
  amountCents: number; // negative
  product: Product;
}

/** A job's bundle plus its Spectrum-only credit memos. */
export interface SimulatedJob extends JobBundle {
  creditMemos: CreditMemo[];
}

// Items natural invoices draw from; equipment, MAT-BRKR and planted items appear only where planted.
const SERVICE_MATERIALS = [
  'MAT-FILTER',
  'MAT-CAP',
  'MAT-CONT',
  'MAT-R410',
  'MAT-VALVE',
  'MAT-PIPE',
  'MAT-HEAD',
  'MAT-TSTAT',
  'MAT-BELT',
  'MAT-MOTOR',
  'MAT-WH50',
  'MAT-TAPE',
  'TRIP',
  'DISPOSAL',
];
const SERVICE_LABOR = ['LAB-TECH', 'LAB-TECH', 'LAB-HELPER', 'LAB-OT'];
const TRADE: Record<string, { phase: string; labor: string; billing: string }> = {
  HVAC: { phase: '15500', labor: 'LAB-HVAC', billing: 'PB-HVAC' },
  Plumbing: { phase: '15100', labor: 'LAB-PIPE', billing: 'PB-PLMB' },
  'Fire Protection': {
    phase: '21000',
    labor: 'LAB-FIRE',
    billing: 'PB-FIRE',
  },
  Electrical: { phase: '16000', labor: 'LAB-ELEC', billing: 'PB-ELEC' },
  Service: { phase: '01000', labor: 'LAB-TECH', billing: 'PB-GEN' },
  Controls: { phase: '01000', labor: 'LAB-TECH', billing: 'PB-GEN' },
};
const LINE_TYPE: Record<Product['type'], string> = {
  labor: 'LaborLineItem',
  material: 'MaterialLineItem',
  equipment: 'EquipmentLineItem',
  other: 'MiscLineItem',
};

/** Simulate one job and apply its plants. */
export function simulateJob(job: Job, ctx: SimulationContext, random: Random): SimulatedJob {
  const sim = new JobSimulation(job, ctx, random);
  return sim.run();
}

class JobSimulation {
  readonly bundle: SimulatedJob;
  constructor(
    readonly job: Job,
    readonly ctx: SimulationContext,
    readonly r: Random,
  ) {
    this.bundle = {
      job,
      invoices: [],
      applications: [],
      extraPayApps: [],
      timesheets: [],
      phases: [],
      costs: [],
      payroll: [],
      vendorOpen: [],
      purchaseOrders: [],
      creditMemos: [],
    };
  }

  run(): SimulatedJob {
    const { job } = this;
    if (job.spectrumStatus !== null) this.phases();
    if (job.plants.includes('spectrum_only_job')) {
      this.cost('JC', '01000', 'O', this.ctx.asOf - 10, 100 * this.r.int(200, 900));
      return this.bundle;
    }
    if (job.kind === 'service') {
      if (job.syncStatus === 'Synced') this.serviceInvoices();
    } else {
      this.projectBilling();
    }
    this.plantInvoices();
    if (job.spectrumStatus !== null) {
      this.labor();
      this.materialCosts();
      this.vendorOpenItems();
    }
    if (job.kind !== 'service') this.applyProjectPlants();
    return this.bundle;
  }

  // --- phases -----------------------------------------------------------------------------------

  private phases(): void {
    const { job } = this;
    const trade = TRADE[job.department.name]!;
    const estimate = job.kind === 'service' ? 0 : Math.round((job.contractCents * this.r.int(72, 85)) / 100 / 100) * 100;
    // Estimate split over the trade's labor, material and subcontract phases plus general conditions.
    const targets = job.kind === 'service' ? [] : STANDARD_PHASES.filter(([p, t]) => (p === trade.phase && t !== 'E') || (p === '01000' && t === 'O'));
    let left = estimate;
    for (const [phase, costType, description] of STANDARD_PHASES) {
      const i = targets.findIndex(([p, t]) => p === phase && t === costType);
      let est = 0;
      if (i >= 0) {
        est = i === targets.length - 1 ? left : Math.round((estimate * this.r.int(15, 40)) / 100 / 100) * 100;
        est = Math.min(est, left);
        left -= est;
      }
      const projected = est > 0 && this.r.chance(0.25) ? est + 100 * this.r.int(-20, 80) * 10 : null;
      this.bundle.phases.push({
        Job_Number: job.number,
        Phase_Code: phase,
        Cost_Type: costType,
        Description: description,
        Status_Code: 'A',
        Original_Est_Cost: est,
        Projected_Cost: projected,
      });
    }
  }

  private phase(phase: string, costType: string): SpectrumRow | undefined {
    return this.bundle.phases.find((p) => p.Phase_Code === phase && p.Cost_Type === costType);
  }

  // --- invoices ---------------------------------------------------------------------------------

  private line(product: Product, quantity: number, unitPriceCents: number, description?: string): Line {
    return {
      id: this.r.uuid(),
      product,
      lineItemType: LINE_TYPE[product.type],
      description: description ?? product.name,
      quantity,
      unitPriceCents,
      amountCents: Math.round(quantity * unitPriceCents),
      taxable: product.type === 'material',
      retentionCents: 0,
    };
  }

  private serviceLines(max: number): Line[] {
    const labor = this.ctx.product(this.r.pick(SERVICE_LABOR));
    const lines = [this.line(labor, this.r.int(2, 16) / 2, labor.priceCents)];
    const n = this.r.int(0, max - 1);
    for (let i = 0; i < n; i++) {
      const product = this.ctx.product(this.r.pick(SERVICE_MATERIALS));
      lines.push(this.line(product, this.r.int(1, 6), product.priceCents));
    }
    return lines;
  }

  /** A new invoice on this job with the given lines, issued on `day`, synced and posted unless told. */
  private invoice(day: number, lines: Line[], opts: Partial<Invoice> = {}): Invoice {
    const number = opts.number ?? this.ctx.nextInvoiceNumber();
    const inv: Invoice = {
      id: this.r.uuid(),
      number,
      spectrumNumber: number,
      job: this.job,
      status: 'Exported',
      syncStatus: 'Synced',
      issuedDay: day,
      issuedEpoch: epochSeconds(day, this.r.int(15 * 3600, 22 * 3600 + 3599)),
      dueDay: day + 30,
      lines,
      taxCents: 0,
      retentionCents: 0,
      spectrumRetentionCents: 0,
      customerPO: this.r.chance(0.3) ? `PO-${this.r.int(1000, 99999)}` : null,
      departmentName: this.job.department.name,
      payments: [],
      spectrum: 'posted',
      spectrumDueDay: day + 30,
      spectrumExtraCents: 0,
      appNumber: null,
      version: this.r.int(1, 6),
      syncedLineCount: lines.length,
      syncedTaxCents: 0,
      ...opts,
    };
    if (opts.spectrumNumber === undefined) inv.spectrumNumber = inv.number;
    retotal(inv, this.job.taxBp);
    if (this.job.kind === 'service' && inv.status !== 'Void' && !inv.plant) this.avoidDuplicateOf(inv);
    this.bundle.invoices.push(inv);
    return inv;
  }

  private serviceInvoices(): void {
    const { job, ctx, r } = this;
    const [lo, hi] = ctx.size.invoicesPerServiceJob;
    const count = r.int(lo, hi);
    const last = Math.min(job.endDay, ctx.asOf);
    for (let i = 0; i < count; i++) {
      const day = job.startDay + Math.floor(((last - job.startDay) * (i + 1)) / (count + 1));
      const inv = this.invoice(day, this.serviceLines(ctx.size.maxLinesPerInvoice));
      if (day >= ctx.periodStart && job.spectrumStatus === 'A' && r.chance(0.45)) {
        inv.status = 'Approved';
        inv.syncStatus = 'NotSynced';
        inv.spectrum = 'none';
      } else if (day >= ctx.asOf - 20 && r.chance(0.08)) {
        inv.status = 'Draft';
        inv.syncStatus = 'NotSynced';
        inv.spectrum = 'none';
      } else {
        this.payRegular(inv);
      }
    }
    if (job.plants.includes('credit_memo') || (job.spectrumStatus !== null && r.chance(0.12))) {
      const product = ctx.product('TRIP');
      this.bundle.creditMemos.push({
        number: ctx.nextCreditMemoNumber(),
        day: Math.min(ctx.asOf - 2, job.startDay + 20),
        amountCents: -100 * r.int(40, 600),
        product,
      });
    }
  }

  /** Natural payment of an invoice's regular portion, as the customer would pay it. */
  private payRegular(inv: Invoice): void {
    const { ctx, r } = this;
    const regular = total(inv) - inv.spectrumRetentionCents;
    const age = ctx.asOf - inv.issuedDay;
    if (age < 18 || r.chance(0.14)) return;
    const delay = r.int(15, 70);
    if (inv.issuedDay + delay > ctx.asOf) return;
    if (r.chance(0.1)) {
      const part = Math.round((regular * r.int(30, 70)) / 100);
      this.pay(inv, inv.issuedDay + delay, part, false);
      const later = inv.issuedDay + delay + r.int(20, 60);
      if (later <= ctx.asOf && r.chance(0.5)) this.pay(inv, later, regular - part, false);
    } else {
      this.pay(inv, inv.issuedDay + delay, regular, false);
    }
  }

  private pay(inv: Invoice, day: number, amountCents: number, retention: boolean, where: Partial<Payment> = {}): Payment {
    const payment: Payment = {
      id: this.r.uuid(),
      checkNumber: this.ctx.nextCheckNumber(),
      day,
      amountCents,
      retention,
      inBuildOps: true,
      inSpectrum: true,
      ...where,
    };
    inv.payments.push(payment);
    settleStatus(inv);
    return payment;
  }

  // --- planted invoices on service hosts ----------------------------------------------------

  private safeLines(): Line[] {
    const p = (code: string): Product => this.ctx.product(code);
    return [this.line(p('LAB-TECH'), this.r.int(2, 8) / 2, p('LAB-TECH').priceCents), this.line(p('MAT-FILTER'), this.r.int(1, 8), p('MAT-FILTER').priceCents)];
  }

  private outbound(day: number, lines: Line[] = this.safeLines(), opts: Partial<Invoice> = {}): Invoice {
    return this.invoice(day, lines, {
      status: 'Approved',
      syncStatus: 'NotSynced',
      spectrum: 'none',
      ...opts,
    });
  }

  private plantInvoices(): void {
    const { job, ctx, r } = this;
    const asOf = ctx.asOf;
    const p = (code: string): Product => ctx.product(code);
    const nov = (offset: number): number => Math.max(ctx.periodStart + 1, asOf - offset);
    for (const plant of job.plants) {
      switch (plant) {
        case 'missing_in_spectrum':
          this.invoice(asOf - 25, this.safeLines(), { spectrum: 'none' });
          break;
        case 'awaiting_posting':
          this.invoice(asOf - 1, this.safeLines(), { spectrum: 'unposted' });
          break;
        case 'paid_not_reflected': {
          const inv = this.invoice(asOf - 70, this.safeLines());
          this.pay(inv, asOf - 30, total(inv), false, { inBuildOps: false });
          inv.status = 'Exported';
          break;
        }
        case 'paid_in_buildops_only': {
          const inv = this.invoice(asOf - 50, this.safeLines());
          this.pay(inv, asOf - 12, total(inv), false, { inSpectrum: false });
          inv.status = 'Paid';
          break;
        }
        case 'amount_mismatch': {
          const inv = this.invoice(asOf - 40, this.safeLines());
          // Edited in BuildOps after it synced: a trip charge Spectrum never received.
          inv.lines.push(this.line(p('TRIP'), 1, p('TRIP').priceCents));
          retotal(inv, job.taxBp);
          break;
        }
        case 'duplicate_invoice': {
          const day = nov(12);
          const original = this.invoice(day, this.safeLines());
          const copy = (): Line[] => original.lines.map((l) => ({ ...l, id: r.uuid() }));
          this.invoice(day + 1, copy(), {
            status: 'Void',
            syncStatus: 'NotSynced',
            spectrum: 'none',
            plant: 'void_duplicate',
          });
          this.outbound(day + 2, copy(), { plant: 'duplicate_invoice' });
          break;
        }
        case 'mapping_target_missing':
          this.invoice(asOf - 35, [...this.safeLines(), this.line(p('EQ-CRANE'), 1, p('EQ-CRANE').priceCents)]);
          this.bundle.phases = this.bundle.phases.filter((x) => !(x.Phase_Code === '15500' && x.Cost_Type === 'E'));
          break;
        case 'mapping_target_inactive':
          this.invoice(asOf - 33, [...this.safeLines(), this.line(p('EQ-LIFT'), 2, p('EQ-LIFT').priceCents)]);
          this.phase('01000', 'E')!.Status_Code = 'I';
          break;
        case 'posted_cost_code_mismatch':
          this.invoice(asOf - 45, this.safeLines(), {
            postedAs: { line: 1, phase: '15500', costType: 'L' },
          });
          break;
        case 'due_on_as_of':
          this.invoice(asOf - 30, this.safeLines(), {
            dueDay: asOf,
            spectrumDueDay: asOf,
          });
          break;
        case 'blank_due_date':
          this.invoice(asOf - 50, this.safeLines(), { spectrumDueDay: null });
          break;
        case 'renumbered': {
          const inv = this.invoice(asOf - 90, this.safeLines());
          inv.spectrumNumber = `${inv.number}R`;
          this.pay(inv, asOf - 60, total(inv), false);
          break;
        }
        case 'evening_issue': {
          const inv = this.outbound(asOf - 2);
          inv.issuedEpoch = epochSeconds(asOf - 1, 3 * 3600 + 30 * 60); // 21:30/22:30 the evening before, in Chicago
          break;
        }
        case 'wb_inv_number_too_long':
          this.outbound(nov(3), undefined, {
            number: `1${ctx.nextInvoiceNumber()}0001`,
          });
          break;
        case 'wb_inv_number_invalid_char':
          this.outbound(nov(4), undefined, {
            number: `INV#${ctx.nextInvoiceNumber().slice(-4)}`,
          });
          break;
        case 'wb_customer_po_too_long':
          this.outbound(nov(5), undefined, {
            customerPO: 'PO 2026-ROOFTOP-UNITS-REPLACEMENT-7',
          });
          break;
        case 'wb_line_description_too_long': {
          const lines = this.safeLines();
          lines[0]!.description = 'Replace condenser fan motor and capacitor on RTU-3';
          this.outbound(nov(6), lines);
          break;
        }
        case 'wb_negative_amount':
          this.outbound(nov(7), [this.line(p('TRIP'), 1, -25000, 'Goodwill credit')]);
          break;
        case 'wb_closed_period':
          this.outbound(ctx.periodStart - 4);
          break;
        case 'wb_phase_not_on_job':
          this.outbound(nov(8), [this.line(p('LAB-TECH'), 2, p('LAB-TECH').priceCents), this.line(p('MAT-BRKR'), 3, p('MAT-BRKR').priceCents)]);
          this.bundle.phases = this.bundle.phases.filter((x) => !(x.Phase_Code === '16000' && x.Cost_Type === 'M'));
          break;
        case 'wb_duplicate_number': {
          const taken = this.invoice(asOf - 20, this.safeLines());
          this.outbound(nov(9), undefined, { number: taken.number });
          break;
        }
        case 'wb_invoice_cost_center':
          this.outbound(nov(10), undefined, { departmentName: 'Controls' });
          break;
        case 'wb_gl_account':
          this.outbound(nov(11), [...this.safeLines(), this.line(p('PERMIT'), 1, p('PERMIT').priceCents)]);
          break;
        case 'wb_unmapped_item':
          this.outbound(nov(2), [...this.safeLines(), this.line(p('MAT-MISC'), 2, p('MAT-MISC').priceCents)]);
          break;
        case 'wb_job_complete':
          this.outbound(nov(3));
          break;
        case 'wb_job_not_in_spectrum':
          this.outbound(nov(2));
          break;
        case 'wb_new_job_clean':
          this.outbound(nov(1));
          break;
        case 'wb_parent_blocked':
          this.outbound(nov(1));
          break;
        case 'wb_phase_mask':
          this.invoice(nov(1), [this.line(p('LAB-TECH'), 2, p('LAB-TECH').priceCents), this.line(p('MAT-CTRL'), 1, p('MAT-CTRL').priceCents)], {
            status: 'Draft',
            syncStatus: 'NotSynced',
            spectrum: 'none',
          });
          break;
        case 'wb_phase_too_long':
          this.invoice(nov(1), [this.line(p('MAT-BAS'), 1, p('MAT-BAS').priceCents)], {
            status: 'Draft',
            syncStatus: 'NotSynced',
            spectrum: 'none',
          });
          break;
      }
    }
  }

  /**
   * Clean invoices must not look like duplicates: a new service invoice whose total equals that
   * of another live invoice of the job issued within 3 days gets its first line nudged.
   */
  private avoidDuplicateOf(inv: Invoice): void {
    const clash = (): boolean =>
      this.bundle.invoices.some((o) => o.status !== 'Void' && o.number !== inv.number && total(o) === total(inv) && Math.abs(o.issuedDay - inv.issuedDay) <= 3);
    while (clash()) {
      const first = inv.lines[0]!;
      first.quantity += 0.5;
      first.amountCents = Math.round(first.quantity * first.unitPriceCents);
      retotal(inv, this.job.taxBp);
    }
  }

  // --- project billing ----------------------------------------------------------------------

  private projectBilling(): void {
    const { job, ctx, r } = this;
    const trade = TRADE[job.department.name]!;
    const p = (code: string): Product => ctx.product(code);
    const items = [p('PB-GEN'), p(trade.billing), p(trade.billing), p(trade.billing)].slice(0, r.int(3, 4));
    let left = job.contractCents;
    const sov: {
      item: string;
      description: string;
      product: Product;
      scheduled: number;
    }[] = items.map((product, i) => {
      const scheduled = i === items.length - 1 ? left : Math.round((job.contractCents * (i === 0 ? 0.1 : r.int(20, 35) / 100)) / 10000) * 10000;
      left -= scheduled;
      return {
        item: String(i + 1),
        description: i === 0 ? 'General Conditions' : `${product.name} Area ${i}`,
        product,
        scheduled,
      };
    });
    // Monthly applications for each month whose end is on or before min(job end, as-of).
    const lastEnd = Math.min(job.endDay, ctx.asOf);
    const firstMonth = monthStart(job.startDay);
    const months: number[] = [];
    for (let m = firstMonth; monthEnd(m) <= lastEnd; m = addMonths(m, 1)) months.push(monthEnd(m));
    if (months.length === 0) months.push(monthEnd(firstMonth));
    const totalMonths = Math.max(months.length + (job.spectrumStatus === 'A' ? r.int(2, 6) : 0), 1);
    const completed = new Map<string, number>();
    let retentionPaidDay: number | null = null;
    if (job.spectrumStatus === 'C' && r.chance(0.75)) retentionPaidDay = job.endDay + r.int(35, 60);
    months.forEach((periodEnd, index) => {
      const fraction = job.spectrumStatus === 'C' && index === months.length - 1 ? 1 : Math.min(1, ((index + 1) / totalMonths) * (0.9 + r.next() * 0.15));
      const lines: AppLine[] = sov.map((s) => {
        const previous = completed.get(s.item) ?? 0;
        const target = Math.max(previous, Math.min(s.scheduled, Math.round((s.scheduled * fraction) / 100) * 100));
        completed.set(s.item, target);
        const thisPeriod = target - previous;
        return {
          itemNumber: s.item,
          description: s.description,
          product: s.product,
          scheduledCents: s.scheduled,
          previousCents: previous,
          thisPeriodCents: thisPeriod,
          storedCents: 0,
          completedCents: target,
          retentionCents: percentOf(thisPeriod, job.retainageBp),
        };
      });
      const app: Application = {
        id: r.uuid(),
        number: index + 1,
        periodFrom: index === 0 ? monthStart(periodEnd) : months[index - 1]! + 1,
        periodEnd,
        revisedContractCents: job.contractCents,
        lines,
        invoice: null,
        status: index === months.length - 1 && job.spectrumStatus === 'A' ? 'Submitted' : 'Approved',
      };
      const invLines = lines
        .filter((l) => l.thisPeriodCents > 0)
        .map((l) => ({
          ...this.line(l.product, 1, l.thisPeriodCents, l.description),
          retentionCents: l.retentionCents,
          taxable: false,
        }));
      if (invLines.length > 0) {
        const inv = this.invoice(periodEnd, invLines, {
          appNumber: job.kind === 'aia' ? app.number : null,
        });
        inv.retentionCents = invLines.reduce((s, l) => s + l.retentionCents, 0);
        inv.spectrumRetentionCents = inv.retentionCents;
        retotal(inv, 0);
        this.payRegular(inv);
        if (retentionPaidDay !== null && retentionPaidDay <= ctx.asOf && inv.retentionCents > 0) this.pay(inv, retentionPaidDay, inv.retentionCents, true);
        app.invoice = inv;
      }
      this.bundle.applications.push(app);
    });
  }

  private applyProjectPlants(): void {
    const { job, ctx, r } = this;
    const apps = this.bundle.applications;
    for (const plant of job.plants) {
      const last = apps[apps.length - 1];
      switch (plant) {
        case 'previous_mismatch': {
          const app = apps[Math.min(1, apps.length - 1)]!;
          const line = app.lines[app.lines.length - 1]!;
          line.previousCents += 150000; // keyed in by hand, off by $1,500
          break;
        }
        case 'over_scheduled_value': {
          const line = last!.lines[0]!;
          const over = 250000 + (line.scheduledCents - line.completedCents);
          line.thisPeriodCents += over;
          line.completedCents += over;
          break;
        }
        case 'first_app_previous':
          // A job taken over mid-way: application 1 starts from work billed before; never a finding.
          apps[0]!.lines[0]!.previousCents += 500000;
          apps[0]!.lines[0]!.completedCents += 500000;
          for (const later of apps.slice(1)) {
            later.lines[0]!.previousCents += 500000;
            later.lines[0]!.completedCents += 500000;
            later.lines[0]!.scheduledCents += 500000;
          }
          apps[0]!.lines[0]!.scheduledCents += 500000;
          break;
        case 'change_order': {
          const app = apps[Math.max(0, apps.length - 2)]!;
          const co = 100 * 100 * r.int(20, 90);
          for (const later of apps.filter((a) => a.number >= app.number)) later.revisedContractCents += co;
          break;
        }
        case 'billed_in_both_invoice': {
          const app = apps[Math.max(0, apps.length - 2)]!;
          const p = ctx.product(TRADE[job.department.name]!.labor);
          this.invoice(app.periodEnd - 9, [this.line(p, 16, p.priceCents, 'Extra work per field ticket')], {
            status: 'Sent',
            syncStatus: 'NotSynced',
            spectrum: 'none',
            plant: 'billed_in_both_invoice',
          });
          break;
        }
        case 'billed_in_both_payapp': {
          const app = apps[Math.max(0, apps.length - 2)]!;
          this.bundle.extraPayApps.push({
            id: r.uuid(),
            number: 1,
            periodFrom: app.periodFrom,
            periodEnd: app.periodEnd - 3,
            revisedContractCents: 4500000,
            lines: [
              {
                itemNumber: '1',
                description: 'Controls upgrade',
                product: ctx.product('PB-GEN'),
                scheduledCents: 4500000,
                previousCents: 0,
                thisPeriodCents: 1800000,
                storedCents: 0,
                completedCents: 1800000,
                retentionCents: 180000,
              },
            ],
            invoice: null,
            status: 'Draft',
          });
          break;
        }
        case 'wb_routing_conflict': {
          // An approved BuildOps invoice on a job Spectrum bills by AIA application: sending it could
          // bill the same work twice, so the write-back holds it for a person (dated after the last
          // application's period, so it is not yet a billing_duplicates finding).
          const p = ctx.product(TRADE[job.department.name]!.labor);
          this.invoice(Math.max(ctx.periodStart + 1, ctx.asOf - 4), [this.line(p, 6, p.priceCents, 'Service call on the project')], {
            status: 'Approved',
            syncStatus: 'NotSynced',
            spectrum: 'none',
            plant: 'wb_routing_conflict',
          });
          break;
        }
        case 'retainage_mismatch': {
          const inv = apps.map((a) => a.invoice).find((i) => i !== null && i.retentionCents > 0 && i.payments.length === 0);
          if (inv) inv.spectrumRetentionCents -= 10000;
          break;
        }
        case 'retention_paid_regular_open': {
          const inv = [...apps]
            .reverse()
            .map((a) => a.invoice)
            .find((i) => i !== null && i.payments.length === 0 && i.retentionCents > 0);
          if (inv) this.pay(inv, ctx.asOf - 5, inv.retentionCents, true);
          break;
        }
        case 'future_cost':
          this.cost('AP', TRADE[job.department.name]!.phase, 'M', ctx.asOf + 5, 1234500);
          break;
      }
    }
  }

  // --- labor, payroll and costs -----------------------------------------------------------

  private timesheet(day: number, product: Product, hours: number, approved = true): Timesheet {
    const employee = this.r.pick(this.ctx.master.employees);
    const ts: Timesheet = {
      id: this.r.uuid(),
      employee,
      job: this.job,
      day,
      hours,
      product,
      approved,
    };
    this.bundle.timesheets.push(ts);
    if (approved && day <= this.ctx.payrollThrough) {
      const amount = Math.round(hours * employee.wageCents);
      const burden = percentOf(amount, 3200);
      const map = product.map!;
      const checkDay = this.ctx.payrollThrough - ((this.ctx.payrollThrough - day) % 7) + 5; // paid the Friday after the week
      this.bundle.payroll.push({
        Employee_Code: employee.code,
        Job_Number: this.job.number,
        Phase_Code: map.phase,
        Cost_Type: map.costType,
        Work_Date: day,
        Hours: Math.round(hours * 100),
        Amount: amount,
        Burden_Amount: burden,
        Check_Date: checkDay,
      });
      this.cost('PR', map.phase, map.costType, day, amount + burden);
    }
    return ts;
  }

  private labor(): void {
    const { job, ctx, r } = this;
    // Field labor behind each labor line of a non-draft invoice.
    for (const inv of this.bundle.invoices) {
      if (inv.status === 'Void' || inv.status === 'Draft' || inv.plant === 'billed_in_both_invoice') continue;
      for (const line of inv.lines)
        if (line.product.type === 'labor' && line.quantity > 0) this.timesheet(Math.min(inv.issuedDay, ctx.asOf), line.product, line.quantity);
    }
    if (job.kind !== 'service') {
      const product = ctx.product(TRADE[job.department.name]!.labor);
      // Crew weeks through the job's life, processed by payroll.
      for (let day = job.startDay + 3; day <= Math.min(job.endDay, ctx.asOf); day += r.int(9, 20)) this.timesheet(day, product, r.int(8, 20) / 2);
    }
    if (job.plants.includes('on_call_payroll_day')) this.timesheet(ctx.payrollThrough, ctx.product('LAB-OT'), 4);
    if (job.spectrumStatus === 'A') {
      // The payroll lag: approved hours worked after the last payroll work date (and one pending).
      for (let day = ctx.payrollThrough + 1; day <= ctx.asOf; day++) {
        if (weekday(day) === 0 || weekday(day) === 6 || !r.chance(job.kind === 'service' ? 0.25 : 0.7)) continue;
        const product = job.kind === 'service' ? ctx.product(r.chance(0.15) ? 'LAB-APPR' : 'LAB-TECH') : ctx.product(TRADE[job.department.name]!.labor);
        this.timesheet(day, product, r.int(4, 18) / 2, r.chance(0.9));
      }
    }
  }

  private cost(type: string, phase: string, costType: string, day: number, amountCents: number, invoice: string | null = null): void {
    this.bundle.costs.push({
      Job_Number: this.job.number,
      Phase_Code: phase,
      Cost_Type: costType,
      Tran_Type_Code: type,
      Tran_Date_Text: day,
      Tran_Amount: amountCents,
      Cost_Center: this.job.department.costCenter,
      Draw_Appl_Number: null,
      Invoice_Or_Transaction: invoice,
    });
  }

  private materialCosts(): void {
    const { job, ctx, r } = this;
    const suppliers = ctx.master.vendors.filter((v) => !v.isSub);
    for (const inv of this.bundle.invoices) {
      if (inv.status === 'Void' || inv.status === 'Draft' || inv.spectrum === 'none') continue;
      for (const line of inv.lines) {
        if (line.product.type !== 'material' || !line.product.map || line.amountCents <= 0) continue;
        const cost = Math.round((line.amountCents * r.int(50, 65)) / 100);
        const day = inv.issuedDay - r.int(0, 3);
        this.cost('AP', line.product.map.phase, 'M', day, cost, `V${r.int(10000, 99999)}`);
        if (r.chance(0.3)) {
          const vendor = r.pick(suppliers);
          this.bundle.purchaseOrders.push(this.purchaseOrder(vendor.id, vendor.code, line.product, line.quantity, Math.round(cost / line.quantity), day));
        }
      }
    }
    if (job.kind !== 'service') {
      const trade = TRADE[job.department.name]!;
      const estimate = this.bundle.phases.reduce((s, x) => s + Number(x.Original_Est_Cost ?? 0), 0);
      const apps = this.bundle.applications;
      const fraction = apps.length === 0 ? 0 : apps[apps.length - 1]!.lines.reduce((s, l) => s + l.completedCents, 0) / Math.max(1, job.contractCents);
      const target = Math.round(estimate * Math.min(1, fraction) * (0.6 + r.next() * 0.3));
      const parts = Math.max(1, apps.length);
      for (let i = 0; i < parts; i++) {
        const day = apps[i]?.periodEnd ?? job.startDay + 10;
        const amount = Math.round(target / parts / 100) * 100;
        const sub = job.assignments[0];
        this.cost(sub && i % 2 === 0 ? 'AP' : 'JC', trade.phase, sub && i % 2 === 0 ? 'S' : 'M', day - 5, amount, sub ? `SI${r.int(1000, 9999)}` : null);
      }
    }
  }

  private purchaseOrder(vendorId: string, vendorCode: string, product: Product, quantity: number, unitCents: number, day: number): Record<string, unknown> {
    const r = this.r;
    return {
      id: r.uuid(),
      poNumber: `PO${r.int(100000, 999999)}`,
      vendorId,
      vendorAccountingRefId: vendorCode,
      jobId: this.job.id,
      jobNumber: this.job.number,
      status: 'Received',
      day,
      lines: [
        {
          productId: product.id,
          itemCode: product.code,
          description: product.name,
          quantity,
          unitCost: unitCents / 100,
          costType: 'M',
          glExpenseAccount: product.glExpense,
        },
      ],
      receipts: [
        {
          id: r.uuid(),
          receiptNumber: `RC${r.int(100000, 999999)}`,
          vendorDocumentNumber: `V${r.int(10000, 99999)}`,
          receivedDate: day,
          lines: [{ poLineIndex: 0, quantity, amount: (unitCents * quantity) / 100 }],
        },
      ],
    };
  }

  private vendorOpenItems(): void {
    const { job, ctx, r } = this;
    for (const a of job.assignments) {
      if (job.spectrumStatus !== 'A' || !r.chance(0.7)) continue;
      this.bundle.vendorOpen.push({
        Vendor_Code: a.vendor.code,
        Invoice_Number: `SI${r.int(10000, 99999)}`,
        Job_Number: job.number,
        Invoice_Date: ctx.asOf - r.int(5, 40),
        Open_Amount: 100 * r.int(500, 25000),
      });
    }
  }
}

/** Σ line amounts + tax: the invoice's BuildOps totalAmount in cents. */
export function total(inv: Invoice): number {
  return subtotal(inv) + inv.taxCents;
}

/** Σ line amounts in cents. */
export function subtotal(inv: Invoice): number {
  return inv.lines.reduce((s, l) => s + l.amountCents, 0);
}

/** The gross Spectrum received at sync: the lines it got plus the tax. */
export function spectrumGross(inv: Invoice): number {
  return inv.lines.slice(0, inv.syncedLineCount).reduce((s, l) => s + l.amountCents, 0) + inv.syncedTaxCents;
}

/** Recompute tax from the taxable lines; the tax Spectrum holds stays the one of the synced lines. */
function retotal(inv: Invoice, taxBp: number): void {
  const taxable = inv.lines.filter((l) => l.taxable).reduce((s, l) => s + l.amountCents, 0);
  inv.taxCents = percentOf(taxable, taxBp);
  if (inv.syncedLineCount === inv.lines.length) inv.syncedTaxCents = inv.taxCents;
}

/** BuildOps' status after the payments it knows of: Paid once Spectrum's regular part is settled. */
function settleStatus(inv: Invoice): void {
  const gross = spectrumGross(inv);
  const paidRegular = inv.payments.filter((p) => p.inBuildOps && !p.retention).reduce((s, p) => s + p.amountCents, 0);
  if (inv.status === 'Exported' && paidRegular >= gross - inv.spectrumRetentionCents) inv.status = 'Paid';
}
