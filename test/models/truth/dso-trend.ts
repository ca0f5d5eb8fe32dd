/** marts.dso_trend and marts.cash_conversion against the ground truth: every month end of the window and the as-of date, each ratio to one decimal. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { CashConversionTruth, DsoTrendTruth } from '../../../sandbox/generate/insights-truth.ts';
import { martRows } from '../insights-rows.ts';

export const marts = ['dso_trend', 'cash_conversion'];

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const insights = truth.insights;
  if (!insights) throw new Error('the ground truth has no insights');
  const trend = await martRows<DsoTrendTruth>(
    warehouse,
    'dso_trend',
    {
      period_end: 'text',
      ar_open: 'text',
      retainage_open: 'text',
      billings_90: 'text',
      retainage_billed_90: 'text',
      dso_gross: 'text',
      dso_net_of_retainage: 'text',
    },
    'period_end',
  );
  expect(trend).toEqual(insights.dso_trend);
  expect(trend.length).toBe(insights.settings.window_months + 1);
  // retainage moves the cycle: net of retainage differs from gross on the as-of date
  expect(trend.at(-1)?.dso_net_of_retainage).not.toBe(trend.at(-1)?.dso_gross);

  const cash = await martRows<CashConversionTruth>(
    warehouse,
    'cash_conversion',
    {
      as_of: 'text',
      dso_gross: 'text',
      dso_net_of_retainage: 'text',
      retainage_days: 'text',
      ap_open: 'text',
      ap_cost_90: 'text',
      dpo: 'text',
      over_under_billing: 'text',
      billing_days: 'text',
      cash_conversion_days: 'text',
    },
    'as_of',
  );
  expect(cash).toEqual([insights.cash_conversion]);
  expect(cash[0]?.dso_gross).toBe(trend.at(-1)?.dso_gross);
}
