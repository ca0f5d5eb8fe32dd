/** marts.customer_profitability against the ground truth: every customer × segment, every column, to the cent and to 4 decimals. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { CustomerProfitabilityTruth } from '../../../sandbox/generate/insights-truth.ts';
import { martRows } from '../insights-rows.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['customer_profitability'];

const COLUMNS = {
  customer_code: 'text',
  customer_name: 'text',
  segment: 'text',
  revenue: 'text',
  labor_cost: 'text',
  labor_burden: 'text',
  unprocessed_labor_cost: 'text',
  other_direct_cost: 'text',
  direct_cost: 'text',
  gross_profit: 'text',
  gross_margin: 'text',
  overhead_allocated: 'text',
  net_profit: 'text',
  net_margin: 'text',
  is_unprofitable: 'flag',
} as const;

/** Every row of marts.customer_profitability, in the truth's shape, by customer and segment. */
export function customerProfitabilityRows(warehouse: Warehouse): Promise<CustomerProfitabilityTruth[]> {
  return martRows<CustomerProfitabilityTruth>(warehouse, 'customer_profitability', COLUMNS, 'customer_code, segment');
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const expected = truth.insights?.customer_profitability;
  if (!expected) throw new Error('the ground truth has no insights');
  const rows = await customerProfitabilityRows(warehouse);
  expect(sortedBy(rows, 'customer_code', 'segment')).toEqual(sortedBy(expected, 'customer_code', 'segment'));
  // the planted customers: one loses money only after burden, one only after overhead, one is profitable as service and not as project
  const row = (code: string, segment: string): CustomerProfitabilityTruth | undefined => rows.find((r) => r.customer_code === code && r.segment === segment);
  const burden = row('INSG01', 'service');
  expect(Number(burden?.revenue) - Number(burden?.labor_cost) - Number(burden?.other_direct_cost)).toBeGreaterThan(0);
  expect(Number(burden?.gross_profit)).toBeLessThan(0);
  expect(Number(row('INSG02', 'service')?.gross_profit)).toBeGreaterThan(0);
  expect(row('INSG02', 'service')?.is_unprofitable).toBe(true);
  expect(row('INSG03', 'service')?.is_unprofitable).toBe(false);
  expect(row('INSG03', 'project')?.is_unprofitable).toBe(true);
}
