/**
 * `reconciliation.xlsx`: a Summary sheet listing each finding sheet with its count, its amount
 * (a formula pointing at that sheet's total) and a link to it; then one sheet per finding type.
 * A mart that was not built gets a sheet saying so, never a crash.
 */
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import { catalogColumns } from '../catalog.ts';
import { META_NOTE_TABLES, findingKeyColumns, literalNoteTables, noteColumns, notedRelation, recordFindings } from './notes.ts';
import { NO_HISTORY, historyOf } from '../types.ts';
import { readMartColumns } from '../mart-columns.ts';
import { readPreviousBuilds } from '../previous-builds.ts';
import type { PreviousBuild } from '../previous-builds.ts';
import { frozenKeyColumns, workpaperContext, workpaperOptions, writeSignOff, writeSummaryHead } from './workpaper.ts';
import type { CatalogKind } from '../catalog.ts';
import type { ReportOptions } from '../types.ts';
import { safeText } from './safe-text.ts';
import { WRITEBACK_ORDER, prepareWritebackTable, writebackExceptionsRelation } from './writeback-sheet.ts';
import {
  INT_FORMAT,
  MONEY_FORMAT,
  cents,
  centsToNumber,
  columnLetter,
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

const SHEET_KINDS: Record<CatalogKind, ColumnSpec['kind']> = {
  text: 'text',
  money: 'money',
  date: 'date',
  timestamp: 'timestamp',
  int: 'int',
  number: 'number',
  percent: 'percent',
  bool: 'bool',
  list: 'text',
  status: 'text',
};

/** Sheet columns of a mart from the one catalog (reports/catalog.ts): money columns get a SUM under the rows, and so do `totals`. */
export function sheetColumns(mart: string, keys: readonly string[], totals: readonly string[] = []): ColumnSpec[] {
  return catalogColumns(mart, keys).map((col) => ({
    key: col.key,
    header: col.label,
    kind: SHEET_KINDS[col.kind],
    ...(col.kind === 'money' || totals.includes(col.key) ? { total: true } : {}),
  }));
}

/** What each finding mart's amount_at_risk means (the same words as models/marts/README.md). */
export const AMOUNT_MEANINGS: Record<string, string> = {
  invoice_status: 'the invoice of each drift, or the difference for an amount mismatch',
  cost_code_drift: 'BuildOps line amounts on the drifting cost codes',
  billing_duplicates: 'billed twice or beyond the schedule of values',
  retainage_reconciliation: '|difference| of retainage billed on mismatched jobs',
  subcontractor_compliance: 'open AP of subcontractors blocked from release',
  service_ticket_batches: 'approved service tickets not yet billed in Spectrum',
  wip_schedule: 'cost beyond the estimate on jobs over budget',
  ar_gl_tieout: 'what no journal entry explains between the subledger and the GL',
};

const finding = (mart: string): FindingSheet['amount'] => ({ key: 'amount_at_risk', meaning: AMOUNT_MEANINGS[mart] ?? '' });

export const FINDING_SHEETS: FindingSheet[] = [
  {
    name: 'Invoice status drift',
    mart: 'invoice_status',
    filter: 'drift_type is not null',
    filterNeeds: ['drift_type'],
    columns: sheetColumns('invoice_status', [
      'company_code',
      'drift_type',
      'invoice_number',
      'buildops_invoice_id',
      'job_number',
      'customer_code',
      'buildops_status',
      'spectrum_status',
      'buildops_total',
      'spectrum_gross',
      'amount_at_risk',
      'detail',
    ]),
    orderBy: 'order by drift_type, amount_at_risk desc, invoice_number',
    amount: finding('invoice_status'),
  },
  {
    name: 'Cost-code drift',
    mart: 'cost_code_drift',
    columns: sheetColumns('cost_code_drift', [
      'company_code',
      'finding_type',
      'item_code',
      'job_number',
      'phase_code',
      'cost_type',
      'mapped_phase_code',
      'mapped_cost_type',
      'gl_account',
      'invoice_number',
      'line_number',
      'amount',
      'amount_at_risk',
      'detail',
    ]),
    orderBy: 'order by finding_type, amount_at_risk desc, item_code, job_number',
    amount: finding('cost_code_drift'),
  },
  {
    name: 'Billing duplicates',
    mart: 'billing_duplicates',
    columns: sheetColumns('billing_duplicates', [
      'company_code',
      'finding_type',
      'source_system',
      'job_number',
      'application_number',
      'item_number',
      'invoice_number',
      'buildops_invoice_id',
      'buildops_pay_application_id',
      'amount_at_risk',
      'detail',
    ]),
    orderBy: 'order by amount_at_risk desc, finding_type, job_number',
    amount: finding('billing_duplicates'),
  },
  {
    name: 'Retainage',
    mart: 'retainage_reconciliation',
    columns: sheetColumns('retainage_reconciliation', [
      'company_code',
      'job_number',
      'customer_code',
      'status',
      'buildops_retainage_billed',
      'spectrum_retainage_billed',
      'spectrum_retainage_paid',
      'spectrum_retainage_open',
      'difference',
      'amount_at_risk',
      'detail',
    ]),
    orderBy: "order by case when status = 'mismatch' then 0 else 1 end, abs(difference) desc, job_number",
    amount: finding('retainage_reconciliation'),
  },
  {
    name: 'Compliance',
    mart: 'subcontractor_compliance',
    columns: sheetColumns('subcontractor_compliance', [
      'company_code',
      'job_number',
      'vendor_code',
      'vendor_name',
      'is_compliant',
      'reasons',
      'coi_expires_on',
      'w9_on_file',
      'lien_waiver_on',
      'open_ap_amount',
      'amount_at_risk',
      'detail',
    ]),
    orderBy: 'order by case when is_compliant then 1 else 0 end, open_ap_amount desc, job_number, vendor_code',
    amount: finding('subcontractor_compliance'),
  },
  {
    name: 'Service-ticket batches',
    mart: 'service_ticket_batches',
    columns: sheetColumns(
      'service_ticket_batches',
      [
        'company_code',
        'batch_key',
        'customer_code',
        'issue_date',
        'cost_center',
        'ticket_count',
        'subtotal',
        'tax_amount',
        'total_amount',
        'amount_at_risk',
        'detail',
      ],
      ['ticket_count'],
    ),
    orderBy: 'order by issue_date, customer_code, cost_center',
    amount: finding('service_ticket_batches'),
  },
  {
    name: 'WIP schedule',
    mart: 'wip_schedule',
    columns: sheetColumns(
      'wip_schedule',
      [
        'company_code',
        'job_number',
        'customer_code',
        'over_under_billing',
        'contract_amount',
        'estimated_cost',
        'cost_to_date',
        'unprocessed_hours',
        'unprocessed_labor_cost',
        'cost_with_unprocessed',
        'percent_complete',
        'earned_revenue',
        'billed_to_date',
        'gross_profit_to_date',
        'percent_complete_payroll_only',
        'earned_revenue_payroll_only',
        'over_under_billing_payroll_only',
        'amount_at_risk',
        'detail',
      ],
      ['unprocessed_hours'],
    ),
    orderBy: 'order by case when over_under_billing is null then 1 else 0 end, abs(over_under_billing) desc, job_number',
    amount: finding('wip_schedule'),
  },
  {
    name: 'AR bridge',
    mart: 'ar_bridge',
    columns: sheetColumns('ar_bridge', [
      'company_code',
      'line',
      'invoice_number',
      'buildops_invoice_id',
      'customer_code',
      'customer_name',
      'job_number',
      'buildops_open',
      'spectrum_open',
      'amount',
    ]),
    orderBy: 'order by line, abs(amount) desc, invoice_number',
    amount: { key: 'amount', meaning: 'Spectrum open AR minus BuildOps open AR, every dollar on a bridge line' },
  },
  {
    name: 'GL tie-out',
    mart: 'ar_gl_tieout',
    columns: sheetColumns('ar_gl_tieout', [
      'company_code',
      'gl_account',
      'description',
      'account_role',
      'subledger_balance',
      'gl_balance',
      'difference',
      'explained_by_entries',
      'unexplained',
      'status',
      'amount_at_risk',
    ]),
    orderBy: 'order by company_code, gl_account',
    amount: finding('ar_gl_tieout'),
  },
  {
    name: 'GL entries',
    mart: 'ar_gl_tieout_entries',
    columns: sheetColumns('ar_gl_tieout_entries', ['company_code', 'gl_account', 'transaction_date', 'source_module', 'reference', 'description', 'amount']),
    orderBy: 'order by gl_account, transaction_date, reference',
    amount: { key: 'amount', meaning: 'journal entries posted straight to the AR control accounts (they explain the GL differences)' },
  },
  {
    // Written from writeback-sheet.ts: the blocked findings and the outbox's failed records.
    name: 'Write-back exceptions',
    mart: 'writeback_preflight',
    columns: sheetColumns('writeback_preflight', ['company_code', 'record_type', 'buildops_id', 'rule', 'field', 'value', 'message', 'fix']),
    orderBy: WRITEBACK_ORDER,
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
  /** What the rows are read from when it is not the mart itself (the write-back sheet; a finding mart with its notes joined on). */
  relation?: string;
}

/** Writes `reconciliation.xlsx` into options.outDir and returns its path. */
export async function writeReconciliationWorkbook(options: ReportOptions, sheets: readonly FindingSheet[] = FINDING_SHEETS): Promise<string> {
  const { warehouse } = options;
  const path = join(options.outDir, 'reconciliation.xlsx');
  const workbook = newWorkbook(path);
  const marts = await readMartColumns(warehouse);

  // Exception sheets remember: first seen, owner, status and notes (reports/excel/notes.ts), kept
  // in meta through the history connection (a reader role sees the marts only).
  const history = historyOf(options);
  if (history === null) options.logger.warn('report.history', `Workbooks: ${NO_HISTORY}; the exception sheets carry no first-seen dates or notes`);
  const meta = new Set(history ? (await history.listRelations('meta')).map((r) => r.name) : []);
  const remembers = history !== null && meta.has('finding_notes') && meta.has('finding_history');
  const planned: PlannedSheet[] = [];
  for (const base of sheets) {
    if (!marts.has(base.mart)) {
      const sheet = remembers ? { ...base, columns: [...base.columns, ...noteColumns(base.mart)] } : base;
      planned.push({ sheet, table: null, where: '', amount: null, totalRow: null });
      continue;
    }
    if (base.mart === 'writeback_preflight') {
      // The failed records come from marts.writeback_outbox, which a reader sees as the writer does.
      const withOutbox = marts.has('writeback_outbox');
      if (!withOutbox)
        options.logger.warn(
          'report.excel.writeback',
          'Workbooks: marts.writeback_outbox is not built, so the failed write-backs are not on the sheet: run plumbline models (plumbline outbox --state failed lists them)',
        );
      const relation = writebackExceptionsRelation(options.companyCode, withOutbox);
      planned.push({ sheet: base, table: await prepareWritebackTable(warehouse, relation), where: '', amount: null, totalRow: null, relation });
      continue;
    }
    const have = marts.get(base.mart) ?? new Set<string>();
    const conditions: string[] = [];
    if (options.companyCode !== null && have.has('company_code')) conditions.push(`company_code = ${sqlText(options.companyCode)}`);
    if (base.filter && (base.filterNeeds ?? []).every((c) => have.has(c))) conditions.push(base.filter);
    const where = conditions.length > 0 ? `where ${conditions.map((c) => `(${c})`).join(' and ')}` : '';
    let sheet = base;
    let relation: string | undefined;
    if (remembers) {
      await recordFindings(history, base.mart, where, options.asOf);
      sheet = { ...base, columns: [...base.columns, ...noteColumns(base.mart)] };
      // The notes are joined on when the mart has its whole finding key (else their columns are left out).
      if ((findingKeyColumns(base.mart) ?? []).every((c) => have.has(c))) {
        // Through another connection than the marts', the remembered rows come along as literal tables.
        const tables = history === warehouse ? META_NOTE_TABLES : await literalNoteTables(history, base.mart);
        relation = notedRelation(base.mart, tables) ?? undefined;
      }
    }
    const table = await prepareTable(warehouse, relation ?? `marts.${sheet.mart}`, sheet.columns, where, have);
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
    planned.push({ sheet, table, where, amount, totalRow, relation });
  }

  const paper = await workpaperContext(options);
  const previousBuilds = (history ? await readPreviousBuilds(history) : []).filter((b) => planned.some((p) => p.sheet.mart === b.mart));
  writeSummary(workbook.addWorksheet('Summary', workpaperOptions(paper, 'Summary', { headerRows: 0 })), options, planned, previousBuilds);
  for (const plan of planned) {
    const ws = workbook.addWorksheet(
      plan.sheet.name,
      workpaperOptions(paper, plan.sheet.name, { frozenColumns: plan.table ? frozenKeyColumns(plan.table.columns) : 0 }),
    );
    if (!plan.table) {
      writeNoticeSheet(ws, plan.sheet.missing ?? [`not available: marts.${plan.sheet.mart} was not built — its sources are not loaded`]);
      continue;
    }
    const result = await writeTableSheet(warehouse, ws, plan.relation ?? `marts.${plan.sheet.mart}`, plan.table, {
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

function writeSummary(sheet: ExcelJS.Worksheet, options: ReportOptions, planned: readonly PlannedSheet[], previousBuilds: readonly PreviousBuild[]): void {
  setWidths(sheet, [30, 30, 12, 18, 70]);
  writeSummaryHead(sheet, 'Reconciliation findings', options, previousBuilds);
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
  writeSignOff(sheet);
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
