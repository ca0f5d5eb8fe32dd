/** marts.phase_budgets and marts.cost_code_overruns against the ground truth: every phase of every active job, every cost code with a finding. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { CostCodeOverrunTruth, PhaseBudgetTruth } from '../../../sandbox/generate/insights-truth.ts';
import { martRows } from '../insights-rows.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['phase_budgets', 'cost_code_overruns'];

/** Every row of marts.cost_code_overruns, in the truth's shape, by phase and cost type. */
export function costCodeOverrunRows(warehouse: Warehouse): Promise<CostCodeOverrunTruth[]> {
  return martRows<CostCodeOverrunTruth>(
    warehouse,
    'cost_code_overruns',
    {
      phase_code: 'text',
      cost_type: 'text',
      jobs_over_budget: 'count',
      jobs_trending_over: 'count',
      jobs_no_estimate: 'count',
      overrun_amount: 'text',
      projected_overrun_amount: 'text',
      worst_job_number: 'text',
      worst_job_overrun: 'text',
    },
    'phase_code, cost_type',
  );
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const insights = truth.insights;
  if (!insights) throw new Error('the ground truth has no insights');
  const phases = await martRows<PhaseBudgetTruth>(
    warehouse,
    'phase_budgets',
    {
      job_number: 'text',
      phase_code: 'text',
      cost_type: 'text',
      estimate: 'text',
      cost_to_date: 'text',
      unprocessed_labor_cost: 'text',
      percent_billed: 'text',
      projected_cost: 'text',
      finding: 'text',
      overrun: 'text',
    },
    'job_number, phase_code, cost_type',
  );
  expect(sortedBy(phases, 'job_number', 'phase_code', 'cost_type')).toEqual(sortedBy(insights.phase_budgets, 'job_number', 'phase_code', 'cost_type'));
  // each planted finding is there: over budget, trending over while under budget, on pace, no estimate, and an overrun only the payroll lag hid
  const planted = (phase: string, costType: string): PhaseBudgetTruth | undefined =>
    phases.find((p) => p.job_number.startsWith('P9') && p.phase_code === phase && p.cost_type === costType);
  expect(planted('15500', 'L')?.finding).toBe('over_budget');
  expect(planted('15500', 'M')?.finding).toBe('trending_over');
  expect(Number(planted('15500', 'M')?.cost_to_date)).toBeLessThan(Number(planted('15500', 'M')?.estimate));
  expect(planted('15500', 'S')?.finding).toBeNull();
  expect(planted('01000', 'O')?.finding).toBe('no_estimate');
  const lagged = planted('15100', 'L');
  expect(lagged?.finding).toBe('over_budget');
  expect(Number(lagged?.cost_to_date) - Number(lagged?.unprocessed_labor_cost)).toBeLessThan(Number(lagged?.estimate));

  const codes = await costCodeOverrunRows(warehouse);
  expect(sortedBy(codes, 'phase_code', 'cost_type')).toEqual(sortedBy(insights.cost_code_overruns, 'phase_code', 'cost_type'));
}
