/**
 * The CFO report's insight sections, one per question, read from the insight marts: customer
 * profitability after burden and overhead, cost codes running over, the cash cycle net of
 * retainage, service-to-project conversion, and subs below their customer's coverage requirement.
 * Each section's chart carries the answer; its table is the figures behind it. The tables'
 * columns, labels, order and filters are reports/insights-catalog.ts's (insights.xlsx's too).
 */
import { barChart } from '../charts/index.ts';
import { lineChart, ratioBarChart } from '../charts/insights.ts';
import { INSIGHTS as CATALOG, reportColumns } from '../insights-catalog.ts';
import type { Insight, InsightKind } from '../insights-catalog.ts';
import type { ColumnKind, ReportContext, Section, TableColumn } from './sections.ts';
import { build, headlines, section, topRows, where } from './sections.ts';

const INSIGHTS = 'insights.xlsx';
const CHART_ROWS = 12;
/** The report's kind of each catalog kind: counts as counts, days as the mart's exact text. */
const KINDS: Record<InsightKind, ColumnKind> = { text: 'text', money: 'money', percent: 'percent', date: 'date', int: 'count', bool: 'bool', days: 'text' };

/** The report table's columns of a catalog insight. */
function tableColumns(insight: Insight): TableColumn[] {
  return reportColumns(insight).map((c) => ({ key: c.key, label: c.reportLabel ?? c.label, kind: KINDS[c.kind] }));
}

/** The first rows of an insight's mart, as the catalog orders and filters them. */
function insightRows(ctx: ReportContext, insight: Insight): ReturnType<typeof topRows> {
  return topRows(ctx, insight.mart, tableColumns(insight), insight.filter ? [insight.filter] : [], insight.reportOrderBy ?? insight.orderBy, INSIGHTS);
}

const SEGMENTS = [
  { name: 'service', color: '#00897b' },
  { name: 'project', color: '#5e35b1' },
] as const;

/** Every insight section, in the order of the CFO's questions. */
export async function insightSections(ctx: ReportContext): Promise<Section[]> {
  return [await profitabilitySection(ctx), await overrunsSection(ctx), await cashCycleSection(ctx), await conversionSection(ctx), await coverageSection(ctx)];
}

/** Is each customer profitable after labor burden and overhead? A ranked bar of net profit, split service / project. */
export async function profitabilitySection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'customer-profitability',
    'Customer profitability after burden and overhead',
    'customer_profitability',
    'Revenue in the insight window net of sales tax, against payroll wages and burden, labor not yet costed, other job cost, and overhead on burdened labor — by customer, service and project work apart.',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    s.headlines = await headlines(ctx, mart, [
      { label: 'Customers', sql: 'count(distinct customer_code)', kind: 'count' },
      {
        label: 'Unprofitable (customer × segment)',
        sql: 'sum(case when is_unprofitable then 1 else 0 end)',
        kind: 'count',
        figure: 'customer_profitability.unprofitable',
      },
      { label: 'Revenue', sql: 'coalesce(sum(revenue), 0)', kind: 'money' },
      { label: 'Gross profit', sql: 'coalesce(sum(gross_profit), 0)', kind: 'money' },
      { label: 'Net profit', sql: 'coalesce(sum(net_profit), 0)', kind: 'money', figure: 'customer_profitability.net_profit' },
    ]);
    s.table = await insightRows(ctx, CATALOG.profitability);
    if (s.table.total === 0) {
      s.empty = 'No revenue or job cost in the window.';
      return;
    }
    // The customers ranked by net profit (the biggest losses first), each bar split by segment;
    // the values are for drawing only (the table shows the exact amounts).
    const all = await ctx.warehouse.query<{ customer: string; segment: string; value: string }>(
      `select coalesce(customer_name, customer_code) as customer, segment, cast(coalesce(net_profit, gross_profit) as varchar) as value
       from marts.${mart} ${where(ctx, mart)} order by customer_code, segment`,
    );
    const byCustomer = new Map<string, number>();
    for (const r of all) byCustomer.set(String(r.customer), (byCustomer.get(String(r.customer)) ?? 0) + Number(r.value));
    const labels = [...byCustomer]
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))
      .slice(0, CHART_ROWS)
      .map(([c]) => c);
    const ranked = all.filter((r) => labels.includes(String(r.customer)));
    s.chart = barChart({
      name: 'customer-profitability',
      title: 'Net profit by customer, after burden and overhead — the biggest losses first',
      data: ranked.map((r) => ({ label: String(r.customer), series: String(r.segment), value: Number(r.value) })),
      labels,
      series: SEGMENTS,
      xLabel: 'net profit',
    });
  });
}

/** Which cost codes run over budget — before it is locked in? Overrun and projected overrun per cost code. */
export async function overrunsSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'cost-code-overruns',
    'Cost codes running over budget',
    'cost_code_overruns',
    'Per phase + cost type across active jobs: cost already over the estimate, and the overrun projected when cost keeps its pace against the work billed (trending over while still under budget).',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    s.headlines = await headlines(ctx, mart, [
      { label: 'Job phases over budget', sql: 'coalesce(sum(jobs_over_budget), 0)', kind: 'count' },
      { label: 'Trending over', sql: 'coalesce(sum(jobs_trending_over), 0)', kind: 'count' },
      { label: 'Overrun', sql: 'coalesce(sum(overrun_amount), 0)', kind: 'money', figure: 'cost_code_overruns.overrun_amount' },
      { label: 'Projected overrun', sql: 'coalesce(sum(projected_overrun_amount), 0)', kind: 'money', figure: 'cost_code_overruns.projected_overrun_amount' },
    ]);
    const order = CATALOG.overruns.orderBy;
    s.table = await insightRows(ctx, CATALOG.overruns);
    if (s.table.total === 0) {
      s.empty = 'No cost code is over budget or trending over.';
      return;
    }
    const codes = await ctx.warehouse.query<{ code: string; overrun: string; projected: string }>(
      `select phase_code || ' ' || cost_type as code, cast(overrun_amount as varchar) as overrun, cast(projected_overrun_amount as varchar) as projected
       from marts.${mart} ${where(ctx, mart, 'overrun_amount + projected_overrun_amount > 0')} order by ${order} limit ${CHART_ROWS}`,
    );
    s.chart = barChart({
      name: 'cost-code-overruns',
      title: 'Overrun by cost code: already over budget, and projected at the current pace',
      data: codes.flatMap((c) => [
        { label: String(c.code), series: 'Over budget', value: Number(c.overrun) },
        { label: String(c.code), series: 'Projected (trending over)', value: Number(c.projected) },
      ]),
      labels: codes.map((c) => String(c.code)),
      series: [
        { name: 'Over budget', color: '#c62828' },
        { name: 'Projected (trending over)', color: '#fb8c00' },
      ],
    });
  });
}

/** What is the true cash conversion cycle, net of retainage? The DSO line month by month, and the cycle's parts. */
export async function cashCycleSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'cash-conversion',
    'Cash conversion cycle, net of retainage',
    'dso_trend',
    'DSO at each month end of the window, rebuilt from invoice and payment history, gross and net of retainage; the cycle = DSO net of retainage + billing days (under-billing lengthens it) − DPO.',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    if (ctx.marts.has('cash_conversion')) {
      const [cash] = await ctx.warehouse.query<Record<string, string | null>>(
        `select cast(dso_gross as varchar) as dso_gross, cast(dso_net_of_retainage as varchar) as dso_net, cast(retainage_days as varchar) as retainage_days,
           cast(dpo as varchar) as dpo, cast(billing_days as varchar) as billing_days, cast(cash_conversion_days as varchar) as cycle
         from marts.cash_conversion ${where(ctx, 'cash_conversion')} order by company_code limit 1`,
      );
      const days = (v: string | null | undefined): string => (v === null || v === undefined ? 'not available' : `${v} days`);
      s.headlines = [
        { label: 'DSO', value: days(cash?.dso_gross), kind: 'text' },
        { label: 'DSO net of retainage', value: days(cash?.dso_net), kind: 'text' },
        { label: 'Retainage adds', value: days(cash?.retainage_days), kind: 'text' },
        { label: 'Billing days', value: days(cash?.billing_days), kind: 'text' },
        { label: 'DPO', value: days(cash?.dpo), kind: 'text' },
        { label: 'Cash conversion cycle', value: days(cash?.cycle), kind: 'text' },
      ];
    }
    s.table = await insightRows(ctx, CATALOG.dsoTrend);
    if (s.table.total === 0) {
      s.empty = 'No invoices in the window.';
      return;
    }
    const trend = await ctx.warehouse.query<{ period_end: string; gross: string | null; net: string | null }>(
      `select cast(period_end as varchar) as period_end, cast(dso_gross as varchar) as gross, cast(dso_net_of_retainage as varchar) as net
       from marts.${mart} ${where(ctx, mart)} order by period_end`,
    );
    s.chart = lineChart({
      name: 'dso-trend',
      title: 'DSO over the last twelve months — gross, and net of retainage',
      points: trend.flatMap((t) => [
        ...(t.gross === null ? [] : [{ date: String(t.period_end), series: 'DSO', value: Number(t.gross) }]),
        ...(t.net === null ? [] : [{ date: String(t.period_end), series: 'DSO net of retainage', value: Number(t.net) }]),
      ]),
      series: [
        { name: 'DSO', color: '#1565c0' },
        { name: 'DSO net of retainage', color: '#2e7d32' },
      ],
      yLabel: 'days',
    });
  });
}

/** Where is service work converting to project work, and how profitable is it? The two groups' margins. */
export async function conversionSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'service-conversion',
    'Service work converted to projects',
    'service_conversion_summary',
    'BuildOps projects grown out of a service job (converted) against projects sold as projects (de novo): revenue, cost and the weighted gross margin of each group, to date.',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    s.table = await insightRows(ctx, CATALOG.conversionByOrigin);
    if (s.table.total === 0) {
      s.empty = 'No BuildOps projects.';
      return;
    }
    const groups = await ctx.warehouse.query<{ origin: string; projects: number; margin: string | null }>(
      `select origin, projects, cast(weighted_gross_margin as varchar) as margin from marts.${mart} ${where(ctx, mart)} order by origin`,
    );
    s.headlines = groups.map((g) => ({
      label: `${g.origin === 'de_novo' ? 'De novo' : g.origin === 'converted' ? 'Converted' : 'Origin not available'} (${String(g.projects)} projects)`,
      value: g.margin,
      kind: 'percent' as const,
    }));
    const named = (origin: string): string =>
      origin === 'de_novo' ? 'Sold as projects (de novo)' : origin === 'converted' ? 'Converted from service' : 'Origin not available';
    s.chart = ratioBarChart({
      name: 'service-conversion',
      title: 'Weighted gross margin: projects converted from service against projects sold as projects',
      bars: groups.filter((g) => g.margin !== null).map((g) => ({ label: named(String(g.origin)), series: named(String(g.origin)), value: Number(g.margin) })),
      series: [
        { name: 'Converted from service', color: '#00897b' },
        { name: 'Sold as projects (de novo)', color: '#5e35b1' },
        { name: 'Origin not available', color: '#9e9e9e' },
      ],
    });
  });
}

/** Are we paying subs in compliance with our customers' insurance requirements? The subs below requirement. */
export async function coverageSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'coverage-below-requirement',
    "Subcontractors below their customer's insurance requirement",
    'subcontractor_compliance',
    'Active assignments on jobs of customers that require a COI amount (customer_requirements.csv) whose current certificate covers less, or does not say how much.',
  );
  return build(ctx, base, async (s) => {
    const mart = s.mart;
    if (!ctx.marts.get(mart)?.has('required_coverage')) {
      s.unavailable = 'Not available: marts.subcontractor_compliance has no coverage columns yet (rebuild the models).';
      return;
    }
    const below = CATALOG.coverage.filter!;
    s.headlines = await headlines(ctx, mart, [
      { label: 'Assignments with a requirement', sql: 'sum(case when required_coverage is not null then 1 else 0 end)', kind: 'count' },
      {
        label: 'Below requirement',
        sql: `sum(case when ${below} then 1 else 0 end)`,
        kind: 'count',
        figure: 'subcontractor_compliance.coverage_below_requirement',
      },
      { label: 'Coverage not stated', sql: `sum(case when ${below} and coverage_amount is null then 1 else 0 end)`, kind: 'count' },
      { label: 'Their open AP', sql: `coalesce(sum(case when ${below} then open_ap_amount else 0 end), 0)`, kind: 'money' },
    ]);
    s.table = await insightRows(ctx, CATALOG.coverage);
    if (s.table.total === 0) {
      s.empty = "Every sub on a requiring customer's job covers the amount required.";
      return;
    }
    const subs = await ctx.warehouse.query<{ label: string; required: string; covered: string | null }>(
      `select vendor_code || ' on ' || job_number as label, cast(required_coverage as varchar) as required, cast(coverage_amount as varchar) as covered
       from marts.${mart} ${where(ctx, mart, below)} order by ${CATALOG.coverage.reportOrderBy} limit ${CHART_ROWS}`,
    );
    s.chart = barChart({
      name: 'coverage-below-requirement',
      title: 'COI coverage against the customer’s requirement — subs below it (no bar = amount not stated)',
      data: subs.flatMap((x) => [
        { label: String(x.label), series: 'Required', value: Number(x.required), panel: 'Required' },
        { label: String(x.label), series: 'Covered', value: x.covered === null ? 0 : Number(x.covered), panel: 'Covered' },
      ]),
      labels: subs.map((x) => String(x.label)),
      panels: ['Required', 'Covered'],
      series: [
        { name: 'Required', color: '#90a4ae' },
        { name: 'Covered', color: '#c62828' },
      ],
    });
  });
}
