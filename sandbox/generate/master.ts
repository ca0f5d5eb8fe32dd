// Master data of the simulated contractor: customers, departments, pricebook, vendors,
// employees and the list of jobs with the plants each job hosts. Small enough to keep in
// memory at every scale; everything per job is simulated later, one job at a time.

import { CATALOG, COST_TYPE, DEPARTMENTS, EXPENSE_ACCOUNT, JOB_TAX_CODES } from './catalog.ts';
import { addMonths } from './calendar.ts';
import type { Assignment, Customer, Department, Employee, Job, Product, Vendor } from './model.ts';
import { cityStateZip, companyName, personName, phone, streetLine, subcontractorName, supplierName } from './names.ts';
import type { Random } from './random.ts';
import type { ScaleSize } from './scales.ts';

/** The master data and job list of one generated contractor. */
export interface Master {
  asOf: number;
  customers: Customer[];
  departments: Department[];
  products: Product[];
  vendors: Vendor[];
  employees: Employee[];
  jobs: Job[];
  /** Customers with an unapplied payment (open item of type P): customer, cents. */
  unapplied: {
    customer: Customer;
    amountCents: number;
    day: number;
    check: string;
  }[];
}

/** Invoice-level plants on existing active service jobs (one dedicated invoice each). */
export const SERVICE_INVOICE_PLANTS = [
  'missing_in_spectrum',
  'awaiting_posting',
  'paid_not_reflected',
  'paid_in_buildops_only',
  'amount_mismatch',
  'duplicate_invoice',
  'mapping_target_missing',
  'mapping_target_inactive',
  'posted_cost_code_mismatch',
  'due_on_as_of',
  'blank_due_date',
  'renumbered',
  'evening_issue',
  'wb_inv_number_too_long',
  'wb_inv_number_invalid_char',
  'wb_customer_po_too_long',
  'wb_line_description_too_long',
  'wb_negative_amount',
  'wb_closed_period',
  'wb_phase_not_on_job',
  'wb_duplicate_number',
  'wb_invoice_cost_center',
  'wb_gl_account',
  'wb_unmapped_item',
] as const;

/** Plants on Spectrum-AIA project jobs, spread over them in this order. */
export const AIA_PLANTS = [
  'previous_mismatch',
  'billed_in_both_invoice',
  'over_scheduled_value',
  'billed_in_both_payapp',
  'first_app_previous',
  'retainage_mismatch',
  'change_order',
  'wb_routing_conflict',
] as const;

/** Plants on BuildOps pay-application project jobs. */
export const PAYAPP_PLANTS = ['previous_mismatch', 'over_scheduled_value', 'retention_paid_regular_open', 'future_cost'] as const;

/** New jobs waiting for export (syncStatus Pending), each planted with one write-back problem or clean. */
export const NEW_JOB_PLANTS = [
  'wb_new_job_clean',
  'wb_customer_name_too_long',
  'wb_customer_name_comma',
  'wb_address_too_long',
  'wb_city_too_long',
  'wb_zip_too_long',
  'wb_state_code',
  'wb_phone_format',
  'wb_customer_not_in_spectrum',
  'wb_job_number_too_long',
  'wb_job_number_invalid_char',
  'wb_job_description_too_long',
  'wb_job_duplicate_number',
  'wb_job_cost_center',
  'wb_tax_class_invalid',
  'wb_phase_mask',
  'wb_phase_too_long',
  'wb_parent_blocked',
] as const;

/** Compliance plants, one subcontractor each: the reason its active assignment fails (or the edge it shows). */
export const COMPLIANCE_PLANTS = [
  'coi_missing',
  'coi_expired',
  'w9_missing',
  'lien_waiver_missing',
  'coi_expires_on_as_of',
  'lien_waiver_not_received',
] as const;

function customerCode(name: string, seq: number): string {
  const letters = name
    .replace(/[^A-Za-z]/g, '')
    .toUpperCase()
    .slice(0, 4);
  return `${letters}${String(seq).padStart(3, '0')}`;
}

function makeCustomer(random: Random, seq: number, asOf: number): Customer {
  const name = companyName(random);
  const place = cityStateZip(random);
  return {
    id: random.uuid(),
    code: customerCode(name, seq),
    number: String(5000 + seq),
    name,
    spectrumName: name,
    address1: streetLine(random),
    address2: random.chance(0.2) ? `Suite ${random.int(100, 450)}` : null,
    city: place.city,
    state: place.state,
    zip: place.zip,
    phone: phone(random),
    propertyId: random.uuid(),
    createdDay: asOf - random.int(600, 1500),
  };
}

/** Apply a customer-level write-back plant to a fresh customer. */
function plantCustomer(customer: Customer, plant: string): void {
  switch (plant) {
    case 'wb_customer_name_too_long':
      // BuildOps grew the name after import; Spectrum silently kept 30 characters.
      customer.name = 'Brightwater Regional Medical Center Foundation';
      customer.spectrumName = customer.name.slice(0, 30);
      break;
    case 'wb_customer_name_comma':
      customer.name = 'Hughes, Walker and Sons';
      customer.spectrumName = 'Hughes Walker and Sons';
      break;
    case 'wb_address_too_long':
      customer.address1 = '12000 North Interstate Highway 35 Frontage Road';
      break;
    case 'wb_city_too_long':
      customer.city = 'Lakeway Village at Rough Hollow';
      break;
    case 'wb_zip_too_long':
      customer.zip = '78701-1234-00';
      break;
    case 'wb_state_code':
      customer.state = 'Texas';
      break;
    case 'wb_phone_format':
      customer.phone = '(512) 555-0134 ext 20981';
      break;
    case 'wb_customer_not_in_spectrum':
      customer.code = null;
      break;
  }
}

/** Build the master data and job list for one scale. */
export function buildMaster(random: Random, size: ScaleSize, asOf: number): Master {
  const r = random.fork('master');
  const departments: Department[] = DEPARTMENTS.map(([name, costCenter]) => ({
    id: r.uuid(),
    name,
    costCenter,
  }));
  const dept = (name: string): Department => departments.find((d) => d.name === name)!;
  const products: Product[] = CATALOG.map((item) => ({
    id: r.uuid(),
    code: item.code,
    name: item.name,
    type: item.type,
    isActive: item.isActive ?? true,
    glExpense: item.glExpense ?? EXPENSE_ACCOUNT[item.type],
    glRevenue: item.glRevenue ?? '400000',
    costType: COST_TYPE[item.type],
    map: item.map ? { phase: item.map[0], costType: item.map[1] } : null,
    priceCents: item.priceCents,
    laborRateCents: item.type === 'labor' ? (item.laborRateCents ?? null) : null,
  }));

  const customers: Customer[] = [];
  for (let i = 1; i <= size.customers; i++) customers.push(makeCustomer(r, i, asOf));

  const vendors: Vendor[] = [];
  for (let i = 1; i <= 4 + Math.floor(size.subcontractors / 2); i++) {
    vendors.push({
      id: r.uuid(),
      code: `SUP${String(i).padStart(3, '0')}`,
      name: supplierName(r),
      isSub: false,
      w9: 'Y',
    });
  }
  for (let i = 1; i <= size.subcontractors + COMPLIANCE_PLANTS.length * size.plantCopies; i++) {
    vendors.push({
      id: r.uuid(),
      code: `SUB${String(i).padStart(3, '0')}`,
      name: subcontractorName(r),
      isSub: true,
      w9: 'Y',
    });
  }
  const employees: Employee[] = [];
  for (let i = 1; i <= size.employees; i++) {
    employees.push({
      id: r.uuid(),
      code: `E${String(i).padStart(4, '0')}`,
      name: personName(r),
      wageCents: 100 * r.int(24, 48),
    });
  }

  const jobs: Job[] = [];
  let serviceSeq = 10000;
  let projectSeq = 20000;
  const newJob = (kind: Job['kind'], customer: Customer, department: Department, startDay: number, endDay: number): Job => {
    const [taxCode, taxBp] = r.pick(JOB_TAX_CODES);
    const number = kind === 'service' ? `S${++serviceSeq}` : `P${++projectSeq}`;
    const complete = endDay < asOf - 30;
    return {
      id: r.uuid(),
      number,
      name:
        kind === 'service'
          ? `${r.pick(['PM', 'Repair', 'Service Call', 'Install', 'Inspection'])} ${customer.spectrumName.split(' ')[0]}`
          : `${department.name} ${r.pick(['Renovation', 'Build-Out', 'Expansion', 'Retrofit'])}`,
      kind,
      customer,
      department,
      status: complete ? 'Complete' : r.chance(0.1) ? 'On Hold' : 'In Progress',
      spectrumStatus: complete ? 'C' : 'A',
      syncStatus: 'Synced',
      startDay,
      endDay,
      contractCents: 0,
      retainageBp: 0,
      taxCode,
      taxBp,
      projectId: null,
      assignments: [],
      plants: [],
      createdDay: startDay,
    };
  };

  // Service jobs: the first ones are kept active so every plant has a host at tiny scale.
  const serviceHosts: Job[] = [];
  for (let i = 0; i < size.serviceJobs; i++) {
    const customer = customers[i % customers.length]!;
    const forcedActive = i < 6 * size.plantCopies;
    const start = forcedActive ? asOf - r.int(70, 110) : asOf - r.int(20, 540);
    const end = forcedActive ? asOf + r.int(5, 40) : start + r.int(0, 45);
    const job = newJob('service', customer, r.chance(0.85) ? dept('Service') : dept('HVAC'), start, end);
    if (forcedActive) {
      job.status = 'In Progress';
      job.spectrumStatus = 'A';
      serviceHosts.push(job);
    }
    jobs.push(job);
  }
  // Complete service jobs host the job_complete plant.
  for (const done of jobs.filter((j) => j.kind === 'service' && j.spectrumStatus === 'C').slice(0, size.plantCopies)) done.plants.push('wb_job_complete');
  serviceHosts[serviceHosts.length - 1]?.plants.push('credit_memo');
  // Someone worked the Sunday payroll closes on: payroll_through is exactly that day.
  serviceHosts[0]?.plants.push('on_call_payroll_day');
  // Each copy of the plants gets its own six hosts, so copies never stack on one job.
  for (let copy = 0; copy < size.plantCopies; copy++) {
    SERVICE_INVOICE_PLANTS.forEach((plant, i) => serviceHosts[((i % 6) + 6 * copy) % serviceHosts.length]!.plants.push(plant));
  }
  // The tax classes of clean jobs are always valid.
  const projectDepartments = ['HVAC', 'Plumbing', 'Fire Protection', 'Electrical'];
  const projectJobs = (kind: 'aia' | 'payapp', count: number, plants: readonly string[]): void => {
    const hosts: Job[] = [];
    for (let i = 0; i < count; i++) {
      const customer = customers[r.int(0, customers.length - 1)]!;
      const forcedActive = i < Math.min(count, 3 * size.plantCopies);
      const start = forcedActive ? asOf - r.int(150, 330) : asOf - r.int(120, 560);
      const months = r.int(5, 14);
      const end = forcedActive ? Math.max(addMonths(start, months), asOf + 60) : addMonths(start, months);
      const job = newJob(kind, customer, dept(r.pick(projectDepartments)), start, end);
      if (forcedActive) {
        job.status = 'In Progress';
        job.spectrumStatus = 'A';
      }
      job.contractCents = 100 * 100 * r.int(60, 900); // $6,000 steps
      job.retainageBp = r.pick([1000, 1000, 500]);
      job.projectId = r.uuid();
      if (forcedActive) hosts.push(job);
      jobs.push(job);
    }
    for (let copy = 0; copy < size.plantCopies; copy++) plants.forEach((plant, i) => hosts[((i % 3) + 3 * copy) % hosts.length]?.plants.push(plant));
  };
  projectJobs('aia', size.aiaJobs, AIA_PLANTS);
  projectJobs('payapp', size.payAppJobs, PAYAPP_PLANTS);

  // Subcontractor assignments: clean subs on project jobs, planted subs on exactly one active job each.
  const subs = vendors.filter((v) => v.isSub);
  const cleanSubs = subs.slice(0, size.subcontractors);
  const plantSubs = subs.slice(size.subcontractors);
  const activeProjects = jobs.filter((j) => j.kind !== 'service' && j.spectrumStatus === 'A');
  const doneProjects = jobs.filter((j) => j.kind !== 'service' && j.spectrumStatus === 'C');
  for (const job of [...activeProjects, ...doneProjects]) {
    const n = r.int(1, 2);
    for (let i = 0; i < n; i++) {
      const vendor = cleanSubs[r.int(0, cleanSubs.length - 1)]!;
      if (job.assignments.some((a) => a.vendor === vendor)) continue;
      const assignment: Assignment = {
        vendor,
        startDay: job.startDay + r.int(0, 30),
        endDay: job.spectrumStatus === 'C' ? job.endDay : r.chance(0.5) ? null : job.endDay,
      };
      job.assignments.push(assignment);
    }
  }
  // Edges: an assignment that starts after as-of and one that ended before it are not active.
  const edgeJob = activeProjects[0];
  if (edgeJob && cleanSubs.length > 2) {
    edgeJob.assignments.push({
      vendor: cleanSubs[cleanSubs.length - 1]!,
      startDay: asOf + 10,
      endDay: null,
    });
    edgeJob.assignments.push({
      vendor: cleanSubs[cleanSubs.length - 2]!,
      startDay: asOf - 200,
      endDay: asOf - 1,
    });
  }
  plantSubs.forEach((vendor, i) => {
    const plant = COMPLIANCE_PLANTS[i % COMPLIANCE_PLANTS.length]!;
    if (plant === 'w9_missing') vendor.w9 = 'N';
    const job = activeProjects[i % activeProjects.length]!;
    if (job.assignments.some((a) => a.vendor.code === vendor.code)) return;
    job.assignments.push({ vendor, startDay: asOf - 60, endDay: null });
    job.plants.push(`compliance:${plant}:${vendor.code}`);
  });

  // New jobs waiting for export, and one BuildOps-only job the write-back cannot reach.
  for (let copy = 0; copy < size.plantCopies; copy++) {
    for (const plant of NEW_JOB_PLANTS) {
      let customer = customers[r.int(0, size.customers - 1)]!;
      if (
        plant.startsWith('wb_customer') ||
        ['wb_address_too_long', 'wb_city_too_long', 'wb_zip_too_long', 'wb_state_code', 'wb_phone_format'].includes(plant)
      ) {
        customer = makeCustomer(r, customers.length + 1, asOf);
        plantCustomer(customer, plant);
        customers.push(customer);
      }
      const job = newJob('service', customer, dept(plant === 'wb_job_cost_center' ? 'Controls' : 'Service'), asOf - r.int(1, 10), asOf + 30);
      job.status = 'Open';
      job.spectrumStatus = null;
      job.syncStatus = 'Pending';
      job.plants.push(plant);
      if (plant === 'wb_job_number_too_long') job.number = `S${job.number.slice(1)}-0001`;
      if (plant === 'wb_job_number_invalid_char') job.number = `S${job.number.slice(1, 3)}/${job.number.slice(3)}`;
      if (plant === 'wb_job_description_too_long') job.name = 'Chiller Plant Replacement Phase Two';
      if (plant === 'wb_tax_class_invalid') job.taxCode = 'AUSTIN 8.25';
      // A blocked new job with an approved invoice: the invoice and the job's phases wait for it.
      if (plant === 'wb_parent_blocked') job.taxCode = 'AUSTIN 8.25';
      jobs.push(job);
    }
    const orphan = newJob('service', customers[0]!, dept('Service'), asOf - 5, asOf + 20);
    orphan.status = 'Open';
    orphan.spectrumStatus = null;
    orphan.syncStatus = 'NotSynced';
    orphan.plants.push('wb_job_not_in_spectrum');
    jobs.push(orphan);
  }
  // A job created by hand in Spectrum whose number a new BuildOps job also took.
  const duplicateNumberJobs = jobs.filter((j) => j.plants.includes('wb_job_duplicate_number'));
  for (const job of duplicateNumberJobs) {
    const spectrumOnly = newJob('service', customers[1 % customers.length]!, dept('Service'), asOf - 40, asOf + 40);
    spectrumOnly.number = job.number;
    spectrumOnly.status = 'In Progress';
    spectrumOnly.spectrumStatus = 'A';
    spectrumOnly.plants.push('spectrum_only_job');
    jobs.push(spectrumOnly);
  }

  const unapplied: Master['unapplied'] = [];
  for (let i = 0; i < Math.max(2, Math.floor(customers.length / 8)); i++) {
    const customer = customers[(i * 3) % size.customers]!;
    if (unapplied.some((u) => u.customer === customer)) continue;
    unapplied.push({
      customer,
      amountCents: -100 * r.int(150, 4000),
      day: asOf - r.int(3, 60),
      check: `UA${r.int(10000, 99999)}`,
    });
  }
  return {
    asOf,
    customers,
    departments,
    products,
    vendors,
    employees,
    jobs,
    unapplied,
  };
}
