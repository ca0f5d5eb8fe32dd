/**
 * The one catalog of what the reports show of each mart: every column's label and kind (and so
 * its format), and each close check's name in a CFO's words with the report section it links
 * to. The CFO report, the workbooks and the AR feed all take their columns from here, so a
 * column reads the same everywhere and an amount is never defined twice: each finding mart's
 * `amount_at_risk` column is the amount, and every writer shows that column.
 */

/** How a column is read and shown (money as exact decimals; dates as calendar dates). */
export type CatalogKind = 'text' | 'money' | 'date' | 'timestamp' | 'int' | 'number' | 'percent' | 'bool' | 'list' | 'status';

/** One column of a mart as the reports show it. */
export interface CatalogColumn {
  key: string;
  label: string;
  kind: CatalogKind;
}

/** The Excel number format of each kind (the HTML formats the same kinds in html/format.ts). */
export const EXCEL_FORMATS: Record<CatalogKind, string | undefined> = {
  text: undefined,
  bool: undefined,
  list: undefined,
  status: undefined,
  money: '_($* #,##0.00_);_($* (#,##0.00);_($* "-"??_);_(@_)',
  date: 'yyyy-mm-dd',
  timestamp: 'yyyy-mm-dd hh:mm',
  int: '#,##0',
  number: '#,##0.00',
  percent: '0.0%',
};

const c = (key: string, label: string, kind: CatalogKind = 'text'): CatalogColumn => ({ key, label, kind });
const money = (key: string, label: string): CatalogColumn => c(key, label, 'money');

/** Columns every mart may carry. */
const COMMON: CatalogColumn[] = [
  c('company_code', 'Company'),
  c('customer_code', 'Customer'),
  c('customer_name', 'Customer name'),
  c('job_number', 'Job'),
  c('job_description', 'Job description'),
  c('invoice_number', 'Invoice'),
  c('buildops_invoice_id', 'BuildOps invoice id'),
  money('amount_at_risk', 'Amount at risk'),
  c('detail', 'Detail'),
];

/** Each mart's columns beyond the common ones. */
const MARTS: Record<string, CatalogColumn[]> = {
  ar_aging: [
    c('invoice_date', 'Invoice date', 'date'),
    c('due_date', 'Due', 'date'),
    c('days_past_due', 'Days past due', 'int'),
    c('aging_bucket', 'Bucket'),
    money('gross_amount', 'Gross'),
    money('retainage_billed', 'Retainage billed'),
    money('retainage_paid', 'Retainage paid'),
    money('retainage_open', 'Retainage open'),
    money('open_total', 'Open total'),
    money('open_net_of_retainage', 'Open net of retainage'),
  ],
  ar_aging_by_customer: [
    money('bucket_current', 'Current'),
    money('bucket_1_30', '1–30'),
    money('bucket_31_60', '31–60'),
    money('bucket_61_90', '61–90'),
    money('bucket_90_plus', '90+'),
    money('open_net_of_retainage', 'Net of retainage'),
    money('retainage_open', 'Retainage open'),
    money('open_credits', 'Open credits'),
    money('open_total', 'Open total'),
  ],
  ar_aging_by_job: [
    c('job_key', 'Job'),
    money('bucket_current', 'Current'),
    money('bucket_1_30', '1–30'),
    money('bucket_31_60', '31–60'),
    money('bucket_61_90', '61–90'),
    money('bucket_90_plus', '90+'),
    money('open_net_of_retainage', 'Net of retainage'),
    money('retainage_open', 'Retainage open'),
    money('open_total', 'Open total'),
  ],
  retainage_schedule: [
    c('job_status', 'Job status'),
    money('retainage_billed', 'Retainage billed'),
    money('retainage_collected', 'Retainage collected'),
    money('retainage_open', 'Retainage open'),
  ],
  invoice_status: [
    c('drift_type', 'Drift'),
    c('buildops_status', 'BuildOps status'),
    c('spectrum_status', 'Spectrum status'),
    money('buildops_total', 'BuildOps total'),
    money('spectrum_gross', 'Spectrum gross'),
  ],
  cost_code_drift: [
    c('finding_type', 'Finding'),
    c('item_code', 'Item'),
    c('phase_code', 'Phase'),
    c('cost_type', 'Cost type'),
    c('mapped_phase_code', 'Mapped phase'),
    c('mapped_cost_type', 'Mapped cost type'),
    c('gl_account', 'GL account'),
    c('line_number', 'Line', 'int'),
    money('amount', 'Amount'),
  ],
  billing_duplicates: [
    c('finding_type', 'Finding'),
    c('source_system', 'System'),
    c('application_number', 'Application', 'int'),
    c('item_number', 'Item'),
    c('buildops_pay_application_id', 'BuildOps pay application id'),
  ],
  retainage_reconciliation: [
    c('status', 'Status', 'status'),
    money('buildops_retainage_billed', 'BuildOps retainage billed'),
    money('spectrum_retainage_billed', 'Spectrum retainage billed'),
    money('spectrum_retainage_paid', 'Spectrum retainage paid'),
    money('spectrum_retainage_open', 'Spectrum retainage open'),
    money('difference', 'Difference (BuildOps − Spectrum)'),
  ],
  subcontractor_compliance: [
    c('vendor_code', 'Vendor'),
    c('vendor_name', 'Vendor name'),
    c('is_compliant', 'Compliant', 'bool'),
    c('reasons', 'Reasons', 'list'),
    c('coi_expires_on', 'COI expires', 'date'),
    c('w9_on_file', 'W-9 on file', 'bool'),
    c('lien_waiver_on', 'Lien waiver', 'date'),
    money('open_ap_amount', 'Open AP'),
  ],
  service_ticket_batches: [
    c('batch_key', 'Batch'),
    c('issue_date', 'Issue date', 'date'),
    c('cost_center', 'Cost center'),
    c('ticket_count', 'Tickets', 'int'),
    money('subtotal', 'Subtotal'),
    money('tax_amount', 'Tax'),
    money('total_amount', 'Total'),
  ],
  wip_schedule: [
    money('contract_amount', 'Contract'),
    money('estimated_cost', 'Estimated cost'),
    money('cost_to_date', 'Cost to date (Spectrum)'),
    c('unprocessed_hours', 'Unprocessed hours', 'number'),
    money('unprocessed_labor_cost', 'Uncosted labor'),
    money('cost_with_unprocessed', 'Cost incl. uncosted labor'),
    c('percent_complete', '% complete', 'percent'),
    money('earned_revenue', 'Earned revenue'),
    money('billed_to_date', 'Billed to date'),
    money('over_under_billing', 'Over/(under) billing'),
    money('gross_profit_to_date', 'Gross profit'),
    c('percent_complete_payroll_only', '% complete (payroll only)', 'percent'),
    money('earned_revenue_payroll_only', 'Earned (payroll only)'),
    money('over_under_billing_payroll_only', 'Over/(under) (payroll only)'),
  ],
  writeback_preflight: [
    c('record_type', 'Record'),
    c('buildops_id', 'BuildOps id'),
    c('rule', 'Rule'),
    c('field', 'Field'),
    c('value', 'Value'),
    c('message', 'Message'),
    c('fix', 'Fix'),
  ],
  ar_bridge: [
    c('line', 'Bridge line'),
    money('buildops_open', 'BuildOps open'),
    money('spectrum_open', 'Spectrum open'),
    money('amount', 'Amount (Spectrum − BuildOps)'),
  ],
  ar_gl_tieout: [
    c('gl_account', 'GL account'),
    c('description', 'Account'),
    c('account_role', 'Role'),
    money('subledger_balance', 'Subledger'),
    money('gl_balance', 'General ledger'),
    money('difference', 'Difference (GL − subledger)'),
    money('explained_by_entries', 'Explained by journal entries'),
    money('unexplained', 'Unexplained'),
    c('status', 'Status', 'status'),
  ],
  ar_gl_tieout_entries: [
    c('gl_account', 'GL account'),
    c('transaction_date', 'Date', 'date'),
    c('source_module', 'Module'),
    c('reference', 'Reference'),
    c('description', 'Description'),
    money('amount', 'Amount'),
  ],
  close_status: [
    c('check', 'Check'),
    c('area', 'Area'),
    c('open_findings', 'Open findings', 'int'),
    c('last_loaded_at', 'Last loaded', 'timestamp'),
    c('status', 'Status', 'status'),
  ],
};

/** The catalog column of `mart.key` (throws on a column the catalog does not know: a typo in a writer). */
export function catalogColumn(mart: string, key: string): CatalogColumn {
  const found = MARTS[mart]?.find((col) => col.key === key) ?? COMMON.find((col) => col.key === key);
  if (!found) throw new Error(`reports/catalog.ts has no column ${key} for marts.${mart}`);
  return found;
}

/** The catalog columns of a mart, in the order given. */
export function catalogColumns(mart: string, keys: readonly string[]): CatalogColumn[] {
  return keys.map((key) => catalogColumn(mart, key));
}

/** A close check: what a CFO calls it, where the report explains it, and which kind of money it is. */
export interface CheckInfo {
  label: string;
  /** The id of the CFO report section that shows it. */
  section: string | null;
  /** blocks: wrong books if closed now; exposure: receivables at risk; cash: money held or owed. */
  group: 'blocks' | 'exposure' | 'cash' | 'data';
}

/** Every close_status check in the words of the report. */
export const CHECKS: Record<string, CheckInfo> = {
  invoice_status: { label: 'Invoices out of step between BuildOps and Spectrum', section: 'payment-status-drift', group: 'blocks' },
  cost_code_drift: { label: 'Revenue on the wrong cost code', section: 'cost-code-drift', group: 'blocks' },
  billing_duplicates: { label: 'Double billing', section: 'double-billing', group: 'blocks' },
  retainage_reconciliation: { label: 'Retainage billed differently', section: 'retainage', group: 'blocks' },
  ar_gl_tieout: { label: 'Receivables do not tie to the general ledger', section: 'ar-gl-tieout', group: 'blocks' },
  wip_schedule: { label: 'Jobs over budget', section: 'wip', group: 'blocks' },
  ar_aging: { label: 'Receivables more than 90 days past due', section: 'ar-aging', group: 'exposure' },
  subcontractor_compliance: { label: 'Subcontractor pay held for missing documents', section: 'subcontractors-blocked', group: 'cash' },
  service_ticket_batches: { label: 'Service tickets not yet billed', section: 'service-ticket-batches', group: 'cash' },
  invoices_outside_window: { label: 'Approved invoices dated outside the open AR period', section: null, group: 'blocks' },
  ar_window_closing: { label: 'Approved invoices to send before the AR period closes', section: null, group: 'blocks' },
  freshness_buildops: { label: 'BuildOps data up to date', section: 'freshness', group: 'data' },
  freshness_spectrum: { label: 'Spectrum data up to date', section: 'freshness', group: 'data' },
  quarantine: { label: 'Records set aside at load', section: 'freshness', group: 'data' },
};

/** The words for a check (its name as is when the catalog does not know it). */
export function checkLabel(check: string): string {
  return CHECKS[check]?.label ?? check;
}

/** Finding and drift types in plain words, for tables and charts. */
export const TYPE_LABELS: Record<string, string> = {
  missing_in_spectrum: 'Missing in Spectrum',
  awaiting_posting: 'Awaiting posting',
  paid_not_reflected: 'Paid, not shown in BuildOps',
  paid_in_buildops_only: 'Paid in BuildOps only',
  amount_mismatch: 'Amounts differ',
  unmapped_item: 'Item not mapped',
  mapping_target_missing: 'Mapped phase missing on job',
  mapping_target_inactive: 'Mapped phase inactive',
  gl_cost_type_mismatch: 'GL account allows another cost type',
  posted_cost_code_mismatch: 'Posted to the wrong cost code',
  billed_in_both_systems: 'Billed in both systems',
  duplicate_invoice: 'Duplicate invoice',
  previous_mismatch: 'Previous billed does not tie',
  over_scheduled_value: 'Billed beyond schedule of values',
  not_in_spectrum: 'Not in Spectrum',
  spectrum_only: 'In Spectrum only',
  amount_difference: 'Amounts differ',
  payment_timing: 'Payments recorded differently',
  buildops_open_ar: 'BuildOps open AR',
  spectrum_open_ar: 'Spectrum open AR',
};

/** A type in plain words (as is when unknown). */
export function typeLabel(type: string | null | undefined): string {
  if (type === null || type === undefined) return '(none)';
  return TYPE_LABELS[type] ?? type;
}
