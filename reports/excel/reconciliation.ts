/**
 * `reconciliation.xlsx`: a Summary sheet listing each finding sheet with its count, its amount
 * (a formula pointing at that sheet's total) and a link to it; then one sheet per finding type.
 * A mart that was not built gets a sheet saying so, never a crash.
 */
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import type { ReportOptions } from '../types.ts';
import { safeText } from './safe-text.ts';
import {
  DATE_FORMAT,
  INT_FORMAT,
  MONEY_FORMAT,
  cents,
  centsToNumber,
  columnLetter,
  excelDate,
  newWorkbook,
  prepareTable,
  setWidths,
  sheetRef,
  sqlText,
  writeHeader,
  writeNoticeSheet,
  writeTableSheet,
} from './sheet.ts';
import type { ColumnSpec, PreparedTable, TableResult } from './sheet.ts';

/** One finding sheet: the mart it shows, which rows, in which order, and which column is its amount. */
export interface FindingSheet {
  name: string;
  mart: string;
  columns: ColumnSpec[];
  /** Extra condition on the mart's rows (SQL), e.g. only the rows with a drift. */
  filter?: string;
  /** Columns the filter needs; without them the sheet shows every row. */
  filterNeeds?: string[];
  orderBy: string;
  /** The column whose total is the sheet's amount on the Summary, and what that amount means. */
  amount: { key: string; meaning: string } | null;
  /** Shown when the mart does not exist (default: not built, sources not loaded). */
  missing?: string[];
}

const WIP_MONEY = (key: string, header: string): ColumnSpec => ({ key, header, kind: 'money', total: true });

export const FINDING_SHEETS: FindingSheet[] = [
  {
    name: 'Invoice status drift',
    mart: 'invoice_status',
    filter: 'drift_type is not null',
    filterNeeds: ['drift_type'],
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'drift_type', header: 'Drift', kind: 'text' },
      { key: 'invoice_number', header: 'Invoice', kind: 'text' },
      { key: 'buildops_invoice_id', header: 'BuildOps invoice id', kind: 'text' },
      { key: 'job_number', header: 'Job', kind: 'text' },
      { key: 'customer_code', header: 'Customer', kind: 'text' },
      { key: 'buildops_status', header: 'BuildOps status', kind: 'text' },
      { key: 'spectrum_status', header: 'Spectrum status', kind: 'text' },
      { key: 'buildops_total', header: 'BuildOps total', kind: 'money', total: true },
      { key: 'spectrum_gross', header: 'Spectrum gross', kind: 'money', total: true },
      { key: 'detail', header: 'Detail', kind: 'text' },
    ],
    orderBy: 'order by drift_type, buildops_total desc, invoice_number',
    amount: { key: 'buildops_total', meaning: 'BuildOps total of the invoices whose status drifts' },
  },
  {
    name: 'Cost-code drift',
    mart: 'cost_code_drift',
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'finding_type', header: 'Finding', kind: 'text' },
      { key: 'item_code', header: 'Item', kind: 'text' },
      { key: 'job_number', header: 'Job', kind: 'text' },
      { key: 'phase_code', header: 'Phase', kind: 'text' },
      { key: 'cost_type', header: 'Cost type', kind: 'text' },
      { key: 'mapped_phase_code', header: 'Mapped phase', kind: 'text' },
      { key: 'mapped_cost_type', header: 'Mapped cost type', kind: 'text' },
      { key: 'gl_account', header: 'GL account', kind: 'text' },
      { key: 'invoice_number', header: 'Invoice', kind: 'text' },
      { key: 'line_number', header: 'Line', kind: 'int' },
      { key: 'amount', header: 'Amount', kind: 'money', total: true },
      { key: 'detail', header: 'Detail', kind: 'text' },
    ],
    orderBy: 'order by finding_type, coalesce(amount, 0) desc, item_code, job_number',
    amount: { key: 'amount', meaning: 'BuildOps line amounts on the drifting cost codes' },
  },
  {
    name: 'Billing duplicates',
    mart: 'billing_duplicates',
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'finding_type', header: 'Finding', kind: 'text' },
      { key: 'source_system', header: 'System', kind: 'text' },
      { key: 'job_number', header: 'Job', kind: 'text' },
      { key: 'application_number', header: 'Application', kind: 'int' },
      { key: 'item_number', header: 'Item', kind: 'text' },
      { key: 'invoice_number', header: 'Invoice', kind: 'text' },
      { key: 'buildops_invoice_id', header: 'BuildOps invoice id', kind: 'text' },
      { key: 'buildops_pay_application_id', header: 'BuildOps pay application id', kind: 'text' },
      { key: 'amount_at_risk', header: 'Amount at risk', kind: 'money', total: true },
      { key: 'detail', header: 'Detail', kind: 'text' },
    ],
    orderBy: 'order by amount_at_risk desc, finding_type, job_number',
    amount: { key: 'amount_at_risk', meaning: 'billed twice or beyond the schedule of values' },
  },
  {
    name: 'Retainage',
    mart: 'retainage_reconciliation',
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'job_number', header: 'Job', kind: 'text' },
      { key: 'customer_code', header: 'Customer', kind: 'text' },
      { key: 'status', header: 'Status', kind: 'text' },
      { key: 'buildops_retainage_billed', header: 'BuildOps retainage billed', kind: 'money', total: true },
      { key: 'spectrum_retainage_billed', header: 'Spectrum retainage billed', kind: 'money', total: true },
      { key: 'spectrum_retainage_paid', header: 'Spectrum retainage paid', kind: 'money', total: true },
      { key: 'spectrum_retainage_open', header: 'Spectrum retainage open', kind: 'money', total: true },
      { key: 'difference', header: 'Difference (BuildOps − Spectrum)', kind: 'money', total: true },
      {
        key: 'amount_at_risk',
        header: 'At risk (|difference| of mismatches)',
        kind: 'money',
        total: true,
        expr: "cast(case when status = 'mismatch' then abs(difference) else 0 end as decimal(18, 2))",
        needs: ['status', 'difference'],
      },
      { key: 'detail', header: 'Detail', kind: 'text' },
    ],
    orderBy: "order by case when status = 'mismatch' then 0 else 1 end, abs(difference) desc, job_number",
    amount: { key: 'amount_at_risk', meaning: 'retainage billed differently in the two systems' },
  },
  {
    name: 'Compliance',
    mart: 'subcontractor_compliance',
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'job_number', header: 'Job', kind: 'text' },
      { key: 'vendor_code', header: 'Vendor', kind: 'text' },
      { key: 'vendor_name', header: 'Vendor name', kind: 'text' },
      { key: 'is_compliant', header: 'Compliant', kind: 'bool' },
      { key: 'reasons', header: 'Reasons', kind: 'text' },
      { key: 'coi_expires_on', header: 'COI expires', kind: 'date' },
      { key: 'w9_on_file', header: 'W-9 on file', kind: 'bool' },
      { key: 'lien_waiver_on', header: 'Lien waiver', kind: 'date' },
      { key: 'open_ap_amount', header: 'Open AP', kind: 'money', total: true },
      {
        key: 'ap_blocked',
        header: 'AP blocked from release',
        kind: 'money',
        total: true,
        expr: 'cast(case when is_compliant then 0 else open_ap_amount end as decimal(18, 2))',
        needs: ['is_compliant', 'open_ap_amount'],
      },
      { key: 'detail', header: 'Detail', kind: 'text' },
    ],
    orderBy: 'order by case when is_compliant then 1 else 0 end, open_ap_amount desc, job_number, vendor_code',
    amount: { key: 'ap_blocked', meaning: 'open AP of subcontractors blocked from release' },
  },
  {
    name: 'Service-ticket batches',
    mart: 'service_ticket_batches',
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'batch_key', header: 'Batch', kind: 'text' },
      { key: 'customer_code', header: 'Customer', kind: 'text' },
      { key: 'issue_date', header: 'Issue date', kind: 'date' },
      { key: 'cost_center', header: 'Cost center', kind: 'text' },
      { key: 'ticket_count', header: 'Tickets', kind: 'int', total: true },
      { key: 'subtotal', header: 'Subtotal', kind: 'money', total: true },
      { key: 'tax_amount', header: 'Tax', kind: 'money', total: true },
      { key: 'total_amount', header: 'Total', kind: 'money', total: true },
      { key: 'detail', header: 'Detail', kind: 'text' },
    ],
    orderBy: 'order by issue_date, customer_code, cost_center',
    amount: { key: 'total_amount', meaning: 'approved service tickets waiting to be batched into Spectrum' },
  },
  {
    name: 'WIP schedule',
    mart: 'wip_schedule',
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'job_number', header: 'Job', kind: 'text' },
      { key: 'customer_code', header: 'Customer', kind: 'text' },
      WIP_MONEY('over_under_billing', 'Over/(under) billing'),
      WIP_MONEY('contract_amount', 'Contract'),
      WIP_MONEY('estimated_cost', 'Estimated cost'),
      WIP_MONEY('cost_to_date', 'Cost to date (Spectrum)'),
      { key: 'unprocessed_hours', header: 'Unprocessed hours', kind: 'number', total: true },
      WIP_MONEY('unprocessed_labor_cost', 'Unprocessed labor'),
      WIP_MONEY('cost_with_unprocessed', 'Cost incl. unprocessed'),
      { key: 'percent_complete', header: '% complete', kind: 'percent' },
      WIP_MONEY('earned_revenue', 'Earned revenue'),
      WIP_MONEY('billed_to_date', 'Billed to date'),
      WIP_MONEY('gross_profit_to_date', 'Gross profit to date'),
      { key: 'percent_complete_payroll_only', header: '% complete (payroll only)', kind: 'percent' },
      WIP_MONEY('earned_revenue_payroll_only', 'Earned (payroll only)'),
      WIP_MONEY('over_under_billing_payroll_only', 'Over/(under) (payroll only)'),
      { key: 'detail', header: 'Detail', kind: 'text' },
    ],
    orderBy: 'order by case when over_under_billing is null then 1 else 0 end, abs(over_under_billing) desc, job_number',
    amount: { key: 'over_under_billing', meaning: 'net over/(under) billing of active jobs (positive = over-billed, a liability)' },
  },
  {
    name: 'Write-back exceptions',
    mart: 'writeback_preflight',
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'record_type', header: 'Record', kind: 'text' },
      { key: 'buildops_id', header: 'BuildOps id', kind: 'text' },
      { key: 'rule', header: 'Rule', kind: 'text' },
      { key: 'field', header: 'Field', kind: 'text' },
      { key: 'value', header: 'Value', kind: 'text' },
      { key: 'message', header: 'Message', kind: 'text' },
      { key: 'fix', header: 'Fix', kind: 'text' },
    ],
    orderBy: 'order by record_type, buildops_id, rule',
    amount: null,
    missing: [
      'Write-back has not run: marts.writeback_preflight does not exist in this warehouse.',
      'Its exceptions appear here once the write-back stage has checked outbound records.',
    ],
  },
];

/** The WIP tie-outs of issue #8, shown under the WIP sheet's totals. */
const WIP_TIE_OUTS = [
  {
    key: 'cost_to_date',
    label: 'Tie-out: Σ cost to date = Spectrum job-cost totals (non-AR transactions, checked when the mart is built)',
  },
  { key: 'billed_to_date', label: 'Tie-out: Σ billed to date = Spectrum AR invoices on jobs (checked when the mart is built)' },
];

interface PlannedSheet {
  sheet: FindingSheet;
  table: PreparedTable | null;
  where: string;
  amount: bigint | null;
  /** Sheet row of the totals row, known before the sheet is written (from the row count). */
  totalRow: number | null;
}

/** Writes `reconciliation.xlsx` into options.outDir and returns its path. */
export async function writeReconciliationWorkbook(options: ReportOptions, sheets: readonly FindingSheet[] = FINDING_SHEETS): Promise<string> {
  const { warehouse } = options;
  const path = join(options.outDir, 'reconciliation.xlsx');
  const workbook = newWorkbook(path);
  const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));

  const planned: PlannedSheet[] = [];
  for (const sheet of sheets) {
    if (!marts.has(sheet.mart)) {
      planned.push({ sheet, table: null, where: '', amount: null, totalRow: null });
      continue;
    }
    const have = new Set((await warehouse.describe('marts', sheet.mart)).map((c) => c.name));
    const conditions: string[] = [];
    if (options.companyCode !== null && have.has('company_code')) conditions.push(`company_code = ${sqlText(options.companyCode)}`);
    if (sheet.filter && (sheet.filterNeeds ?? []).every((c) => have.has(c))) conditions.push(sheet.filter);
    const where = conditions.length > 0 ? `where ${conditions.map((c) => `(${c})`).join(' and ')}` : '';
    const table = await prepareTable(warehouse, `marts.${sheet.mart}`, sheet.columns, where);
    if (table.missing.length > 0)
      options.logger.warn('report.excel.columns', `marts.${sheet.mart} has no column ${table.missing.join(', ')}: left out of its sheet`);
    const amountColumn = sheet.amount ? table.columns.find((c) => c.key === sheet.amount?.key) : undefined;
    let amount: bigint | null = null;
    if (amountColumn) {
      const [row] = await warehouse.query<{ amount: string }>(
        `select cast(coalesce(sum(${amountColumn.expr ?? amountColumn.key}), 0) as decimal(18, 2)) as amount from marts.${sheet.mart} ${where}`,
      );
      amount = cents(row?.amount);
    }
    const hasTotals = table.columns.some((c) => c.total);
    const totalRow = hasTotals ? (table.rows === 0 ? 4 : table.rows + 3) : null;
    planned.push({ sheet, table, where, amount, totalRow });
  }

  writeSummary(workbook.addWorksheet('Summary'), options, planned);
  for (const plan of planned) {
    const ws = workbook.addWorksheet(plan.sheet.name, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
    if (!plan.table) {
      writeNoticeSheet(ws, plan.sheet.missing ?? [`not available: marts.${plan.sheet.mart} was not built — its sources are not loaded`]);
      continue;
    }
    const result = await writeTableSheet(warehouse, ws, `marts.${plan.sheet.mart}`, plan.table, {
      where: plan.where,
      orderBy: plan.sheet.orderBy,
      after: plan.sheet.mart === 'wip_schedule' ? (r) => writeWipTieOuts(options, ws, r, plan) : undefined,
    });
    if (plan.totalRow !== null && result.totalRow !== plan.totalRow) {
      throw new Error(`reconciliation.xlsx: ${plan.sheet.name} changed while it was written (${result.rows} rows, ${plan.table.rows} counted)`);
    }
  }
  await workbook.commit();
  options.logger.info('report.excel', `wrote ${path}`, { path });
  return path;
}

function writeSummary(sheet: ExcelJS.Worksheet, options: ReportOptions, planned: readonly PlannedSheet[]): void {
  setWidths(sheet, [30, 30, 12, 18, 70]);
  const title = sheet.addRow(['Reconciliation findings']);
  title.getCell(1).font = { bold: true, size: 14 };
  title.commit();
  const asOf = sheet.addRow(['As of', excelDate(options.asOf)]);
  asOf.getCell(2).numFmt = DATE_FORMAT;
  asOf.commit();
  sheet.addRow(['Company', options.companyCode ?? 'all companies in the warehouse']).commit();
  sheet.addRow([]).commit();
  writeHeader(sheet, ['Sheet', 'Source', 'Rows', 'Amount', 'What the amount is']);
  for (const plan of planned) {
    const name = plan.sheet.name;
    const link = { formula: `HYPERLINK("#${sheetRef(name).replace(/"/g, '""')}!A1","${name.replace(/"/g, '""')}")`, result: name };
    if (!plan.table) {
      const why = plan.sheet.missing ? 'not run' : 'not available';
      sheet
        .addRow([
          link,
          `marts.${plan.sheet.mart}`,
          why,
          null,
          safeText(plan.sheet.missing?.[0] ?? `marts.${plan.sheet.mart} was not built`),
        ] as ExcelJS.CellValue[])
        .commit();
      continue;
    }
    const amountKey = plan.sheet.amount?.key;
    const letter = amountKey ? letterOf(plan.table.columns, amountKey) : null;
    const amount =
      letter && plan.totalRow !== null && plan.amount !== null
        ? { formula: `${sheetRef(name)}!${letter}${plan.totalRow}`, result: centsToNumber(plan.amount) }
        : null;
    const row = sheet.addRow([link, `marts.${plan.sheet.mart}`, plan.table.rows, amount, plan.sheet.amount?.meaning ?? ''] as ExcelJS.CellValue[]);
    row.getCell(1).font = { color: { argb: 'FF0563C1' }, underline: true };
    row.getCell(3).numFmt = INT_FORMAT;
    row.getCell(4).numFmt = MONEY_FORMAT;
    row.commit();
  }
  sheet.commit();
}

/** Under the WIP totals: each tie-out as a row — the sheet's formula, the mart's own sum (SQL), the difference. */
async function writeWipTieOuts(options: ReportOptions, ws: ExcelJS.Worksheet, result: TableResult, plan: PlannedSheet): Promise<void> {
  const ties = WIP_TIE_OUTS.filter((t) => result.letters.has(t.key));
  if (ties.length === 0) return;
  const [sums] = await options.warehouse.query<Record<string, string>>(
    `select ${ties.map((t) => `cast(coalesce(sum(${t.key}), 0) as decimal(18, 2)) as ${t.key}`).join(', ')} from marts.${plan.sheet.mart} ${plan.where}`,
  );
  ws.addRow([]).commit();
  const header = ws.addRow(['Tie-out', null, null, 'This sheet (formula)', 'marts.wip_schedule (SQL)', 'Difference']);
  header.font = { bold: true };
  header.commit();
  let row = (result.totalRow ?? result.lastRow) + 2;
  for (const tie of ties) {
    const letter = result.letters.get(tie.key) as string;
    row += 1;
    const sheetTotal = result.totals.get(tie.key) ?? 0n;
    const martTotal = cents(sums?.[tie.key]);
    const range = result.rows === 0 ? `${letter}2:${letter}2` : `${letter}${result.firstRow}:${letter}${result.lastRow}`;
    const line = ws.addRow([
      safeText(tie.label),
      null,
      null,
      { formula: `SUM(${range})`, result: centsToNumber(sheetTotal) },
      centsToNumber(martTotal),
      { formula: `D${row}-E${row}`, result: centsToNumber(sheetTotal - martTotal) },
    ] as ExcelJS.CellValue[]);
    for (const col of [4, 5, 6]) line.getCell(col).numFmt = MONEY_FORMAT;
    line.commit();
  }
}

function letterOf(columns: readonly ColumnSpec[], key: string): string | null {
  const index = columns.findIndex((c) => c.key === key);
  return index < 0 ? null : columnLetter(index + 1);
}
