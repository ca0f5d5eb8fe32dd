/**
 * `ar-aging.xlsx`: a Summary sheet with the tie-out against Spectrum's open items, the aging by
 * customer, and every `marts.ar_aging` row in Detail. Every total is a formula with its cached
 * result summed exactly (in cents) from the marts.
 */
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import type { ReportOptions } from '../types.ts';
import { historyOf } from '../types.ts';
import { sheetColumns } from './reconciliation.ts';
import { readMartColumns } from '../mart-columns.ts';
import { readPreviousBuilds } from '../previous-builds.ts';
import type { PreviousBuild } from '../previous-builds.ts';
import { frozenKeyColumns, workpaperContext, workpaperOptions, writeSignOff, writeSummaryHead } from './workpaper.ts';
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
import type { ColumnSpec } from './sheet.ts';

export const BUCKETS = [
  { key: 'bucket_current', bucket: 'current', label: 'Current' },
  { key: 'bucket_1_30', bucket: '1-30', label: '1–30 days' },
  { key: 'bucket_31_60', bucket: '31-60', label: '31–60 days' },
  { key: 'bucket_61_90', bucket: '61-90', label: '61–90 days' },
  { key: 'bucket_90_plus', bucket: '90+', label: 'Over 90 days' },
] as const;

const BY_CUSTOMER: ColumnSpec[] = [
  { key: 'company_code', header: 'Company', kind: 'text' },
  { key: 'customer_code', header: 'Customer', kind: 'text' },
  { key: 'customer_name', header: 'Customer name', kind: 'text' },
  ...BUCKETS.map((b): ColumnSpec => ({ key: b.key, header: b.label, kind: 'money', total: true })),
  { key: 'open_net_of_retainage', header: 'Open net of retainage', kind: 'money', total: true },
  { key: 'retainage_open', header: 'Retainage open', kind: 'money', total: true },
  { key: 'open_credits', header: 'Open credits', kind: 'money', total: true },
  { key: 'open_total', header: 'Open total', kind: 'money', total: true },
];

const DETAIL: ColumnSpec[] = [
  { key: 'company_code', header: 'Company', kind: 'text' },
  { key: 'customer_code', header: 'Customer', kind: 'text' },
  { key: 'customer_name', header: 'Customer name', kind: 'text' },
  { key: 'job_number', header: 'Job', kind: 'text' },
  { key: 'invoice_number', header: 'Invoice', kind: 'text' },
  { key: 'buildops_invoice_id', header: 'BuildOps invoice id', kind: 'text' },
  { key: 'invoice_date', header: 'Invoice date', kind: 'date' },
  { key: 'due_date', header: 'Due date', kind: 'date' },
  { key: 'days_past_due', header: 'Days past due', kind: 'int' },
  { key: 'aging_bucket', header: 'Bucket', kind: 'text' },
  { key: 'gross_amount', header: 'Gross', kind: 'money', total: true },
  { key: 'retainage_billed', header: 'Retainage billed', kind: 'money', total: true },
  { key: 'retainage_paid', header: 'Retainage paid', kind: 'money', total: true },
  { key: 'retainage_open', header: 'Retainage open', kind: 'money', total: true },
  { key: 'open_total', header: 'Open total', kind: 'money', total: true },
  { key: 'open_net_of_retainage', header: 'Open net of retainage', kind: 'money', total: true },
];

const SUMMARY_SHEET = 'Summary';
const CUSTOMER_SHEET = 'By customer';
const DETAIL_SHEET = 'Detail';

const EXTRA_SHEETS = [
  {
    name: 'By job',
    mart: 'ar_aging_by_job',
    columns: sheetColumns('ar_aging_by_job', [
      'company_code',
      'job_number',
      'job_description',
      'customer_code',
      'bucket_current',
      'bucket_1_30',
      'bucket_31_60',
      'bucket_61_90',
      'bucket_90_plus',
      'open_net_of_retainage',
      'retainage_open',
      'open_total',
    ]),
    orderBy: 'order by open_total desc, company_code, job_key',
  },
  {
    name: 'Retainage receivable',
    mart: 'retainage_schedule',
    columns: sheetColumns('retainage_schedule', [
      'company_code',
      'job_number',
      'job_description',
      'customer_code',
      'job_status',
      'retainage_billed',
      'retainage_collected',
      'retainage_open',
    ]),
    orderBy: 'order by retainage_open desc, company_code, job_number',
  },
];

/** Writes `ar-aging.xlsx` into options.outDir and returns its path. */
export async function writeArAgingWorkbook(options: ReportOptions): Promise<string> {
  const { warehouse, companyCode } = options;
  const path = join(options.outDir, 'ar-aging.xlsx');
  const workbook = newWorkbook(path);
  const marts = await readMartColumns(warehouse);
  const where = companyCode === null ? '' : `where company_code = ${sqlText(companyCode)}`;

  if (!marts.has('ar_aging') || !marts.has('ar_aging_by_customer')) {
    const missing = ['ar_aging', 'ar_aging_by_customer'].find((m) => !marts.has(m)) as string;
    writeNoticeSheet(workbook.addWorksheet(SUMMARY_SHEET), [
      `AR aging as of ${options.asOf}`,
      `not available: marts.${missing} was not built — its sources are not loaded`,
    ]);
    await workbook.commit();
    return path;
  }

  // Summary first: its figures come from the marts by SQL (exact decimals), and the sheets
  // written after it are laid out from the same counts, so its formulas can point at them.
  const customers = await prepareTable(warehouse, 'marts.ar_aging_by_customer', BY_CUSTOMER, where, marts.get('ar_aging_by_customer'));
  const detail = await prepareTable(warehouse, 'marts.ar_aging', DETAIL, where, marts.get('ar_aging'));
  const expected = await byCustomerTotals(options, where);
  const detailTotals = await detailBucketTotals(options, where);
  const paper = await workpaperContext(options);
  const history = historyOf(options);
  // meta.model_runs is read through the history connection: a reader role sees the marts only.
  const previousBuilds = (history ? await readPreviousBuilds(history) : []).filter((b) => b.mart === 'ar_aging' || b.mart === 'ar_aging_by_customer');
  writeSummary(workbook.addWorksheet(SUMMARY_SHEET, workpaperOptions(paper, SUMMARY_SHEET, { headerRows: 0 })), options, {
    customers,
    detail,
    expected,
    detailTotals,
    previousBuilds,
  });

  const sheet = (name: string, columns: readonly { key: string }[]): ExcelJS.Worksheet =>
    workbook.addWorksheet(name, workpaperOptions(paper, name, { frozenColumns: frozenKeyColumns(columns) }));
  await writeTableSheet(warehouse, sheet(CUSTOMER_SHEET, customers.columns), 'marts.ar_aging_by_customer', customers, {
    where,
    orderBy: 'order by open_total desc, company_code, customer_code',
  });
  await writeTableSheet(warehouse, sheet(DETAIL_SHEET, detail.columns), 'marts.ar_aging', detail, {
    where,
    orderBy: 'order by company_code, customer_code, due_date, invoice_number',
  });
  // AR aging by job and the retainage receivable schedule, when their marts were built.
  for (const extra of EXTRA_SHEETS) {
    if (!marts.has(extra.mart)) continue;
    const table = await prepareTable(warehouse, `marts.${extra.mart}`, extra.columns, where, marts.get(extra.mart));
    await writeTableSheet(warehouse, sheet(extra.name, table.columns), `marts.${extra.mart}`, table, { where, orderBy: extra.orderBy });
  }
  await workbook.commit();
  options.logger.info('report.excel', `wrote ${path}: ${customers.rows} customers, ${detail.rows} open invoices`, { path });
  return path;
}

type Totals = Record<string, string>;

async function byCustomerTotals(options: ReportOptions, where: string): Promise<Totals> {
  const keys = [...BUCKETS.map((b) => b.key), 'open_net_of_retainage', 'retainage_open', 'open_credits', 'open_total'];
  const [row] = await options.warehouse.query<Totals>(
    `select ${keys.map((k) => `cast(coalesce(sum(${k}), 0) as decimal(18, 2)) as ${k}`).join(', ')} from marts.ar_aging_by_customer ${where}`,
  );
  return row ?? {};
}

async function detailBucketTotals(options: ReportOptions, where: string): Promise<Totals> {
  const parts = BUCKETS.map(
    (b) => `cast(coalesce(sum(case when aging_bucket = ${sqlText(b.bucket)} then open_net_of_retainage else 0 end), 0) as decimal(18, 2)) as ${b.key}`,
  );
  for (const k of ['open_net_of_retainage', 'retainage_open', 'open_total']) parts.push(`cast(coalesce(sum(${k}), 0) as decimal(18, 2)) as ${k}`);
  const [row] = await options.warehouse.query<Totals>(`select ${parts.join(', ')} from marts.ar_aging ${where}`);
  return row ?? {};
}

interface SummaryInput {
  customers: Awaited<ReturnType<typeof prepareTable>>;
  detail: Awaited<ReturnType<typeof prepareTable>>;
  expected: Totals;
  detailTotals: Totals;
  /** The aging marts shown from their previous build (empty on a good night). */
  previousBuilds: readonly PreviousBuild[];
}

/**
 * The Summary: per measure, the Detail sheet's figure (a formula over Detail), the By customer
 * sheet's (a formula over it), the expected figure from marts.ar_aging_by_customer, and the
 * difference. The Open total row is the tie-out against Spectrum's open items: the ar_aging
 * model only builds when Σ open_total equals Σ Invoice_Balance of Spectrum's open type-I items.
 */
function writeSummary(sheet: ExcelJS.Worksheet, options: ReportOptions, input: SummaryInput): void {
  setWidths(sheet, [44, 20, 20, 26, 16, 16]);
  const bannerRows = writeSummaryHead(sheet, 'AR aging net of retainage', options, input.previousBuilds);
  sheet.addRow(['Open invoices', input.detail.rows]).commit();
  sheet.addRow(['Customers', input.customers.rows]).commit();
  sheet.addRow([]).commit();
  writeHeader(sheet, ['Measure', 'Detail sheet', 'By customer sheet', 'Expected (marts.ar_aging_by_customer)', 'Difference', 'Status']);

  const detailLast = Math.max(1 + input.detail.rows, 2);
  const customerLast = Math.max(1 + input.customers.rows, 2);
  const detailCol = (key: string): string =>
    `${sheetRef(DETAIL_SHEET)}!$${letterOf(input.detail.columns, key)}$2:$${letterOf(input.detail.columns, key)}$${detailLast}`;
  const customerCol = (key: string): string =>
    `${sheetRef(CUSTOMER_SHEET)}!$${letterOf(input.customers.columns, key)}$2:$${letterOf(input.customers.columns, key)}$${customerLast}`;

  const measures: { label: string; key: string; detail: string | null }[] = [
    ...BUCKETS.map((b) => ({
      label: `${b.label} (net of retainage)`,
      key: b.key,
      // SUMPRODUCT compares the bucket as text; SUMIF would read the criterion "1-30" as a date in Excel.
      detail: `SUMPRODUCT(--(${detailCol('aging_bucket')}="${b.bucket}"),${detailCol('open_net_of_retainage')})`,
    })),
    { label: 'Open net of retainage', key: 'open_net_of_retainage', detail: `SUM(${detailCol('open_net_of_retainage')})` },
    { label: 'Retainage open (not aged)', key: 'retainage_open', detail: `SUM(${detailCol('retainage_open')})` },
    { label: "Open total — tie-out against Spectrum's open items (type I)", key: 'open_total', detail: `SUM(${detailCol('open_total')})` },
    { label: 'Open credits (credit memos, unapplied payments; not in the buckets)', key: 'open_credits', detail: null },
  ];
  let rowNumber = 7 + bannerRows;
  for (const m of measures) {
    rowNumber += 1;
    const expected = cents(input.expected[m.key]);
    const fromDetail = m.detail === null ? null : cents(input.detailTotals[m.key]);
    const fromCustomers = expected; // the By customer sheet is the same mart, summed
    const compared = fromDetail ?? fromCustomers;
    const difference = compared - expected;
    const row = sheet.addRow([
      m.label,
      m.detail === null ? 'n/a' : { formula: m.detail, result: centsToNumber(fromDetail ?? 0n) },
      { formula: `SUM(${customerCol(m.key)})`, result: centsToNumber(fromCustomers) },
      centsToNumber(expected),
      { formula: m.detail === null ? `C${rowNumber}-D${rowNumber}` : `B${rowNumber}-D${rowNumber}`, result: centsToNumber(difference) },
      {
        formula: `IF(ABS(E${rowNumber})<0.005,"ties out","DOES NOT TIE")`,
        result: difference === 0n ? 'ties out' : 'DOES NOT TIE',
      },
    ] as ExcelJS.CellValue[]);
    for (const col of [2, 3, 4, 5]) row.getCell(col).numFmt = MONEY_FORMAT;
    if (m.key === 'open_total') row.font = { bold: true };
    row.commit();
  }
  const count = sheet.addRow([
    'Invoices (Detail rows)',
    { formula: `COUNTA(${detailCol('invoice_number')})`, result: input.detail.rows },
  ] as ExcelJS.CellValue[]);
  count.getCell(2).numFmt = INT_FORMAT;
  count.commit();
  sheet.addRow([]).commit();
  sheet
    .addRow(['Open total ties out to Σ Invoice_Balance of open type-I items in CR_OPEN_ITEM_MC: the ar_aging marts are rebuilt only when that check passes.'])
    .commit();
  writeSignOff(sheet);
  sheet.commit();
}

function letterOf(columns: readonly ColumnSpec[], key: string): string {
  return columnLetter(Math.max(columns.findIndex((c) => c.key === key) + 1, 1));
}
