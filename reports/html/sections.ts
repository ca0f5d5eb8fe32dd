/**
 * What the CFO report shows, section by section, read from `marts.*` (and, for data freshness
 * only, the latest successful load per source in `meta.loads`). A mart that was not built gives
 * its section a plain "not available" line; a mart that cannot be read gives the error, never a
 * crash of the whole report.
 */
import { readMartColumns } from '../mart-columns.ts';
import { errorMessage } from '../../lib/errors.ts';
import type { Row, Warehouse } from '../../load/index.ts';
import { barChart, waterfallChart } from '../charts/index.ts';
import type { BarDatum, Chart } from '../charts/index.ts';
import { catalogColumns, checkLabel, typeLabel } from '../catalog.ts';
import type { CatalogKind } from '../catalog.ts';
import { sqlText, toCents } from './format.ts';

export type ColumnKind = 'text' | 'money' | 'date' | 'timestamp' | 'count' | 'percent' | 'list' | 'status' | 'bool';

export interface TableColumn {
  key: string;
  label: string;
  kind: ColumnKind;
}

export interface SectionTable {
  columns: TableColumn[];
  rows: Row[];
  /** How many rows the mart (or the query) has in all; the table shows the first ones. */
  total: number;
  /** A totals row computed in SQL over every row, when the section has one. */
  totals?: Row;
  /** The workbook where every row is. */
  workbook: string;
}

export interface Headline {
  label: string;
  value: unknown;
  kind: ColumnKind;
  /** The key of this figure in meta.report_history, when it is tracked. */
  figure?: string;
}

export interface Section {
  id: string;
  title: string;
  mart: string;
  description: string;
  /** Set when the section cannot be shown: why, in a sentence. */
  unavailable: string | null;
  headlines: Headline[];
  chart: Chart | null;
  table: SectionTable | null;
  /** Shown instead of chart and table when the mart has no rows. */
  empty: string;
}

export interface CloseRow {
  check: string;
  area: string;
  open_findings: number;
  amount_at_risk: string;
  last_loaded_at: unknown;
  status: string;
  detail: string;
}

/** Past-due receivables net of retainage, by bucket (the exposure, which never blocks the close by itself). */
export interface ExposureBucket {
  key: string;
  label: string;
  amount: string;
}

export interface ClosePane {
  rows: CloseRow[];
  /** Past-due AR net of retainage by bucket, from marts.ar_aging_by_customer (null when not built). */
  exposure: ExposureBucket[] | null;
  /** Where the pane came from: always the mart (the report derives no close rules of its own). */
  source: 'close_status';
  unavailable: string | null;
  chart: Chart | null;
}

export interface Freshness {
  source: string;
  last_loaded_at: Date | null;
  resources: number;
}

export const TABLE_ROWS = 15;
const CHART_ROWS = 12;
const RECONCILIATION = 'reconciliation.xlsx';

export const STATUS_COLORS = [
  { name: 'blocking', color: '#c62828' },
  { name: 'attention', color: '#f9a825' },
  { name: 'ok', color: '#2e7d32' },
] as const;

/** What the report knows of the warehouse: which marts exist (with their columns) and the company scope. */
export interface ReportContext {
  warehouse: Warehouse;
  companyCode: string | null;
  asOf: string;
  marts: Map<string, Set<string>>;
}

/** Reads which marts exist and their columns (one catalog query). */
export async function reportContext(warehouse: Warehouse, companyCode: string | null, asOf: string): Promise<ReportContext> {
  return { warehouse, companyCode, asOf, marts: await readMartColumns(warehouse) };
}

/** The WHERE clause of a query on a mart: its company (when the report is for one) and any conditions. */
export function where(ctx: ReportContext, mart: string, ...conditions: string[]): string {
  const all = [...conditions];
  if (ctx.companyCode !== null && ctx.marts.get(mart)?.has('company_code')) all.push(`company_code = ${sqlText(ctx.companyCode)}`);
  return all.length > 0 ? `where ${all.join(' and ')}` : '';
}

function notBuilt(mart: string): string {
  return `Not available: marts.${mart} was not built — its sources are not loaded.`;
}

/** The columns of `wanted` that the mart has. */
function present(ctx: ReportContext, mart: string, wanted: TableColumn[]): TableColumn[] {
  const columns = ctx.marts.get(mart);
  return wanted.filter((c) => columns?.has(c.key));
}

/**
 * Names beside codes: for a mart with a customer_code (or job_number) but no name column, the
 * name from marts.customer_directory (job_directory) in a column right after the code.
 */
function withNames(ctx: ReportContext, mart: string, columns: TableColumn[]): { columns: TableColumn[]; joins: string; select: string } {
  const have = ctx.marts.get(mart) ?? new Set<string>();
  const out: TableColumn[] = [];
  const select: string[] = [];
  const joins: string[] = [];
  const company = have.has('company_code');
  for (const col of columns) {
    out.push(col);
    select.push(col.kind === 'money' || col.kind === 'percent' ? `cast(t.${col.key} as varchar) as ${col.key}` : `t.${col.key}`);
    if (col.key === 'customer_code' && !have.has('customer_name') && ctx.marts.has('customer_directory') && !columns.some((c) => c.key === 'customer_name')) {
      out.push({ key: 'customer_name', label: 'Customer name', kind: 'text' });
      select.push('cd.customer_name');
      joins.push(`left join marts.customer_directory cd on cd.customer_code = t.customer_code${company ? ' and cd.company_code = t.company_code' : ''}`);
    }
    if (col.key === 'job_number' && !have.has('job_description') && ctx.marts.has('job_directory')) {
      out.push({ key: 'job_description', label: 'Job description', kind: 'text' });
      select.push('jd.job_description');
      joins.push(`left join marts.job_directory jd on jd.job_number = t.job_number${company ? ' and jd.company_code = t.company_code' : ''}`);
    }
  }
  return { columns: out, joins: joins.join(' '), select: select.join(', ') };
}

/** The table of a section: the first rows in the given order, and how many there are in all. */
export async function topRows(
  ctx: ReportContext,
  mart: string,
  wanted: TableColumn[],
  filter: string[],
  orderBy: string,
  workbook = RECONCILIATION,
): Promise<SectionTable> {
  const named = withNames(ctx, mart, present(ctx, mart, wanted));
  const columns = named.columns;
  const clause = where(ctx, mart, ...filter);
  const rows = await ordered(ctx, mart, named.select, filter, orderBy, TABLE_ROWS, named.joins);
  const [count] = await ctx.warehouse.query<{ n: number | bigint }>(`select count(*) as n from marts.${mart} ${clause}`);
  return { columns, rows, total: Number(count?.n ?? 0), workbook };
}

/**
 * The first `limit` rows of a mart in the given order. The order is taken on the mart's own
 * columns (a window over the raw values), never on the text casts the select list makes.
 */
async function ordered<T = Row>(ctx: ReportContext, mart: string, select: string, filter: string[], orderBy: string, limit: number, joins = ''): Promise<T[]> {
  return ctx.warehouse.query<T>(
    `select ${select} from (select *, row_number() over (order by ${orderBy}) as report_row from marts.${mart} ${where(ctx, mart, ...filter)}) t
     ${joins} where t.report_row <= ${limit} order by t.report_row`,
  );
}

/** Count and money sums over a mart, in SQL (money comes back as exact text). */
export async function aggregate(ctx: ReportContext, mart: string, expressions: Record<string, string>, filter: string[] = []): Promise<Record<string, string>> {
  const list = Object.entries(expressions)
    .map(([alias, expression]) => `cast(${expression} as varchar) as ${alias}`)
    .join(', ');
  const [row] = await ctx.warehouse.query<Record<string, string>>(`select ${list} from marts.${mart} ${where(ctx, mart, ...filter)}`);
  return row ?? {};
}

/** A headline figure a section reads from its mart: the SQL aggregate that gives it, with the headline's label, kind and tracked key. */
export interface HeadlineSpec extends Omit<Headline, 'value'> {
  sql: string;
}

/** The section's headlines, every aggregate over the mart in one query; a count over no rows is 0. */
export async function headlines(ctx: ReportContext, mart: string, specs: readonly HeadlineSpec[], filter: string[] = []): Promise<Headline[]> {
  const totals = await aggregate(ctx, mart, Object.fromEntries(specs.map((h, i) => [`h${i}`, h.sql])), filter);
  return specs.map(({ sql: _sql, ...h }, i) => ({ ...h, value: h.kind === 'count' ? (totals[`h${i}`] ?? '0') : totals[`h${i}`] }));
}

/** A bar chart of one series, one bar per (label, value) row (values as numbers for drawing only). */
export function seriesBars(options: {
  name: string;
  title: string;
  series: { name: string; color: string };
  rows: readonly { label: string; value: string }[];
  format?: 'count' | 'money';
}): Chart {
  const { rows, series, ...chart } = options;
  return barChart({ ...chart, data: rows.map((r) => ({ label: String(r.label), series: series.name, value: Number(r.value) })), series: [series] });
}

/** Count or money per category, for a bar chart (values as numbers for drawing only). */
async function perCategory(
  ctx: ReportContext,
  mart: string,
  category: string,
  value: string,
  filter: string[] = [],
): Promise<{ label: string; value: string }[]> {
  return ctx.warehouse.query<{ label: string; value: string }>(
    `select cast(${category} as varchar) as label, cast(${value} as varchar) as value from marts.${mart} ${where(ctx, mart, ...filter)}
     group by ${category} order by ${value} desc, ${category} limit ${CHART_ROWS}`,
  );
}

/** An empty section of the report, to be filled by `build`. */
export function section(id: string, title: string, mart: string, description: string): Section {
  return { id, title, mart, description, unavailable: null, headlines: [], chart: null, table: null, empty: '' };
}

/** Builds one section with `fill`, turning a missing mart or a failing query into a sentence. */
export async function build(ctx: ReportContext, base: Section, fill: (s: Section) => Promise<void>): Promise<Section> {
  if (!ctx.marts.has(base.mart)) return { ...base, unavailable: notBuilt(base.mart) };
  try {
    await fill(base);
  } catch (error) {
    return { ...base, headlines: [], chart: null, table: null, unavailable: `Could not be read from marts.${base.mart}: ${errorMessage(error)}` };
  }
  return base;
}

const HTML_KINDS: Record<CatalogKind, ColumnKind> = {
  text: 'text',
  money: 'money',
  date: 'date',
  timestamp: 'timestamp',
  int: 'count',
  number: 'text',
  percent: 'percent',
  bool: 'bool',
  list: 'list',
  status: 'status',
};

/** The table columns of a mart from the one catalog (reports/catalog.ts). */
export function columnsOf(mart: string, keys: readonly string[]): TableColumn[] {
  return catalogColumns(mart, keys).map((col) => ({ key: col.key, label: col.label, kind: HTML_KINDS[col.kind] }));
}

const BUCKETS = [
  { key: 'bucket_current', name: 'Current', color: '#43a047' },
  { key: 'bucket_1_30', name: '1–30', color: '#c0ca33' },
  { key: 'bucket_31_60', name: '31–60', color: '#fbc02d' },
  { key: 'bucket_61_90', name: '61–90', color: '#fb8c00' },
  { key: 'bucket_90_plus', name: '90+', color: '#d32f2f' },
] as const;
const RETAINAGE_COLOR = '#5c6bc0';

/** AR aging net of retainage: stacked buckets for the top customers, retainage beside them. */
export async function arAgingSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'ar-aging',
    'AR aging, net of retainage',
    'ar_aging_by_customer',
    'Open receivables by days past due, net of retainage; retainage is not aged and is shown beside the buckets. Open credits (credit memos, unapplied payments) are never bucketed.',
  );
  return build(ctx, base, async (s) => {
    const mart = 'ar_aging_by_customer';
    const sums = [
      'bucket_current',
      'bucket_1_30',
      'bucket_31_60',
      'bucket_61_90',
      'bucket_90_plus',
      'open_net_of_retainage',
      'retainage_open',
      'open_credits',
      'open_total',
    ];
    const totals = await aggregate(
      ctx,
      mart,
      Object.fromEntries([
        ...sums.map((c) => [c, `coalesce(sum(${c}), 0)`]),
        ['customers', 'count(*)'],
        // What the customers owe once their credits are applied: open total + open credits (negative).
        ['net_after_credits', 'coalesce(sum(open_total + open_credits), 0)'],
      ]),
    );
    s.headlines = [
      { label: 'Open, net of retainage', value: totals.open_net_of_retainage, kind: 'money', figure: 'ar.open_net_of_retainage' },
      { label: '90+ days past due', value: totals.bucket_90_plus, kind: 'money', figure: 'ar.bucket_90_plus' },
      { label: 'Retainage open', value: totals.retainage_open, kind: 'money', figure: 'ar.retainage_open' },
      { label: 'Open credits', value: totals.open_credits, kind: 'money', figure: 'ar.open_credits' },
      { label: 'Open total', value: totals.open_total, kind: 'money', figure: 'ar.open_total' },
      { label: 'Net AR after credits', value: totals.net_after_credits, kind: 'money', figure: 'ar.net_after_credits' },
    ];
    const name = ctx.marts.get(mart)?.has('customer_name') ? 'customer_name' : 'customer_code';
    const columns = columnsOf(mart, [
      'customer_code',
      'customer_name',
      ...BUCKETS.map((b) => b.key),
      'open_net_of_retainage',
      'retainage_open',
      'open_credits',
      'open_total',
    ]);
    s.table = await topRows(ctx, mart, columns, [], 'open_total desc, customer_code', 'ar-aging.xlsx');
    s.table.totals = { customer_code: 'Total', ...totals, customer_name: `${totals.customers ?? '0'} customers` };
    if (s.table.total === 0) {
      s.empty = 'No open receivables.';
      return;
    }
    const top = await ordered<Record<string, string>>(
      ctx,
      mart,
      `customer_code, ${name === 'customer_name' ? 'customer_name' : 'customer_code as customer_name'}, ${sums.map((c) => `cast(${c} as varchar) as ${c}`).join(', ')}`,
      [],
      'open_total desc, customer_code',
      CHART_ROWS,
    );
    const label = (r: Record<string, string>): string => (r.customer_name ? `${r.customer_name} (${r.customer_code})` : String(r.customer_code));
    const data: BarDatum[] = [];
    for (const r of top) {
      for (const b of BUCKETS) data.push({ label: label(r), series: b.name, value: Number(r[b.key] ?? 0), panel: 'Aging, net of retainage' });
      data.push({ label: label(r), series: 'Retainage', value: Number(r.retainage_open ?? 0), panel: 'Retainage open' });
    }
    s.chart = barChart({
      name: 'ar-aging',
      title: `AR aging net of retainage — top ${top.length} customers by open total`,
      data,
      labels: top.map(label),
      panels: ['Aging, net of retainage', 'Retainage open'],
      series: [...BUCKETS.map((b) => ({ name: b.name, color: b.color })), { name: 'Retainage', color: RETAINAGE_COLOR }],
    });
  });
}

/** A findings section: headline count and amount, a chart per category, and the largest findings. */
async function findingsSection(
  ctx: ReportContext,
  base: Section,
  spec: {
    filter: string[];
    amountLabel: string;
    category: string;
    chartBy: 'count' | 'amount';
    columns: TableColumn[];
    orderBy: string;
    empty: string;
    color: string;
    figure: string;
  },
): Promise<Section> {
  return build(ctx, base, async (s) => {
    // The mart's own amount_at_risk, the column marts.close_status sums: one definition.
    s.headlines = await headlines(
      ctx,
      s.mart,
      [
        { label: 'Findings', sql: 'count(*)', kind: 'count', figure: `${spec.figure}.open_findings` },
        { label: spec.amountLabel, sql: 'coalesce(sum(amount_at_risk), 0)', kind: 'money', figure: `${spec.figure}.amount_at_risk` },
      ],
      spec.filter,
    );
    s.table = await topRows(ctx, s.mart, spec.columns, spec.filter, spec.orderBy);
    if (s.table.total === 0) {
      s.empty = spec.empty;
      return;
    }
    const value = spec.chartBy === 'count' ? 'count(*)' : 'coalesce(sum(amount_at_risk), 0)';
    const categories = await perCategory(ctx, s.mart, spec.category, value, spec.filter);
    s.chart = seriesBars({
      name: s.id,
      title: `${s.title} — ${spec.chartBy === 'count' ? 'findings' : spec.amountLabel.toLowerCase()} by ${spec.category.replace(/_/g, ' ')}`,
      rows: categories.map((c) => ({ label: typeLabel(c.label), value: c.value })),
      series: { name: spec.chartBy === 'count' ? 'Findings' : spec.amountLabel, color: spec.color },
      format: spec.chartBy === 'count' ? 'count' : 'money',
    });
  });
}

/** Payment-status drift: invoices whose status differs between BuildOps and Spectrum. */
export function invoiceStatusSection(ctx: ReportContext): Promise<Section> {
  return findingsSection(
    ctx,
    section(
      'payment-status-drift',
      'Payment-status drift',
      'invoice_status',
      'Invoices whose status or amount differs between BuildOps and Spectrum: missing in Spectrum, awaiting posting, payments not reflected, amount mismatches.',
    ),
    {
      filter: ['drift_type is not null'],
      amountLabel: 'Amount at risk',
      category: 'drift_type',
      chartBy: 'amount',
      color: '#ef6c00',
      figure: 'invoice_status',
      columns: columnsOf('invoice_status', [
        'drift_type',
        'invoice_number',
        'job_number',
        'customer_code',
        'buildops_status',
        'spectrum_status',
        'buildops_total',
        'spectrum_gross',
        'amount_at_risk',
      ]),
      orderBy: 'amount_at_risk desc nulls last, invoice_number',
      empty: 'No drift: every invoice agrees between the two systems.',
    },
  );
}

/** Cost-code drift: mapping findings between BuildOps items and Spectrum phases. */
export function costCodeDriftSection(ctx: ReportContext): Promise<Section> {
  return findingsSection(
    ctx,
    section(
      'cost-code-drift',
      'Cost-code drift',
      'cost_code_drift',
      'BuildOps pricebook items whose Spectrum phase and cost type are unmapped, missing, inactive, or were posted elsewhere.',
    ),
    {
      filter: [],
      amountLabel: 'Amount at risk',
      category: 'finding_type',
      chartBy: 'count',
      color: '#8e24aa',
      figure: 'cost_code_drift',
      columns: columnsOf('cost_code_drift', [
        'finding_type',
        'item_code',
        'job_number',
        'phase_code',
        'cost_type',
        'mapped_phase_code',
        'mapped_cost_type',
        'invoice_number',
        'amount_at_risk',
        'detail',
      ]),
      orderBy: 'amount_at_risk desc nulls last, finding_type, item_code',
      empty: 'No cost-code drift.',
    },
  );
}

/** Double billing at risk: the same work billed twice, and AIA tie-out breaks. */
export function billingDuplicatesSection(ctx: ReportContext): Promise<Section> {
  return findingsSection(
    ctx,
    section(
      'double-billing',
      'Double billing at risk',
      'billing_duplicates',
      'Work billed in both systems, duplicate BuildOps invoices, and AIA applications whose previous-completed or scheduled values do not tie out.',
    ),
    {
      filter: [],
      amountLabel: 'Amount at risk',
      category: 'finding_type',
      chartBy: 'amount',
      color: '#c62828',
      figure: 'billing_duplicates',
      columns: columnsOf('billing_duplicates', [
        'finding_type',
        'source_system',
        'job_number',
        'application_number',
        'invoice_number',
        'amount_at_risk',
        'detail',
      ]),
      orderBy: 'amount_at_risk desc nulls last, finding_type, job_number',
      empty: 'No double billing found.',
    },
  );
}

/** Retainage reconciliation: retainage billed per job in BuildOps against Spectrum. */
export async function retainageSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'retainage',
    'Retainage reconciliation',
    'retainage_reconciliation',
    'Retainage billed per job in BuildOps against Spectrum, with what Spectrum has paid and still holds open.',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    s.headlines = await headlines(ctx, mart, [
      { label: 'Jobs with retainage', sql: 'count(*)', kind: 'count' },
      {
        label: 'Mismatched jobs',
        sql: "sum(case when status = 'mismatch' then 1 else 0 end)",
        kind: 'count',
        figure: 'retainage_reconciliation.open_findings',
      },
      {
        label: 'Amount at risk (Σ |difference| on mismatches)',
        sql: 'coalesce(sum(amount_at_risk), 0)',
        kind: 'money',
        figure: 'retainage_reconciliation.amount_at_risk',
      },
      { label: 'Retainage open in Spectrum', sql: 'coalesce(sum(spectrum_retainage_open), 0)', kind: 'money' },
    ]);
    s.table = await topRows(
      ctx,
      mart,
      columnsOf('retainage_reconciliation', [
        'job_number',
        'customer_code',
        'buildops_retainage_billed',
        'spectrum_retainage_billed',
        'spectrum_retainage_paid',
        'spectrum_retainage_open',
        'difference',
        'status',
      ]),
      [],
      "case when status = 'mismatch' then 0 else 1 end, abs(difference) desc, job_number",
    );
    if (s.table.total === 0) {
      s.empty = 'No job has retainage billed.';
      return;
    }
    // The point is the differences: one bar per mismatched job, BuildOps minus Spectrum.
    const jobs = await ctx.warehouse.query<{ job_number: string; job_description: string | null; difference: string }>(
      `select t.job_number, ${ctx.marts.has('job_directory') ? 'jd.job_description' : 'cast(null as varchar) as job_description'}, cast(t.difference as varchar) as difference
       from marts.${mart} t ${ctx.marts.has('job_directory') ? 'left join marts.job_directory jd on jd.company_code = t.company_code and jd.job_number = t.job_number' : ''}
       ${where(ctx, mart, "status = 'mismatch'")
         .replace(/\bcompany_code\b/g, 't.company_code')
         .replace(/\bstatus\b/g, 't.status')}
       order by abs(t.difference) desc, t.job_number limit ${CHART_ROWS}`,
    );
    if (jobs.length > 0) {
      const label = (j: { job_number: string; job_description: string | null }): string =>
        j.job_description ? `${j.job_number} ${j.job_description}` : String(j.job_number);
      s.chart = barChart({
        name: 'retainage',
        title: 'Retainage billed: BuildOps minus Spectrum, on the jobs that differ',
        data: jobs.map((j) => ({
          label: label(j),
          series: toCents(j.difference) >= 0n ? 'BuildOps billed more' : 'Spectrum billed more',
          value: Number(j.difference),
        })),
        labels: jobs.map(label),
        series: [
          { name: 'BuildOps billed more', color: '#0277bd' },
          { name: 'Spectrum billed more', color: '#5c6bc0' },
        ],
      });
    }
  });
}

/** From BuildOps' AR to Spectrum's to the general ledger: the bridge as a waterfall, and each control account's tie-out. */
export async function arBridgeSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'ar-gl-tieout',
    'AR bridge and GL tie-out',
    'ar_gl_tieout',
    "From BuildOps' open AR to Spectrum's, every dollar on a line (invoices not in Spectrum, awaiting posting, Spectrum-only items, amount and payment differences), then Spectrum's receivables against the AR control accounts of the general ledger: journal entries posted straight to an account explain a difference; the rest is unexplained.",
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    const gl = await aggregate(ctx, mart, {
      subledger: 'coalesce(sum(subledger_balance), 0)',
      gl: 'coalesce(sum(gl_balance), 0)',
      explained: 'coalesce(sum(explained_by_entries), 0)',
      unexplained: 'coalesce(sum(amount_at_risk), 0)',
    });
    const steps = ctx.marts.has('ar_bridge_summary')
      ? await ctx.warehouse.query<{ line: string; records: number; amount: string }>(
          `select line, records, cast(amount as varchar) as amount from marts.ar_bridge_summary ${where(ctx, 'ar_bridge_summary')} order by step`,
        )
      : [];
    const start = steps.find((r) => r.line === 'buildops_open_ar');
    const end = steps.find((r) => r.line === 'spectrum_open_ar');
    s.headlines = [
      ...(start ? [{ label: 'BuildOps open AR', value: start.amount, kind: 'money' as const, figure: 'bridge.buildops_open_ar' }] : []),
      ...(end ? [{ label: 'Spectrum open AR', value: end.amount, kind: 'money' as const, figure: 'bridge.spectrum_open_ar' }] : []),
      { label: 'General ledger (AR accounts)', value: gl.gl, kind: 'money', figure: 'gl.balance' },
      { label: 'Explained by journal entries', value: gl.explained, kind: 'money' },
      { label: 'Amount at risk (unexplained)', value: gl.unexplained, kind: 'money', figure: 'ar_gl_tieout.amount_at_risk' },
    ];
    s.table = await topRows(
      ctx,
      mart,
      columnsOf(mart, ['gl_account', 'description', 'subledger_balance', 'gl_balance', 'difference', 'explained_by_entries', 'unexplained', 'status']),
      [],
      'gl_account',
    );
    if (s.table.total === 0) {
      s.empty = 'No AR control account is set in Spectrum (CR_INSTALLATION_MC).';
      return;
    }
    if (start && end) {
      const glDifference = Number(gl.gl) - Number(end.amount);
      s.chart = waterfallChart({
        name: 'ar-gl-tieout',
        title: 'BuildOps open AR → each bridge line → Spectrum open AR → the general ledger',
        steps: [
          { label: typeLabel('buildops_open_ar'), value: Number(start.amount), kind: 'total' },
          ...steps
            .filter((r) => r.line !== 'buildops_open_ar' && r.line !== 'spectrum_open_ar' && Number(r.records) > 0)
            .map((r) => ({ label: typeLabel(r.line), value: Number(r.amount), kind: 'change' as const })),
          { label: typeLabel('spectrum_open_ar'), value: Number(end.amount), kind: 'total' },
          ...(glDifference !== 0 ? [{ label: 'GL minus subledger', value: glDifference, kind: 'change' as const }] : []),
          { label: 'General ledger', value: Number(gl.gl), kind: 'total' },
        ],
      });
    }
  });
}

/** Subcontractors blocked from AP release by compliance. */
export async function complianceSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'subcontractors-blocked',
    'Subcontractors blocked from AP release',
    'subcontractor_compliance',
    'Active subcontractor assignments missing a current COI, a W-9 or a lien waiver: their open AP must not be released.',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    const blocked = 'not is_compliant';
    s.headlines = await headlines(ctx, mart, [
      { label: 'Active assignments', sql: 'count(*)', kind: 'count' },
      { label: 'Blocked', sql: `sum(case when ${blocked} then 1 else 0 end)`, kind: 'count', figure: 'subcontractor_compliance.open_findings' },
      { label: 'Open AP held', sql: 'coalesce(sum(amount_at_risk), 0)', kind: 'money', figure: 'subcontractor_compliance.amount_at_risk' },
    ]);
    s.table = await topRows(
      ctx,
      mart,
      columnsOf('subcontractor_compliance', [
        'vendor_code',
        'vendor_name',
        'job_number',
        'reasons',
        'coi_expires_on',
        'w9_on_file',
        'lien_waiver_on',
        'amount_at_risk',
      ]),
      [blocked],
      'open_ap_amount desc nulls last, vendor_code, job_number',
    );
    if (s.table.total === 0) {
      s.empty = 'Every active subcontractor is compliant.';
      return;
    }
    const vendors = await ctx.warehouse.query<{ label: string; value: string }>(
      `select coalesce(vendor_name, vendor_code) as label, cast(coalesce(sum(open_ap_amount), 0) as varchar) as value
       from marts.${mart} ${where(ctx, mart, blocked)} group by coalesce(vendor_name, vendor_code) order by coalesce(sum(open_ap_amount), 0) desc limit ${CHART_ROWS}`,
    );
    s.chart = seriesBars({
      name: 'subcontractors-blocked',
      title: 'Open AP held by compliance — blocked subcontractors',
      rows: vendors,
      series: { name: 'Open AP held', color: '#6d4c41' },
    });
  });
}

/** Service-ticket batches: the proposed daily summary invoices. */
export async function serviceBatchesSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'service-ticket-batches',
    'Service-ticket batches',
    'service_ticket_batches',
    'Approved BuildOps service tickets not yet synced, grouped into one proposed summary AR invoice per customer, day and cost center.',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    s.headlines = await headlines(ctx, mart, [
      { label: 'Batches', sql: 'count(*)', kind: 'count', figure: 'service_ticket_batches.open_findings' },
      { label: 'Tickets', sql: 'coalesce(sum(ticket_count), 0)', kind: 'count' },
      { label: 'Total to invoice', sql: 'coalesce(sum(amount_at_risk), 0)', kind: 'money', figure: 'service_ticket_batches.amount_at_risk' },
    ]);
    s.table = await topRows(
      ctx,
      mart,
      columnsOf('service_ticket_batches', ['customer_code', 'issue_date', 'cost_center', 'ticket_count', 'subtotal', 'tax_amount', 'total_amount']),
      [],
      'total_amount desc, batch_key',
    );
    if (s.table.total === 0) {
      s.empty = 'No service tickets are waiting to be batched.';
      return;
    }
    const customers = await perCategory(ctx, mart, 'customer_code', 'coalesce(sum(total_amount), 0)');
    s.chart = seriesBars({
      name: 'service-ticket-batches',
      title: 'Service tickets waiting to be invoiced — total by customer',
      rows: customers,
      series: { name: 'Total to invoice', color: '#00897b' },
    });
  });
}

/** WIP: over/under billing by job, the largest first. */
export async function wipSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'wip',
    'Work in progress — over/under billing',
    'wip_schedule',
    'Per active job: earned revenue (percent complete × contract, including labor payroll has not costed yet) against billed to date. Over-billing is a liability; under-billing is unbilled revenue.',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    s.headlines = await headlines(ctx, mart, [
      { label: 'Active jobs', sql: 'count(*)', kind: 'count' },
      {
        label: 'Over-billed',
        sql: 'coalesce(sum(case when over_under_billing > 0 then over_under_billing else 0 end), 0)',
        kind: 'money',
        figure: 'wip.over_billed',
      },
      {
        label: 'Under-billed',
        sql: 'coalesce(sum(case when over_under_billing < 0 then over_under_billing else 0 end), 0)',
        kind: 'money',
        figure: 'wip.under_billed',
      },
      { label: 'Net over/(under)', sql: 'coalesce(sum(over_under_billing), 0)', kind: 'money' },
      { label: 'Labor not yet costed', sql: 'coalesce(sum(unprocessed_labor_cost), 0)', kind: 'money' },
      { label: 'Jobs over budget', sql: 'sum(case when amount_at_risk > 0 then 1 else 0 end)', kind: 'count', figure: 'wip_schedule.open_findings' },
      { label: 'Amount at risk (cost beyond estimate)', sql: 'coalesce(sum(amount_at_risk), 0)', kind: 'money', figure: 'wip_schedule.amount_at_risk' },
    ]);
    const order = 'abs(over_under_billing) desc nulls last, job_number';
    s.table = await topRows(
      ctx,
      mart,
      columnsOf('wip_schedule', [
        'job_number',
        'customer_code',
        'contract_amount',
        'estimated_cost',
        'cost_with_unprocessed',
        'unprocessed_labor_cost',
        'percent_complete',
        'earned_revenue',
        'billed_to_date',
        'over_under_billing',
        'over_under_billing_payroll_only',
        'gross_profit_to_date',
        'detail',
      ]),
      [],
      order,
    );
    if (s.table.total === 0) {
      s.empty = 'No active jobs.';
      return;
    }
    const jobs = await ctx.warehouse.query<{ job_number: string; value: string }>(
      `select ${ctx.marts.has('job_directory') ? "t.job_number || coalesce(' ' || jd.job_description, '')" : 't.job_number'} as job_number, cast(t.over_under_billing as varchar) as value
       from marts.${mart} t ${ctx.marts.has('job_directory') ? 'left join marts.job_directory jd on jd.company_code = t.company_code and jd.job_number = t.job_number' : ''}
       ${where(ctx, mart, 'over_under_billing is not null')
         .replace(/\bcompany_code\b/g, 't.company_code')
         .replace(/\bover_under_billing\b/g, 't.over_under_billing')}
       order by abs(t.over_under_billing) desc nulls last, t.job_number limit ${CHART_ROWS}`,
    );
    s.chart = barChart({
      name: 'wip',
      title: 'Over/(under) billing by job — the largest first',
      data: jobs.map((j) => ({ label: String(j.job_number), series: toCents(j.value) >= 0n ? 'Over-billed' : 'Under-billed', value: Number(j.value) })),
      labels: jobs.map((j) => String(j.job_number)),
      series: [
        { name: 'Over-billed', color: '#c62828' },
        { name: 'Under-billed', color: '#1565c0' },
      ],
    });
  });
}

/** The close status: every check with its status and amount at risk, from marts.close_status or derived from the marts present. */
export async function closePane(ctx: ReportContext): Promise<ClosePane> {
  const mart = 'close_status';
  let rows: CloseRow[];
  const source: ClosePane['source'] = 'close_status';
  // The close rules live in marts.close_status alone: without it the report says so and
  // derives nothing (a second copy of the rules would disagree with the mart).
  if (!ctx.marts.has(mart)) {
    return {
      rows: [],
      exposure: null,
      source,
      unavailable:
        'Not available: marts.close_status was not built, so this report cannot say what blocks the close. Run the models (plumbline models) once both sources are loaded.',
      chart: null,
    };
  }
  try {
    {
      const columns = ctx.marts.get(mart)!;
      const optional = (name: string, fallback: string): string => (columns.has(name) ? name : `${fallback} as ${name}`);
      rows = await ctx.warehouse.query<CloseRow>(
        `select "check", ${optional('area', "''")}, open_findings, cast(coalesce(amount_at_risk, 0) as varchar) as amount_at_risk, ${optional('last_loaded_at', 'null')}, status, ${optional('detail', "''")}
         from marts.close_status ${where(ctx, mart)}`,
      );
    }
    const rank = (status: string): number => ['blocking', 'attention', 'ok'].indexOf(status) + 1 || 9;
    const cents = (r: CloseRow): bigint => toCents(r.amount_at_risk);
    rows.sort(
      (a, b) => rank(a.status) - rank(b.status) || (cents(b) > cents(a) ? 1 : cents(b) < cents(a) ? -1 : 0) || String(a.check).localeCompare(String(b.check)),
    );
  } catch (error) {
    return { rows: [], exposure: null, source, unavailable: `Could not be read from marts.${mart}: ${errorMessage(error)}`, chart: null };
  }
  // Only what blocks the close is charted, and only checks with money at risk: unlike amounts
  // (exposure, cash held) are never drawn on one axis with it.
  const drawn = rows.filter((r) => r.status === 'blocking' && toCents(r.amount_at_risk) !== 0n);
  const chart =
    drawn.length === 0
      ? null
      : barChart({
          name: 'close-status',
          title: 'What blocks the close — amount at risk by check',
          data: drawn.map((r) => ({ label: checkLabel(r.check), series: r.status, value: Number(r.amount_at_risk) })),
          labels: drawn.map((r) => checkLabel(r.check)),
          series: [...STATUS_COLORS],
          format: 'money',
        });
  return { rows, exposure: await pastDue(ctx), source, unavailable: null, chart };
}

/** Past-due AR net of retainage per bucket (1–30 … 90+), summed over every customer in SQL. */
async function pastDue(ctx: ReportContext): Promise<ExposureBucket[] | null> {
  const mart = 'ar_aging_by_customer';
  if (!ctx.marts.has(mart)) return null;
  const past = BUCKETS.filter((b) => b.key !== 'bucket_current');
  const sums = await aggregate(ctx, mart, Object.fromEntries(past.map((b) => [b.key, `coalesce(sum(${b.key}), 0)`])));
  return past.map((b) => ({ key: b.key, label: `${b.name} days`, amount: sums[b.key] ?? '0.00' }));
}

/** The latest successful load per source, from meta.loads (the one thing the report reads outside marts). */
export async function freshness(warehouse: Warehouse): Promise<Freshness[]> {
  const meta = await warehouse.listRelations('meta');
  if (!meta.some((r) => r.name === 'loads')) return [];
  const rows = await warehouse.query<{ source: string; last_loaded_at: Date | null; resources: number | bigint }>(
    `select source, max(finished_at) as last_loaded_at, count(distinct resource) as resources from meta.loads where status in ('loaded', 'unchanged') group by source order by source`,
  );
  return rows.map((r) => ({ source: r.source, last_loaded_at: r.last_loaded_at, resources: Number(r.resources) }));
}
