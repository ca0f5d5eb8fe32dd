/** marts.service_conversion and its per-origin summary against the ground truth: every BuildOps project, and the two groups' weighted margins. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { ServiceConversionSummaryTruth, ServiceConversionTruth } from '../../../sandbox/generate/insights-truth.ts';
import { martRows } from '../insights-rows.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['service_conversion', 'service_conversion_summary'];

/** Every row of marts.service_conversion, in the truth's shape, by project. */
export function serviceConversionRows(warehouse: Warehouse): Promise<ServiceConversionTruth[]> {
  return martRows<ServiceConversionTruth>(
    warehouse,
    'service_conversion',
    {
      project_id: 'text',
      project_job_number: 'text',
      origin: 'text',
      source_job_number: 'text',
      customer_code: 'text',
      contract_amount: 'text',
      revenue_to_date: 'text',
      cost_to_date: 'text',
      gross_margin: 'text',
      source_service_revenue: 'text',
    },
    'project_id',
  );
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const insights = truth.insights;
  if (!insights) throw new Error('the ground truth has no insights');
  const rows = await serviceConversionRows(warehouse);
  expect(sortedBy(rows, 'project_id')).toEqual(sortedBy(insights.service_conversion, 'project_id'));
  const summary = await martRows<ServiceConversionSummaryTruth>(
    warehouse,
    'service_conversion_summary',
    { origin: 'text', projects: 'count', revenue_to_date: 'text', cost_to_date: 'text', weighted_gross_margin: 'text' },
    'origin',
  );
  expect(summary).toEqual(insights.service_conversion_summary);
  // both groups exist, and their margins differ
  expect(summary.map((s) => s.origin)).toEqual(['converted', 'de_novo']);
  expect(summary[0]?.weighted_gross_margin).not.toBe(summary[1]?.weighted_gross_margin);
}
