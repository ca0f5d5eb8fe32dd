// The simulated contractor's events in memory, before either system's view is rendered.
// Money is integer cents; dates are day numbers; quantities are plain numbers in half steps.

import type { SpectrumRow } from './sink.ts';

/** Scale names of the generator. */
export type Scale = 'tiny' | 'small' | 'medium' | 'large';

/** A customer: created in Spectrum (code set) and imported to BuildOps, or BuildOps-only (code null). */
export interface Customer {
  id: string;
  code: string | null;
  number: string;
  name: string; // BuildOps name
  spectrumName: string;
  address1: string;
  address2: string | null;
  city: string;
  state: string;
  zip: string;
  phone: string;
  propertyId: string;
  createdDay: number;
}

/** A BuildOps department and the cost center the mapping file gives it. */
export interface Department {
  id: string;
  name: string;
  costCenter: string;
}

/** A pricebook item, its GL accounts and its cost-code mapping (null = unmapped). */
export interface Product {
  id: string;
  code: string;
  name: string;
  type: 'labor' | 'material' | 'equipment' | 'other';
  isActive: boolean;
  glExpense: string;
  glRevenue: string;
  costType: string;
  map: { phase: string; costType: string } | null;
  priceCents: number;
  laborRateCents: number | null; // labor_rates.csv burdened rate (labor items), null = no row
}

/** A vendor (supplier or subcontractor) as both systems know it. */
export interface Vendor {
  id: string;
  code: string;
  name: string;
  isSub: boolean;
  w9: 'Y' | 'N';
}

/** An employee (BuildOps id, Spectrum code, hourly wage). */
export interface Employee {
  id: string;
  code: string;
  name: string;
  wageCents: number;
}

/** A subcontractor assignment on a job (BuildOps jobs.assignedSubcontractors). */
export interface Assignment {
  vendor: Vendor;
  startDay: number;
  endDay: number | null;
}

/** Kinds of job: service work, a project billed on Spectrum AIA applications, or on BuildOps pay applications. */
export type JobKind = 'service' | 'aia' | 'payapp';

/** A job and how both systems hold it. */
export interface Job {
  id: string;
  number: string;
  name: string;
  kind: JobKind;
  customer: Customer;
  department: Department;
  status: 'Open' | 'In Progress' | 'On Hold' | 'Complete' | 'Canceled';
  spectrumStatus: 'A' | 'I' | 'C' | null; // null = not in Spectrum
  syncStatus: 'Synced' | 'Pending' | 'NotSynced';
  startDay: number;
  endDay: number;
  contractCents: number;
  retainageBp: number;
  taxCode: string; // taxRateName → Tax_Class_Code / Sales_Tax_Code
  taxBp: number;
  projectId: string | null;
  sourceJobId?: string | null; // BuildOps projects.sourceJobId: the service job a converted project grew out of
  assignments: Assignment[];
  plants: string[]; // planted deviation labels applied to this job
  createdDay: number;
}

/** One invoice line. */
export interface Line {
  id: string;
  product: Product;
  lineItemType: string;
  description: string;
  quantity: number;
  unitPriceCents: number;
  amountCents: number;
  taxable: boolean;
  retentionCents: number;
}

/** A payment applied to an invoice (one check each). */
export interface Payment {
  id: string;
  checkNumber: string;
  day: number;
  amountCents: number;
  retention: boolean; // applied to the retention portion (Invoice_Type R)
  inBuildOps: boolean; // imported back into BuildOps
  inSpectrum: boolean;
}

/** An invoice as BuildOps holds it, plus how Spectrum holds it. */
export interface Invoice {
  id: string;
  number: string;
  spectrumNumber: string;
  job: Job;
  status: 'Draft' | 'Pending' | 'Approved' | 'Sent' | 'Exported' | 'Paid' | 'Void';
  syncStatus: 'NotSynced' | 'Pending' | 'Synced' | 'Failed' | 'Bypassed';
  issuedDay: number;
  issuedEpoch: number;
  dueDay: number;
  lines: Line[];
  taxCents: number;
  retentionCents: number; // BuildOps retainageAmount
  spectrumRetentionCents: number; // header Retention_Amount
  customerPO: string | null;
  departmentName: string;
  payments: Payment[];
  spectrum: 'posted' | 'unposted' | 'none';
  spectrumDueDay: number | null; // null = blank Due_Date
  spectrumExtraCents: number; // BuildOps total − Spectrum gross (planted amount drift)
  appNumber: number | null; // Spectrum AIA application this invoice bills
  version: number;
  syncedLineCount: number; // lines Spectrum received (BuildOps may add lines after the sync)
  syncedTaxCents: number; // the tax Spectrum received
  postedAs?: { line: number; phase: string; costType: string }; // planted: a detail line posted elsewhere
  plant?: string; // the plant that created this invoice, if any
}

/** An AIA application line (Spectrum CR_BILL_DETAIL_MC or BuildOps pay-application line). */
export interface AppLine {
  itemNumber: string;
  description: string;
  product: Product;
  scheduledCents: number;
  previousCents: number;
  thisPeriodCents: number;
  storedCents: number;
  completedCents: number;
  retentionCents: number;
}

/** An AIA application of a project job. */
export interface Application {
  id: string;
  number: number;
  periodFrom: number;
  periodEnd: number;
  revisedContractCents: number;
  lines: AppLine[];
  invoice: Invoice | null;
  status: 'Draft' | 'Submitted' | 'Approved';
}

/** A BuildOps timesheet. */
export interface Timesheet {
  id: string;
  employee: Employee;
  job: Job;
  day: number;
  hours: number;
  product: Product;
  approved: boolean;
}

/** Everything one job produced, before it is written. */
export interface JobBundle {
  job: Job;
  invoices: Invoice[];
  applications: Application[]; // Spectrum AIA (kind aia) or BuildOps pay apps (kind payapp)
  extraPayApps: Application[]; // BuildOps pay applications on a Spectrum-billed job (planted)
  timesheets: Timesheet[];
  phases: SpectrumRow[];
  costs: SpectrumRow[]; // JC_TRANSACTION_HISTORY_MC rows other than AR
  payroll: SpectrumRow[];
  vendorOpen: SpectrumRow[];
  purchaseOrders: Record<string, unknown>[];
}
