/** marts.wip_schedule against the ground truth: every active job, every column, to the cent. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { WipTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['wip_schedule'];

export type WipRow = WipTruth & { company_code: string; payroll_through: string | null; original_contract: string; detail: string | null };

/** Every row of marts.wip_schedule, money and ratios as text, items_without_rate as a list. */
export async function wipRows(warehouse: Warehouse): Promise<WipRow[]> {
  const rows = await warehouse.query<Record<string, string | null>>(`
    select company_code, job_number, customer_code, cast(payroll_through as varchar) as payroll_through,
      cast(original_contract as varchar) as original_contract,
      cast(contract_amount as varchar) as contract_amount, cast(estimated_cost as varchar) as estimated_cost,
      cast(cost_to_date as varchar) as cost_to_date, cast(unprocessed_hours as varchar) as unprocessed_hours,
      cast(unprocessed_labor_cost as varchar) as unprocessed_labor_cost, cast(cost_with_unprocessed as varchar) as cost_with_unprocessed,
      cast(percent_complete as varchar) as percent_complete, cast(earned_revenue as varchar) as earned_revenue,
      cast(billed_to_date as varchar) as billed_to_date, cast(over_under_billing as varchar) as over_under_billing,
      cast(gross_profit_to_date as varchar) as gross_profit_to_date,
      cast(percent_complete_payroll_only as varchar) as percent_complete_payroll_only,
      cast(earned_revenue_payroll_only as varchar) as earned_revenue_payroll_only,
      cast(over_under_billing_payroll_only as varchar) as over_under_billing_payroll_only,
      items_without_rate, detail
    from marts.wip_schedule order by company_code, job_number`);
  return rows.map((r) => ({ ...(r as unknown as WipRow), items_without_rate: r.items_without_rate ? r.items_without_rate.split(', ') : [] }));
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await wipRows(warehouse);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  expect(rows.every((r) => r.payroll_through === truth.payrollThrough)).toBe(true);
  const actual = rows.map(({ company_code: _c, payroll_through: _p, original_contract: _o, detail: _d, ...rest }) => rest);
  expect(sortedBy(actual, 'job_number')).toEqual(sortedBy(truth.wip_schedule, 'job_number'));

  // detail names what the controller should know, and nothing else
  for (const row of rows) {
    const sentences: string[] = [];
    const cost = Number(row.cost_with_unprocessed);
    const estimate = Number(row.estimated_cost);
    if (cost > estimate && estimate > 0) sentences.push('Over budget: cost $');
    if (estimate === 0) sentences.push('No estimate: ');
    for (const item of row.items_without_rate) sentences.push(`Labor item ${item} has no rate in labor_rates.csv: `);
    if (sentences.length === 0) expect(row.detail, row.job_number).toBeNull();
    else {
      const parts = (row.detail ?? '').split('; ');
      expect(parts.length, `${row.job_number}: ${row.detail}`).toBe(sentences.length);
      sentences.forEach((start, i) => expect(parts[i], row.job_number).toContain(start));
    }
  }

  // the tie-outs: Σ cost to date = Spectrum job cost, Σ billed = AR invoices, on active jobs
  const [ties] = await warehouse.query<Record<string, string>>(`
    select
      (select cast(coalesce(sum(cost_to_date), 0) as varchar) from marts.wip_schedule) as wip_cost,
      (select cast(coalesce(sum(t.tran_amount), 0) as varchar)
        from raw.spectrum__jc_transaction_history_mc t
        join raw.spectrum__jc_job_master_mc j on trim(j.company_code) = trim(t.company_code) and trim(j.job_number) = trim(t.job_number)
        where trim(j.status_code) = 'A' and trim(t.tran_type_code) <> 'AR' and t.tran_date <= cast('${truth.asOf}' as date)) as spectrum_cost,
      (select cast(coalesce(sum(billed_to_date), 0) as varchar) from marts.wip_schedule) as wip_billed,
      (select cast(coalesce(sum(case when trim(h.transaction_type) = 'C' then -abs(h.invoice_extension) else h.invoice_extension end), 0) as varchar)
        from raw.spectrum__cr_invoice_header_mc h
        join raw.spectrum__jc_job_master_mc j on trim(j.company_code) = trim(h.company_code) and trim(j.job_number) = trim(h.job_number)
        where trim(j.status_code) = 'A' and cast(h.invoice_date as date) <= cast('${truth.asOf}' as date)) as spectrum_billed`);
  // The sandbox exports some credit memos positive and some negative (installations differ):
  // billed_to_date must subtract both, so both forms are in the data this test reads.
  const [forms] = await warehouse.query<{ positive: number; negative: number }>(`
    select cast(sum(case when invoice_extension > 0 then 1 else 0 end) as integer) as positive,
      cast(sum(case when invoice_extension < 0 then 1 else 0 end) as integer) as negative
    from raw.spectrum__cr_invoice_header_mc where trim(transaction_type) = 'C'`);
  expect(Number(forms?.positive)).toBeGreaterThan(0);
  expect(Number(forms?.negative)).toBeGreaterThan(0);
  expect(ties?.wip_cost).toBe(ties?.spectrum_cost);
  expect(ties?.wip_billed).toBe(ties?.spectrum_billed);
  const cents = (money: string): bigint => BigInt(money.replace('.', ''));
  const sum = (key: 'cost_to_date' | 'billed_to_date'): bigint => truth.wip_schedule.reduce((s, r) => s + cents(r[key]), 0n);
  expect(cents(ties?.wip_cost ?? '')).toBe(sum('cost_to_date'));
  expect(cents(ties?.wip_billed ?? '')).toBe(sum('billed_to_date'));
}
