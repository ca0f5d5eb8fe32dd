/**
 * `insights.xlsx`: one sheet per CFO question, read from the insight marts. The figures a person
 * would check are formulas over the row's own cells (direct cost, gross and net profit, margins,
 * overruns, DSO, the cycle, the coverage shortfall), with the mart's exact value as the cached
 * result; a check column beside the cycle compares the sheet's arithmetic with the mart's.
 */
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import type { ReportOptions } from '../types.ts';
import { safeText } from './safe-text.ts';
import {
  DATE_FORMAT,
  INT_FORMAT,
  MONEY_FORMAT,
  PERCENT_FORMAT,
  cellValue,
  columnLetter,
  newWorkbook,
  setWidths,
  sqlText,
  writeHeader,
  writeNoticeSheet,
} from './sheet.ts';
import type { ColumnKind } from './sheet.ts';

/** One column of an insight sheet: a mart column, or a formula over the row's cells (`{B}` = the column with key B). */
interface InsightColumn {
  key: string;
  header: string;
  kind: ColumnKind | 'days';
  /** An Excel formula over this row, with `{key}` standing for the cell of another column; the mart's `key` value is its cached result. */
  formula?: string;
  /** The cached result of a formula column the mart has no column for, from the row's values (exact text in, a number out). */
  cached?: (row: Record<string, unknown>) => number | null;
  width?: number;
}

interface InsightSheet {
  name: string;
  mart: string;
  orderBy: string;
  filter?: string;
  columns: InsightColumn[];
}

const DAYS_FORMAT = '0.0';
/** Exact text (`-12.3`, `1000000.00`) as an integer of tenths or hundredths, so cached sums never drift in floating point. */
const tenths = (value: unknown): number => Math.round(Number(value) * 10);
const hundredths = (value: unknown): number => Math.round(Number(value) * 100);

const SHEETS: readonly InsightSheet[] = [
  {
    name: 'Profitability',
    mart: 'customer_profitability',
    orderBy: 'coalesce(net_profit, gross_profit), customer_code, segment',
    columns: [
      { key: 'customer_code', header: 'Customer', kind: 'text' },
      { key: 'customer_name', header: 'Name', kind: 'text', width: 30 },
      { key: 'segment', header: 'Segment', kind: 'text' },
      { key: 'revenue', header: 'Revenue', kind: 'money' },
      { key: 'labor_cost', header: 'Wages', kind: 'money' },
      { key: 'labor_burden', header: 'Burden', kind: 'money' },
      { key: 'unprocessed_labor_cost', header: 'Uncosted labor', kind: 'money' },
      { key: 'other_direct_cost', header: 'Other cost', kind: 'money' },
      { key: 'direct_cost', header: 'Direct cost', kind: 'money', formula: '{labor_cost}+{labor_burden}+{unprocessed_labor_cost}+{other_direct_cost}' },
      { key: 'gross_profit', header: 'Gross profit', kind: 'money', formula: '{revenue}-{direct_cost}' },
      { key: 'gross_margin', header: 'Gross margin', kind: 'percent', formula: 'IF({revenue}=0,"",ROUND({gross_profit}/{revenue},4))' },
      { key: 'overhead_allocated', header: 'Overhead', kind: 'money' },
      { key: 'net_profit', header: 'Net profit', kind: 'money', formula: 'IF({overhead_allocated}="","",{gross_profit}-{overhead_allocated})' },
      { key: 'net_margin', header: 'Net margin', kind: 'percent', formula: 'IF(OR({revenue}=0,{net_profit}=""),"",ROUND({net_profit}/{revenue},4))' },
      { key: 'is_unprofitable', header: 'Unprofitable', kind: 'bool' },
    ],
  },
  {
    name: 'Cost code overruns',
    mart: 'cost_code_overruns',
    orderBy: 'overrun_amount + projected_overrun_amount desc, phase_code, cost_type',
    columns: [
      { key: 'phase_code', header: 'Phase', kind: 'text' },
      { key: 'cost_type', header: 'Cost type', kind: 'text' },
      { key: 'jobs_over_budget', header: 'Jobs over', kind: 'int' },
      { key: 'jobs_trending_over', header: 'Jobs trending over', kind: 'int' },
      { key: 'jobs_no_estimate', header: 'Jobs without estimate', kind: 'int' },
      { key: 'overrun_amount', header: 'Overrun', kind: 'money' },
      { key: 'projected_overrun_amount', header: 'Projected overrun', kind: 'money' },
      { key: 'total_overrun_amount', header: 'Total', kind: 'money', formula: '{overrun_amount}+{projected_overrun_amount}' },
      { key: 'worst_job_number', header: 'Worst job', kind: 'text' },
      { key: 'worst_job_overrun', header: 'Its overrun', kind: 'money' },
    ],
  },
  {
    name: 'Phase budgets',
    mart: 'phase_budgets',
    orderBy: 'job_number, phase_code, cost_type',
    columns: [
      { key: 'job_number', header: 'Job', kind: 'text' },
      { key: 'phase_code', header: 'Phase', kind: 'text' },
      { key: 'cost_type', header: 'Cost type', kind: 'text' },
      { key: 'estimate', header: 'Estimate', kind: 'money' },
      { key: 'cost_to_date', header: 'Cost to date', kind: 'money' },
      { key: 'unprocessed_labor_cost', header: 'of which uncosted labor', kind: 'money' },
      { key: 'percent_billed', header: '% billed', kind: 'percent' },
      { key: 'projected_cost', header: 'Projected cost', kind: 'money' },
      { key: 'finding', header: 'Finding', kind: 'text' },
      {
        key: 'overrun',
        header: 'Overrun',
        kind: 'money',
        formula: 'IF({finding}="over_budget",{cost_to_date}-{estimate},IF({finding}="trending_over",{projected_cost}-{estimate},""))',
      },
    ],
  },
  {
    name: 'DSO trend',
    mart: 'dso_trend',
    orderBy: 'period_end',
    columns: [
      { key: 'period_end', header: 'Month end', kind: 'date' },
      { key: 'ar_open', header: 'AR open', kind: 'money' },
      { key: 'retainage_open', header: 'Retainage open', kind: 'money' },
      { key: 'billings_90', header: 'Billed, 90 days', kind: 'money' },
      { key: 'retainage_billed_90', header: 'Retainage billed, 90 days', kind: 'money' },
      { key: 'dso_gross', header: 'DSO', kind: 'days', formula: 'IF({billings_90}=0,"",ROUND({ar_open}/{billings_90}*90,1))' },
      {
        key: 'dso_net_of_retainage',
        header: 'DSO net of retainage',
        kind: 'days',
        formula: 'IF({billings_90}-{retainage_billed_90}=0,"",ROUND(({ar_open}-{retainage_open})/({billings_90}-{retainage_billed_90})*90,1))',
      },
    ],
  },
  {
    name: 'Cash conversion',
    mart: 'cash_conversion',
    orderBy: 'company_code',
    columns: [
      { key: 'company_code', header: 'Company', kind: 'text' },
      { key: 'ar_open', header: 'AR open', kind: 'money' },
      { key: 'retainage_open', header: 'Retainage open', kind: 'money' },
      { key: 'billings_90', header: 'Billed, 90 days', kind: 'money' },
      { key: 'retainage_billed_90', header: 'Retainage billed, 90 days', kind: 'money' },
      { key: 'dso_gross', header: 'DSO', kind: 'days' },
      { key: 'dso_net_of_retainage', header: 'DSO net of retainage', kind: 'days' },
      { key: 'retainage_days', header: 'Retainage days', kind: 'days' },
      { key: 'ap_open', header: 'Open AP', kind: 'money' },
      { key: 'ap_cost_90', header: 'AP cost, 90 days', kind: 'money' },
      { key: 'dpo', header: 'DPO', kind: 'days', formula: 'IF({ap_cost_90}=0,"",ROUND({ap_open}/{ap_cost_90}*90,1))' },
      { key: 'over_under_billing', header: 'WIP over/(under) billing', kind: 'money' },
      { key: 'billing_days', header: 'Billing days', kind: 'days', formula: 'IF({billings_90}=0,"",ROUND(-{over_under_billing}/({billings_90}/90),1))' },
      { key: 'cash_conversion_days', header: 'Cash conversion cycle', kind: 'days' },
      {
        key: 'cycle_from_rounded_parts',
        header: 'Check: DSO net + billing − DPO',
        kind: 'days',
        formula: 'IF(OR({dso_net_of_retainage}="",{billing_days}="",{dpo}=""),"",{dso_net_of_retainage}+{billing_days}-{dpo})',
        cached: (r) =>
          r.dso_net_of_retainage === null || r.billing_days === null || r.dpo === null
            ? null
            : (tenths(r.dso_net_of_retainage) + tenths(r.billing_days) - tenths(r.dpo)) / 10,
      },
    ],
  },
  {
    name: 'Service conversion',
    mart: 'service_conversion',
    orderBy: 'origin, project_job_number',
    columns: [
      { key: 'project_job_number', header: 'Project job', kind: 'text' },
      { key: 'origin', header: 'Origin', kind: 'text' },
      { key: 'source_job_number', header: 'From service job', kind: 'text' },
      { key: 'customer_code', header: 'Customer', kind: 'text' },
      { key: 'contract_amount', header: 'Contract', kind: 'money' },
      { key: 'revenue_to_date', header: 'Revenue', kind: 'money' },
      { key: 'cost_to_date', header: 'Cost', kind: 'money' },
      {
        key: 'gross_margin',
        header: 'Gross margin',
        kind: 'percent',
        formula: 'IF({revenue_to_date}=0,"",ROUND(({revenue_to_date}-{cost_to_date})/{revenue_to_date},4))',
      },
      { key: 'source_service_revenue', header: 'Source service revenue', kind: 'money' },
    ],
  },
  {
    name: 'Conversion by origin',
    mart: 'service_conversion_summary',
    orderBy: 'origin',
    columns: [
      { key: 'origin', header: 'Origin', kind: 'text' },
      { key: 'projects', header: 'Projects', kind: 'int' },
      { key: 'revenue_to_date', header: 'Revenue', kind: 'money' },
      { key: 'cost_to_date', header: 'Cost', kind: 'money' },
      {
        key: 'weighted_gross_margin',
        header: 'Weighted gross margin',
        kind: 'percent',
        formula: 'IF({revenue_to_date}=0,"",ROUND(({revenue_to_date}-{cost_to_date})/{revenue_to_date},4))',
      },
    ],
  },
  {
    name: 'Coverage',
    mart: 'subcontractor_compliance',
    orderBy: 'vendor_code, job_number',
    filter: "reasons like '%coverage_below_requirement%'",
    columns: [
      { key: 'vendor_code', header: 'Vendor', kind: 'text' },
      { key: 'vendor_name', header: 'Name', kind: 'text', width: 28 },
      { key: 'job_number', header: 'Job', kind: 'text' },
      { key: 'required_coverage', header: 'Required', kind: 'money' },
      { key: 'coverage_amount', header: 'Covered (blank = not stated)', kind: 'money' },
      {
        key: 'shortfall',
        header: 'Shortfall',
        kind: 'money',
        formula: 'IF({coverage_amount}="",{required_coverage},{required_coverage}-{coverage_amount})',
        cached: (r) =>
          r.required_coverage === null ? null : (hundredths(r.required_coverage) - (r.coverage_amount === null ? 0 : hundredths(r.coverage_amount))) / 100,
      },
      { key: 'coi_expires_on', header: 'COI expires', kind: 'date' },
      { key: 'open_ap_amount', header: 'Open AP', kind: 'money' },
      { key: 'detail', header: 'Detail', kind: 'text', width: 70 },
    ],
  },
];

const FORMAT: Partial<Record<ColumnKind | 'days', string>> = {
  money: MONEY_FORMAT,
  percent: PERCENT_FORMAT,
  date: DATE_FORMAT,
  int: INT_FORMAT,
  days: DAYS_FORMAT,
};

/** Writes `insights.xlsx` into options.outDir: one sheet per insight mart (a notice where one was not built); returns its path. */
export async function writeInsightsWorkbook(options: ReportOptions): Promise<string> {
  const { warehouse } = options;
  const path = join(options.outDir, 'insights.xlsx');
  const workbook = newWorkbook(path);
  const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
  for (const spec of SHEETS) {
    const ws = workbook.addWorksheet(spec.name, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
    if (!marts.has(spec.mart)) {
      writeNoticeSheet(ws, [`not available: marts.${spec.mart} was not built — its sources are not loaded`]);
      continue;
    }
    const have = new Set((await warehouse.describe('marts', spec.mart)).map((c) => c.name));
    const columns = spec.columns.filter((c) => have.has(c.key) || c.formula !== undefined);
    const conditions: string[] = [];
    if (spec.filter) conditions.push(spec.filter);
    if (options.companyCode !== null && have.has('company_code')) conditions.push(`company_code = ${sqlText(options.companyCode)}`);
    const where = conditions.length > 0 ? `where ${conditions.map((c) => `(${c})`).join(' and ')}` : '';
    const select = columns
      .filter((c) => have.has(c.key))
      .map((c) => (c.kind === 'text' || c.kind === 'date' || c.kind === 'bool' || c.kind === 'int' ? c.key : `cast(${c.key} as varchar) as ${c.key}`));
    const rows = await warehouse.query<Record<string, unknown>>(`select ${select.join(', ')} from marts.${spec.mart} ${where} order by ${spec.orderBy}`);
    writeSheet(ws, columns, rows);
  }
  await workbook.commit();
  options.logger.info('report.excel', `wrote ${path}`, { path });
  return path;
}

/** The rows under a frozen header; formula columns refer to the row's own cells. */
function writeSheet(ws: ExcelJS.Worksheet, columns: readonly InsightColumn[], rows: readonly Record<string, unknown>[]): void {
  setWidths(
    ws,
    columns.map((c) => c.width ?? Math.max(Math.min(c.header.length, 26) + 2, c.kind === 'money' ? 16 : 10)),
  );
  writeHeader(
    ws,
    columns.map((c) => c.header),
  );
  const letters = new Map(columns.map((c, i) => [c.key, columnLetter(i + 1)]));
  rows.forEach((record, index) => {
    const sheetRow = index + 2;
    const values = columns.map((c): ExcelJS.CellValue => {
      const value = c.cached ? c.cached(record) : valueOf(c, record[c.key]);
      if (!c.formula) return value;
      const formula = c.formula.replace(/\{([a-z0-9_]+)\}/g, (_m, key: string) => `${letters.get(key) ?? 'A'}${sheetRow}`);
      return { formula, result: value === null ? '' : (value as number | string) } as ExcelJS.CellFormulaValue;
    });
    const row = ws.addRow(values);
    columns.forEach((c, i) => {
      const format = FORMAT[c.kind];
      if (format) row.getCell(i + 1).numFmt = format;
    });
    row.commit();
  });
  if (rows.length === 0) ws.addRow(['(no rows)']).commit();
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(rows.length + 1, 1), column: Math.max(columns.length, 1) } };
  ws.commit();
}

/** A cell value: money and ratios as numbers (exact text from the warehouse), text protected against formulas. */
function valueOf(column: InsightColumn, value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (column.kind === 'days') return Number(value);
  if (column.kind === 'text') return safeText(String(value));
  return cellValue(column.kind, value);
}
