// The ground truth: what every mart must find in the generated contractor, in the marts' own
// keys and columns (money as strings with 2 decimals, dates as YYYY-MM-DD).

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InsightsTruth } from './generate/insights-truth.ts';
import type { Scale } from './generate/model.ts';

/** One `marts.invoice_status` row with a drift. */
export interface InvoiceStatusTruth {
  buildops_invoice_id: string;
  invoice_number: string;
  job_number: string;
  customer_code: string | null;
  buildops_status: string;
  buildops_total: string;
  spectrum_gross: string | null;
  spectrum_status: string;
  drift_type: string;
}

/** One `marts.ar_aging` row. */
export interface ArAgingRowTruth {
  customer_code: string;
  job_number: string;
  invoice_number: string;
  buildops_invoice_id: string | null;
  due_date: string;
  days_past_due: number;
  aging_bucket: string;
  open_total: string;
  retainage_open: string;
  open_net_of_retainage: string;
}

/** One `marts.ar_aging_by_customer` row (and the overall totals, customer_code = null). */
export interface ArAgingCustomerTruth {
  customer_code: string | null;
  current: string;
  '1-30': string;
  '31-60': string;
  '61-90': string;
  '90+': string;
  open_net_of_retainage: string;
  retainage_open: string;
  open_credits: string;
  open_total: string;
}

/** One `marts.cost_code_drift` row. */
export interface CostCodeDriftTruth {
  finding_type: string;
  item_code: string | null;
  job_number: string | null;
  phase_code: string | null;
  cost_type: string | null;
  mapped_phase_code: string | null;
  mapped_cost_type: string | null;
  gl_account: string | null;
  invoice_number: string | null;
  line_number: number | null;
  amount: string | null;
}

/** One `marts.billing_duplicates` row. */
export interface BillingDuplicateTruth {
  finding_type: string;
  source_system: 'buildops' | 'spectrum';
  job_number: string;
  application_number: number | null;
  item_number: string | null;
  invoice_number: string | null;
  buildops_invoice_id: string | null;
  buildops_pay_application_id: string | null;
  amount_at_risk: string;
}

/** One `marts.retainage_reconciliation` row. */
export interface RetainageTruth {
  job_number: string;
  customer_code: string | null;
  buildops_retainage_billed: string;
  spectrum_retainage_billed: string;
  spectrum_retainage_paid: string;
  spectrum_retainage_open: string;
  difference: string;
  status: 'matched' | 'mismatch';
}

/** One `marts.subcontractor_compliance` row (every active assignment). */
export interface ComplianceTruth {
  job_number: string;
  vendor_code: string;
  vendor_name: string;
  coi_expires_on: string | null;
  w9_on_file: boolean;
  lien_waiver_on: string | null;
  open_ap_amount: string;
  is_compliant: boolean;
  reasons: string[];
}

/** One `marts.service_ticket_batches` row. */
export interface ServiceBatchTruth {
  batch_key: string;
  customer_code: string;
  issue_date: string;
  cost_center: string;
  ticket_count: number;
  subtotal: string;
  tax_amount: string;
  total_amount: string;
}

/** One `marts.wip_schedule` row (every Spectrum job with Status_Code A). */
export interface WipTruth {
  job_number: string;
  customer_code: string | null;
  contract_amount: string;
  estimated_cost: string;
  cost_to_date: string;
  unprocessed_hours: string;
  unprocessed_labor_cost: string;
  cost_with_unprocessed: string;
  percent_complete: string | null;
  earned_revenue: string | null;
  billed_to_date: string;
  over_under_billing: string | null;
  gross_profit_to_date: string | null;
  percent_complete_payroll_only: string | null;
  earned_revenue_payroll_only: string | null;
  over_under_billing_payroll_only: string | null;
  items_without_rate: string[];
}

/** The expected preflight of one outbound record: every rule id it must fail (empty = clean). */
export interface PreflightTruth {
  record_type: 'job' | 'phase' | 'invoice';
  buildops_id: string;
  rules: string[];
}

/** One `marts.ar_bridge` row: an invoice or open item on one line of the bridge from BuildOps' AR to Spectrum's. */
export interface ArBridgeTruth {
  line: 'not_in_spectrum' | 'awaiting_posting' | 'spectrum_only' | 'amount_difference' | 'payment_timing';
  buildops_invoice_id: string | null;
  invoice_number: string;
  customer_code: string | null;
  job_number: string | null;
  buildops_open: string | null;
  spectrum_open: string | null;
  amount: string;
}

/** One `marts.ar_gl_tieout` row: an AR control account against the subledger. */
export interface ArGlTieoutTruth {
  gl_account: string;
  description: string;
  subledger_balance: string;
  gl_balance: string;
  difference: string;
  explained_by_entries: string;
  unexplained: string;
  status: 'ties' | 'explained' | 'unexplained';
}

/** One `marts.ar_gl_tieout_entries` row: a GL entry not posted by the receivables module. */
export interface ArGlEntryTruth {
  gl_account: string;
  transaction_date: string;
  source_module: string;
  reference: string;
  description: string;
  amount: string;
}

/** The open AR processing window (module AR) and the approved BuildOps invoices not sent yet, inside and outside it. */
export interface ArWindowTruth {
  min_date: string;
  max_date: string;
  /** max_date − as-of, in days. */
  days_left: number;
  /** Dated inside the window: to send before it closes. */
  unsent_inside: { count: number; amount: string };
  /** Dated outside it: a push would be refused. */
  unsent_outside: { count: number; amount: string; buildops_ids: string[] };
}

/** The whole ground truth of a generated contractor. */
export interface GroundTruth {
  asOf: string;
  seed: string;
  scale: Scale;
  companyCode: string;
  otherCompanyCodes: string[];
  timeZone: string;
  payrollThrough: string;
  /** Number of findings per mart and type (e.g. `invoice_status.missing_in_spectrum`), and of each planted edge case. */
  planted: Record<string, number>;
  invoice_status: InvoiceStatusTruth[];
  ar_aging: {
    rows: ArAgingRowTruth[];
    by_customer: ArAgingCustomerTruth[];
    totals: ArAgingCustomerTruth;
  };
  cost_code_drift: CostCodeDriftTruth[];
  billing_duplicates: BillingDuplicateTruth[];
  retainage_reconciliation: RetainageTruth[];
  subcontractor_compliance: ComplianceTruth[];
  service_ticket_batches: ServiceBatchTruth[];
  wip_schedule: WipTruth[];
  writeback_preflight: PreflightTruth[];
  /** The CFO insight marts (customer profitability, phase budgets, DSO, conversion, coverage) and the settings they assume. */
  insights?: InsightsTruth;
  /** BuildOps' open AR and Spectrum's, and every bridge row between them. */
  ar_bridge?: { buildops_open_ar: string; spectrum_open_ar: string; rows: ArBridgeTruth[] };
  ar_gl_tieout?: ArGlTieoutTruth[];
  ar_gl_tieout_entries?: ArGlEntryTruth[];
  /** The AR window checks of marts.close_status. */
  ar_window?: ArWindowTruth;
}

/** The file name of the ground truth inside an export folder. */
export const GROUND_TRUTH_FILE = 'ground-truth.json';

/** Serialize the ground truth the one stable way (2-space JSON, trailing newline). */
export function serializeGroundTruth(truth: GroundTruth): string {
  return `${JSON.stringify(truth, null, 2)}\n`;
}

/** Write the ground truth to `path` (a file). */
export async function writeGroundTruth(path: string, truth: GroundTruth): Promise<void> {
  await writeFile(path, serializeGroundTruth(truth), 'utf8');
}

/** Read the ground truth of an export folder (`<dir>/ground-truth.json`). */
export async function readGroundTruth(dir: string): Promise<GroundTruth> {
  return JSON.parse(await readFile(join(dir, GROUND_TRUTH_FILE), 'utf8')) as GroundTruth;
}
