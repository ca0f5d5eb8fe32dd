/**
 * The one definition of the insights the reports show (the CFO's questions): per insight its
 * mart, order, filter and columns — each column's key, label, kind (and so its format), and in
 * the workbook its formula over the row's own cells. `insights.xlsx` (reports/excel/insights.ts)
 * and the CFO report's insight sections (reports/html/insights.ts) both render from here; a
 * column shown by only one of them says which.
 */

/** How an insight column is read and shown: `days` is a count of days to one decimal. */
export type InsightKind = 'text' | 'money' | 'percent' | 'date' | 'int' | 'bool' | 'days';

/** One column of an insight. */
export interface InsightColumn {
  key: string;
  /** The column's heading (the workbook's; the report's too unless `reportLabel`). */
  label: string;
  kind: InsightKind;
  /** The CFO report's shorter heading, when it has one. */
  reportLabel?: string;
  /** Shown only in the workbook (a formula the reader checks) or only in the report. */
  only?: 'workbook' | 'report';
  /** Workbook: an Excel formula over this row, with `{key}` standing for the cell of another column; the mart's `key` value is its cached result. */
  formula?: string;
  /** Workbook: the cached result of a formula column the mart has no column for, from the row's values (exact text in, a number out). */
  cached?: (row: Record<string, unknown>) => number | null;
  /** Workbook: the column width. */
  width?: number;
}

/** One insight: a sheet of insights.xlsx and, where the CFO report has a section for it, that section's table. */
export interface Insight {
  /** The workbook sheet's name. */
  sheet: string;
  mart: string;
  orderBy: string;
  /** The report table's order, when it differs from the sheet's. */
  reportOrderBy?: string;
  /** A SQL condition the rows shown meet. */
  filter?: string;
  columns: readonly InsightColumn[];
}

/** Exact text (`-12.3`, `1000000.00`) as an integer of tenths or hundredths, so cached sums never drift in floating point. */
const tenths = (value: unknown): number => Math.round(Number(value) * 10);
const hundredths = (value: unknown): number => Math.round(Number(value) * 100);

/** Is each customer profitable after labor burden and overhead? */
const PROFITABILITY: Insight = {
  sheet: 'Profitability',
  mart: 'customer_profitability',
  orderBy: 'coalesce(net_profit, gross_profit), customer_code, segment',
  columns: [
    { key: 'customer_code', label: 'Customer', kind: 'text' },
    { key: 'customer_name', label: 'Name', kind: 'text', width: 30 },
    { key: 'segment', label: 'Segment', kind: 'text' },
    { key: 'revenue', label: 'Revenue', kind: 'money' },
    { key: 'labor_cost', label: 'Wages', kind: 'money' },
    { key: 'labor_burden', label: 'Burden', kind: 'money' },
    { key: 'unprocessed_labor_cost', label: 'Uncosted labor', kind: 'money' },
    { key: 'other_direct_cost', label: 'Other cost', kind: 'money' },
    {
      key: 'direct_cost',
      label: 'Direct cost',
      kind: 'money',
      only: 'workbook',
      formula: '{labor_cost}+{labor_burden}+{unprocessed_labor_cost}+{other_direct_cost}',
    },
    { key: 'gross_profit', label: 'Gross profit', kind: 'money', formula: '{revenue}-{direct_cost}' },
    { key: 'gross_margin', label: 'Gross margin', kind: 'percent', formula: 'IF({revenue}=0,"",ROUND({gross_profit}/{revenue},4))' },
    { key: 'overhead_allocated', label: 'Overhead', kind: 'money' },
    { key: 'net_profit', label: 'Net profit', kind: 'money', formula: 'IF({overhead_allocated}="","",{gross_profit}-{overhead_allocated})' },
    { key: 'net_margin', label: 'Net margin', kind: 'percent', formula: 'IF(OR({revenue}=0,{net_profit}=""),"",ROUND({net_profit}/{revenue},4))' },
    { key: 'is_unprofitable', label: 'Unprofitable', kind: 'bool', only: 'workbook' },
  ],
};

/** Which cost codes run over budget — before it is locked in? */
const OVERRUNS: Insight = {
  sheet: 'Cost code overruns',
  mart: 'cost_code_overruns',
  orderBy: 'overrun_amount + projected_overrun_amount desc, phase_code, cost_type',
  columns: [
    { key: 'phase_code', label: 'Phase', kind: 'text' },
    { key: 'cost_type', label: 'Cost type', kind: 'text' },
    { key: 'jobs_over_budget', label: 'Jobs over', kind: 'int' },
    { key: 'jobs_trending_over', label: 'Jobs trending over', kind: 'int' },
    { key: 'jobs_no_estimate', label: 'Jobs without estimate', kind: 'int' },
    { key: 'overrun_amount', label: 'Overrun', kind: 'money' },
    { key: 'projected_overrun_amount', label: 'Projected overrun', kind: 'money' },
    { key: 'total_overrun_amount', label: 'Total', kind: 'money', only: 'workbook', formula: '{overrun_amount}+{projected_overrun_amount}' },
    { key: 'worst_job_number', label: 'Worst job', kind: 'text' },
    { key: 'worst_job_overrun', label: 'Its overrun', kind: 'money' },
  ],
};

/** Each job phase against its estimate (the workbook's detail behind the overruns). */
const PHASE_BUDGETS: Insight = {
  sheet: 'Phase budgets',
  mart: 'phase_budgets',
  orderBy: 'job_number, phase_code, cost_type',
  columns: [
    { key: 'job_number', label: 'Job', kind: 'text' },
    { key: 'phase_code', label: 'Phase', kind: 'text' },
    { key: 'cost_type', label: 'Cost type', kind: 'text' },
    { key: 'estimate', label: 'Estimate', kind: 'money' },
    { key: 'cost_to_date', label: 'Cost to date', kind: 'money' },
    { key: 'unprocessed_labor_cost', label: 'of which uncosted labor', kind: 'money' },
    { key: 'percent_billed', label: '% billed', kind: 'percent' },
    { key: 'projected_cost', label: 'Projected cost', kind: 'money' },
    { key: 'finding', label: 'Finding', kind: 'text' },
    {
      key: 'overrun',
      label: 'Overrun',
      kind: 'money',
      formula: 'IF({finding}="over_budget",{cost_to_date}-{estimate},IF({finding}="trending_over",{projected_cost}-{estimate},""))',
    },
  ],
};

/** DSO at each month end of the window, gross and net of retainage. */
const DSO_TREND: Insight = {
  sheet: 'DSO trend',
  mart: 'dso_trend',
  orderBy: 'period_end',
  columns: [
    { key: 'period_end', label: 'Month end', kind: 'date' },
    { key: 'ar_open', label: 'AR open', kind: 'money' },
    { key: 'retainage_open', label: 'Retainage open', kind: 'money' },
    { key: 'billings_90', label: 'Billed, 90 days', kind: 'money' },
    { key: 'retainage_billed_90', label: 'Retainage billed, 90 days', kind: 'money' },
    { key: 'dso_gross', label: 'DSO', kind: 'days', formula: 'IF({billings_90}=0,"",ROUND({ar_open}/{billings_90}*90,1))' },
    {
      key: 'dso_net_of_retainage',
      label: 'DSO net of retainage',
      kind: 'days',
      formula: 'IF({billings_90}-{retainage_billed_90}=0,"",ROUND(({ar_open}-{retainage_open})/({billings_90}-{retainage_billed_90})*90,1))',
    },
  ],
};

/** What is the true cash conversion cycle, net of retainage? */
const CASH_CONVERSION: Insight = {
  sheet: 'Cash conversion',
  mart: 'cash_conversion',
  orderBy: 'company_code',
  columns: [
    { key: 'company_code', label: 'Company', kind: 'text' },
    { key: 'ar_open', label: 'AR open', kind: 'money' },
    { key: 'retainage_open', label: 'Retainage open', kind: 'money' },
    { key: 'billings_90', label: 'Billed, 90 days', kind: 'money' },
    { key: 'retainage_billed_90', label: 'Retainage billed, 90 days', kind: 'money' },
    { key: 'dso_gross', label: 'DSO', kind: 'days' },
    { key: 'dso_net_of_retainage', label: 'DSO net of retainage', kind: 'days' },
    { key: 'retainage_days', label: 'Retainage days', kind: 'days' },
    { key: 'ap_open', label: 'Open AP', kind: 'money' },
    { key: 'ap_cost_90', label: 'AP cost, 90 days', kind: 'money' },
    { key: 'dpo', label: 'DPO', kind: 'days', formula: 'IF({ap_cost_90}=0,"",ROUND({ap_open}/{ap_cost_90}*90,1))' },
    { key: 'over_under_billing', label: 'WIP over/(under) billing', kind: 'money' },
    { key: 'billing_days', label: 'Billing days', kind: 'days', formula: 'IF({billings_90}=0,"",ROUND(-{over_under_billing}/({billings_90}/90),1))' },
    { key: 'cash_conversion_days', label: 'Cash conversion cycle', kind: 'days' },
    {
      key: 'cycle_from_rounded_parts',
      label: 'Check: DSO net + billing − DPO',
      kind: 'days',
      formula: 'IF(OR({dso_net_of_retainage}="",{billing_days}="",{dpo}=""),"",{dso_net_of_retainage}+{billing_days}-{dpo})',
      cached: (r) =>
        r.dso_net_of_retainage === null || r.billing_days === null || r.dpo === null
          ? null
          : (tenths(r.dso_net_of_retainage) + tenths(r.billing_days) - tenths(r.dpo)) / 10,
    },
  ],
};

/** Each BuildOps project and where it came from (the workbook's detail behind the conversion). */
const SERVICE_CONVERSION: Insight = {
  sheet: 'Service conversion',
  mart: 'service_conversion',
  orderBy: 'origin, project_job_number',
  columns: [
    { key: 'project_job_number', label: 'Project job', kind: 'text' },
    { key: 'origin', label: 'Origin', kind: 'text' },
    { key: 'source_job_number', label: 'From service job', kind: 'text' },
    { key: 'customer_code', label: 'Customer', kind: 'text' },
    { key: 'contract_amount', label: 'Contract', kind: 'money' },
    { key: 'revenue_to_date', label: 'Revenue', kind: 'money' },
    { key: 'cost_to_date', label: 'Cost', kind: 'money' },
    {
      key: 'gross_margin',
      label: 'Gross margin',
      kind: 'percent',
      formula: 'IF({revenue_to_date}=0,"",ROUND(({revenue_to_date}-{cost_to_date})/{revenue_to_date},4))',
    },
    { key: 'source_service_revenue', label: 'Source service revenue', kind: 'money' },
  ],
};

/** Where is service work converting to project work, and how profitable is it? */
const CONVERSION_BY_ORIGIN: Insight = {
  sheet: 'Conversion by origin',
  mart: 'service_conversion_summary',
  orderBy: 'origin',
  columns: [
    { key: 'origin', label: 'Origin', kind: 'text' },
    { key: 'projects', label: 'Projects', kind: 'int' },
    { key: 'revenue_to_date', label: 'Revenue', kind: 'money' },
    { key: 'cost_to_date', label: 'Cost', kind: 'money' },
    { key: 'gross_profit', label: 'Gross profit', kind: 'money', only: 'report' },
    {
      key: 'weighted_gross_margin',
      label: 'Weighted gross margin',
      reportLabel: 'Weighted margin',
      kind: 'percent',
      formula: 'IF({revenue_to_date}=0,"",ROUND(({revenue_to_date}-{cost_to_date})/{revenue_to_date},4))',
    },
  ],
};

/** The subcontractor assignments whose insurance covers less than the customer requires. */
const COVERAGE_BELOW = "reasons like '%coverage_below_requirement%'";

/** Are we paying subs in compliance with our customers' insurance requirements? */
const COVERAGE: Insight = {
  sheet: 'Coverage',
  mart: 'subcontractor_compliance',
  orderBy: 'vendor_code, job_number',
  reportOrderBy: 'coalesce(required_coverage - coverage_amount, required_coverage) desc, vendor_code, job_number',
  filter: COVERAGE_BELOW,
  columns: [
    { key: 'vendor_code', label: 'Vendor', kind: 'text' },
    { key: 'vendor_name', label: 'Name', kind: 'text', width: 28 },
    { key: 'job_number', label: 'Job', kind: 'text' },
    { key: 'required_coverage', label: 'Required', kind: 'money' },
    { key: 'coverage_amount', label: 'Covered (blank = not stated)', reportLabel: 'Covered', kind: 'money' },
    {
      key: 'shortfall',
      label: 'Shortfall',
      kind: 'money',
      only: 'workbook',
      formula: 'IF({coverage_amount}="",{required_coverage},{required_coverage}-{coverage_amount})',
      cached: (r) =>
        r.required_coverage === null ? null : (hundredths(r.required_coverage) - (r.coverage_amount === null ? 0 : hundredths(r.coverage_amount))) / 100,
    },
    { key: 'coi_expires_on', label: 'COI expires', kind: 'date' },
    { key: 'open_ap_amount', label: 'Open AP', kind: 'money' },
    { key: 'detail', label: 'Detail', kind: 'text', width: 70 },
  ],
};

/** Every insight by name. */
export const INSIGHTS = {
  profitability: PROFITABILITY,
  overruns: OVERRUNS,
  phaseBudgets: PHASE_BUDGETS,
  dsoTrend: DSO_TREND,
  cashConversion: CASH_CONVERSION,
  serviceConversion: SERVICE_CONVERSION,
  conversionByOrigin: CONVERSION_BY_ORIGIN,
  coverage: COVERAGE,
} as const;

/** The sheets of `insights.xlsx`, in order. */
export const WORKBOOK_INSIGHTS: readonly Insight[] = [
  PROFITABILITY,
  OVERRUNS,
  PHASE_BUDGETS,
  DSO_TREND,
  CASH_CONVERSION,
  SERVICE_CONVERSION,
  CONVERSION_BY_ORIGIN,
  COVERAGE,
];

/** The columns the workbook shows of an insight. */
export function workbookColumns(insight: Insight): InsightColumn[] {
  return insight.columns.filter((c) => c.only !== 'report');
}

/** The columns the CFO report shows of an insight. */
export function reportColumns(insight: Insight): InsightColumn[] {
  return insight.columns.filter((c) => c.only !== 'workbook');
}
