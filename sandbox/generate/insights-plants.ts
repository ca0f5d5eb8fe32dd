// What the CFO insight marts need of the simulated contractor, planted on purpose: projects
// converted from service jobs (BuildOps projects.sourceJobId), COI coverage amounts against the
// customers' insurance requirements (customer_requirements.csv), and a few dedicated jobs whose
// figures are chosen so each profitability and phase-budget finding exists at every scale.

import { epochSeconds, weekday } from './calendar.ts';
import type { Master } from './master.ts';
import type { Customer, Invoice, Job, Line, Payment, Product, Timesheet } from './model.ts';
import { percentOf } from './money.ts';
import type { Random } from './random.ts';
import type { SimulatedJob, SimulationContext } from './simulate-job.ts';
import type { SpectrumRow } from './sink.ts';

/** The insight settings the sandbox's ground truth assumes (the config a test passes to the models). */
export const INSIGHT_SETTINGS = {
  windowMonths: 12,
  /** insights.overhead_rate, in basis points of burdened labor (0.35). */
  overheadRateBp: 3500,
  /** insights.overrun_tolerance, in basis points (0.10). */
  overrunToleranceBp: 1000,
} as const;

/** The insight settings as config values (insights.* keys). */
export function insightConfig(): { window_months: number; overhead_rate: number; overrun_tolerance: number } {
  return {
    window_months: INSIGHT_SETTINGS.windowMonths,
    overhead_rate: INSIGHT_SETTINGS.overheadRateBp / 10_000,
    overrun_tolerance: INSIGHT_SETTINGS.overrunToleranceBp / 10_000,
  };
}

/** One row of customer_requirements.csv. */
export interface CustomerRequirement {
  customerCode: string;
  complianceType: string;
  minimumCents: number;
}

const MILLION = 100 * 1_000_000;

/** Marks about half the project jobs as converted from one of their customer's service jobs (sourceJobId). */
export function plantConversions(master: Master, random: Random): void {
  const r = random.fork('insights/conversion');
  for (const job of master.jobs) {
    if (!job.projectId) continue;
    const sources = master.jobs.filter((j) => j.kind === 'service' && j.customer === job.customer && !j.plants.includes('spectrum_only_job'));
    job.sourceJobId = sources.length > 0 && r.chance(0.5) ? r.pick(sources).id : null;
  }
}

/**
 * Gives every COI row a Coverage_Amount and returns the customers' requirements: the customers
 * of the first active projects require a COI of at least $2,000,000. Every sub covers at least
 * that, except two planted on a requiring customer's job: one insured for $1,000,000 (below) and
 * one whose certificate carries no amount (blank = unknown).
 */
export function plantCoverage(master: Master, compliance: SpectrumRow[], random: Random): CustomerRequirement[] {
  const r = random.fork('insights/coverage');
  const activeProjects = master.jobs.filter((j) => j.kind !== 'service' && j.spectrumStatus === 'A' && j.customer.code);
  const requiring = [...new Set(activeProjects.map((j) => j.customer.code!))].slice(0, 2);
  const requirements = requiring.map((customerCode) => ({ customerCode, complianceType: 'COI', minimumCents: 2 * MILLION }));
  const coi = compliance.filter((row) => row.Compliance_Type === 'COI');
  for (const row of coi) row.Coverage_Amount = r.pick([2 * MILLION, 3 * MILLION, 5 * MILLION]);
  // Subs with a current COI and an assignment on a requiring customer's job, in a stable order.
  const candidates: string[] = [];
  for (const job of activeProjects.filter((j) => requiring.includes(j.customer.code!))) {
    for (const a of job.assignments) {
      const code = a.vendor.code;
      if (a.startDay > master.asOf || (a.endDay !== null && a.endDay < master.asOf)) continue;
      if (candidates.includes(code) || !coi.some((row) => row.Vendor_Code === code)) continue;
      if (job.plants.some((p) => p.endsWith(`:${code}`))) continue; // compliance plants stay one reason each
      candidates.push(code);
    }
  }
  const [below, blank] = candidates;
  for (const row of coi) {
    if (row.Vendor_Code === below) row.Coverage_Amount = 1 * MILLION;
    if (row.Vendor_Code === blank) row.Coverage_Amount = null;
  }
  return requirements;
}

/** The dedicated insight jobs' four customers, added to the master data (written with it). */
export function plantInsightCustomers(master: Master, random: Random): Customer[] {
  const r = random.fork('insights/customers');
  const asOf = master.asOf;
  const names = ['Insight Burden Holdings', 'Insight Overhead Partners', 'Insight Split Realty', 'Insight Phase Builders'];
  return names.map((name, i) => {
    const seq = i + 1;
    const c: Customer = {
      id: r.uuid(),
      code: `INSG${String(seq).padStart(2, '0')}`,
      number: String(9900 + seq),
      name,
      spectrumName: name,
      address1: `${100 + seq} Commerce St`,
      address2: null,
      city: 'Austin',
      state: 'TX',
      zip: '78701',
      phone: '512-555-0100',
      propertyId: r.uuid(),
      createdDay: asOf - 900,
    };
    master.customers.push(c);
    return c;
  });
}

/** The figures of one dedicated job: revenue, wages, burden and other cost, in cents. */
interface PlantFigures {
  revenue: number;
  wages: number;
  other: number;
}

/**
 * The dedicated insight jobs, simulated to exact figures (overhead 35% of burdened labor,
 * burden 32% of wages):
 * - `insight_loss_after_burden`: revenue 100,000 − wages 50,000 − other 40,000 = +10,000, then
 *   burden 16,000 → gross −6,000;
 * - `insight_loss_after_overhead`: 100,000 − 40,000 − 12,800 − 30,000 = gross +17,200, overhead
 *   18,480 → net −1,280;
 * - `insight_service_not_project`: service 50,000 − 10,000 − 3,200 − 5,000 = +31,800 (net
 *   +27,180); its project (converted from that service job) 200,000 − 100,000 − 32,000 − 60,000
 *   = +8,000, overhead 46,200 → net −38,200;
 * - `insight_phase_budget`: an active project, contract 100,000, billed 50,000 (50%): 15500 L
 *   over budget (22,000 on 20,000), 15500 M trending over (12,000 → 24,000 projected on 20,000),
 *   15500 S on pace (10,000 → 20,000), 01000 O no estimate (1,500), and 15100 L whose processed
 *   cost 9,240 is under its 10,000 estimate until 10 unprocessed LAB-PIPE hours (845.00) put it over.
 * Their customers are new, so no other customer's figures move.
 */
export function insightPlantJobs(master: Master, customers: readonly Customer[], ctx: SimulationContext, random: Random): SimulatedJob[] {
  const r = random.fork('insights/jobs');
  const asOf = ctx.asOf;
  const [a, b, c, d] = customers;
  if (!a || !b || !c || !d) throw new Error('plantInsightCustomers makes four customers');
  const service = master.departments.find((d) => d.name === 'Service') ?? master.departments[0]!;
  const hvac = master.departments.find((d) => d.name === 'HVAC') ?? service;
  const taxCode = master.jobs.find((j) => j.kind !== 'service')?.taxCode ?? master.jobs[0]!.taxCode;
  let seq = 0;
  const job = (c: Customer, kind: Job['kind'], active: boolean, contractCents: number): Job => {
    seq++;
    return {
      id: r.uuid(),
      number: `${kind === 'service' ? 'S' : 'P'}9${String(seq).padStart(4, '0')}`,
      name: kind === 'service' ? `Service ${c.name.split(' ')[0]}` : `HVAC Retrofit ${c.name.split(' ')[0]}`,
      kind,
      customer: c,
      department: kind === 'service' ? service : hvac,
      status: active ? 'In Progress' : 'Complete',
      spectrumStatus: active ? 'A' : 'C',
      syncStatus: 'Synced',
      startDay: asOf - 200,
      endDay: active ? asOf + 90 : asOf - 45,
      contractCents,
      retainageBp: 0,
      taxCode,
      taxBp: 0,
      projectId: kind === 'service' ? null : r.uuid(),
      sourceJobId: null,
      assignments: [],
      plants: [],
      createdDay: asOf - 200,
    };
  };
  const jobs: { sim: SimulatedJob; figures: PlantFigures | null }[] = [];
  const add = (j: Job, plant: string, figures: PlantFigures | null): SimulatedJob => {
    j.plants.push(plant);
    const sim = bundle(j);
    jobs.push({ sim, figures });
    return sim;
  };
  add(job(a, 'service', false, 0), 'insight_loss_after_burden', { revenue: 10_000_000, wages: 5_000_000, other: 4_000_000 });
  add(job(b, 'service', false, 0), 'insight_loss_after_overhead', { revenue: 10_000_000, wages: 4_000_000, other: 3_000_000 });
  const split = add(job(c, 'service', false, 0), 'insight_service_not_project', { revenue: 5_000_000, wages: 1_000_000, other: 500_000 });
  const project = add(job(c, 'payapp', false, 20_000_000), 'insight_service_not_project', { revenue: 20_000_000, wages: 10_000_000, other: 6_000_000 });
  project.job.sourceJobId = split.job.id;
  const phased = add(job(d, 'payapp', true, 10_000_000), 'insight_phase_budget', null);

  const sim = new PlantSimulation(ctx, r);
  for (const { sim: s, figures } of jobs) {
    sim.standardPhases(s);
    if (figures) sim.figures(s, figures);
  }
  sim.phaseBudget(phased);
  return jobs.map((j) => j.sim);
}

function bundle(job: Job): SimulatedJob {
  return {
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

/** Writes the dedicated jobs' events: invoices, payments, payroll with burden, other cost. */
class PlantSimulation {
  constructor(
    private readonly ctx: SimulationContext,
    private readonly r: Random,
  ) {}

  standardPhases(sim: SimulatedJob, estimates: Record<string, number> = {}): void {
    for (const [phase, costType, description] of [
      ['01000', 'L', 'Service Labor'],
      ['01000', 'M', 'Service Material'],
      ['01000', 'O', 'Service Other'],
      ['15100', 'L', 'Plumbing Labor'],
      ['15500', 'L', 'HVAC Labor'],
      ['15500', 'M', 'HVAC Material'],
      ['15500', 'S', 'HVAC Subcontract'],
    ] as const) {
      sim.phases.push({
        Job_Number: sim.job.number,
        Phase_Code: phase,
        Cost_Type: costType,
        Description: description,
        Status_Code: 'A',
        Original_Est_Cost: estimates[`${phase}${costType}`] ?? 0,
        Projected_Cost: null,
      });
    }
  }

  figures(sim: SimulatedJob, f: PlantFigures): void {
    const asOf = this.ctx.asOf;
    const inv = this.invoice(sim, asOf - 120, f.revenue, this.ctx.product('PB-GEN'));
    this.pay(inv, asOf - 80);
    inv.status = 'Paid';
    // Payroll in four weekly checks, well before payroll_through, with 32% burden.
    const weeks = 4;
    for (let i = 0; i < weeks; i++) {
      const wages = i === weeks - 1 ? f.wages - Math.round(f.wages / weeks) * (weeks - 1) : Math.round(f.wages / weeks);
      this.payroll(sim, asOf - 150 + 7 * i, '01000', 'L', wages);
    }
    this.cost(sim, 'JC', '01000', 'O', asOf - 110, f.other);
  }

  phaseBudget(sim: SimulatedJob): void {
    const asOf = this.ctx.asOf;
    sim.phases.splice(0);
    this.standardPhases(sim, { '15500L': 2_000_000, '15500M': 2_000_000, '15500S': 2_000_000, '15100L': 1_000_000 });
    this.invoice(sim, asOf - 20, 5_000_000, this.ctx.product('PB-HVAC'));
    this.cost(sim, 'JC', '15500', 'L', asOf - 60, 2_200_000); // over budget
    this.cost(sim, 'AP', '15500', 'M', asOf - 50, 1_200_000); // trending over
    this.cost(sim, 'JC', '15500', 'S', asOf - 40, 1_000_000); // on pace
    this.cost(sim, 'JC', '01000', 'O', asOf - 30, 150_000); // no estimate
    this.payroll(sim, this.ctx.payrollThrough - 6, '15100', 'L', 700_000); // 7,000 + 2,240 burden = 9,240
    let day = this.ctx.payrollThrough + 1;
    while (weekday(day) === 0 || weekday(day) === 6) day++;
    const ts: Timesheet = {
      id: this.r.uuid(),
      employee: this.ctx.master.employees[0]!,
      job: sim.job,
      day,
      hours: 10,
      product: this.ctx.product('LAB-PIPE'),
      approved: true,
    };
    sim.timesheets.push(ts);
  }

  private invoice(sim: SimulatedJob, day: number, amountCents: number, product: Product): Invoice {
    const number = this.ctx.nextInvoiceNumber();
    const line: Line = {
      id: this.r.uuid(),
      product,
      lineItemType: 'MiscLineItem',
      description: 'Contract work',
      quantity: 1,
      unitPriceCents: amountCents,
      amountCents,
      taxable: false,
      retentionCents: 0,
    };
    const inv: Invoice = {
      id: this.r.uuid(),
      number,
      spectrumNumber: number,
      job: sim.job,
      status: 'Exported',
      syncStatus: 'Synced',
      issuedDay: day,
      issuedEpoch: epochSeconds(day, 16 * 3600),
      dueDay: day + 30,
      lines: [line],
      taxCents: 0,
      retentionCents: 0,
      spectrumRetentionCents: 0,
      customerPO: null,
      departmentName: sim.job.department.name,
      payments: [],
      spectrum: 'posted',
      spectrumDueDay: day + 30,
      spectrumExtraCents: 0,
      appNumber: null,
      version: 1,
      syncedLineCount: 1,
      syncedTaxCents: 0,
    };
    sim.invoices.push(inv);
    return inv;
  }

  private pay(inv: Invoice, day: number): void {
    const payment: Payment = {
      id: this.r.uuid(),
      checkNumber: this.ctx.nextCheckNumber(),
      day,
      amountCents: inv.lines.reduce((s, l) => s + l.amountCents, 0),
      retention: false,
      inBuildOps: true,
      inSpectrum: true,
    };
    inv.payments.push(payment);
  }

  private payroll(sim: SimulatedJob, day: number, phase: string, costType: string, wages: number): void {
    const employee = this.ctx.master.employees[0]!;
    const burden = percentOf(wages, 3200);
    sim.payroll.push({
      Employee_Code: employee.code,
      Job_Number: sim.job.number,
      Phase_Code: phase,
      Cost_Type: costType,
      Work_Date: day,
      Hours: Math.round((wages * 100) / Math.max(1, employee.wageCents)),
      Amount: wages,
      Burden_Amount: burden,
      Check_Date: day + 5,
    });
    this.cost(sim, 'PR', phase, costType, day, wages + burden);
  }

  private cost(sim: SimulatedJob, type: string, phase: string, costType: string, day: number, amountCents: number): void {
    sim.costs.push({
      Job_Number: sim.job.number,
      Phase_Code: phase,
      Cost_Type: costType,
      Tran_Type_Code: type,
      Tran_Date_Text: day,
      Tran_Amount: amountCents,
      Cost_Center: sim.job.department.costCenter,
      Draw_Appl_Number: null,
      Invoice_Or_Transaction: null,
    });
  }
}
