/**
 * marts.wip_schedule: hand-written jobs added to a loaded sandbox's raw tables, with every
 * figure worked out by hand below. (The comparison with the ground truth is in truth/wip-schedule.ts.)
 *
 * The sandbox's payroll is processed through 2026-11-08 (its latest PR time card); as-of is
 * 2026-11-15. LAB-PIPE costs $84.50 an hour in labor_rates.csv; LAB-ZAPPR has no rate.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { loadSandbox, rebuild, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { wipRows } from './truth/wip-schedule.ts';
import type { WipRow } from './truth/wip-schedule.ts';

afterAll(() => removeSandboxExports());

describeEachWarehouse('wip_schedule hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let company: string;

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny'); // as-of 2026-11-15
    ({ warehouse, config } = loaded);
    const { truth } = loaded;
    company = truth.companyCode;
    const [pipe] = await warehouse.query<{ id: string }>(`select id from raw.buildops__products where code = 'LAB-PIPE'`);
    const [rate] = await warehouse.query<{ r: string }>(
      `select cast(burdened_rate as varchar) as r from raw.mappings__labor_rates where item_code = 'LAB-PIPE'`,
    );
    expect(rate?.r).toMatch(/^84\.50*$/);
    const P = pipe?.id ?? 'missing';
    const d = (day: string): string => `CAST('${day}' AS DATE)`;

    await warehouse.query(`insert into raw.buildops__products (id, code, name, type, is_active, cost_type)
      values ('zw-prod-appr', 'LAB-ZAPPR', 'Apprentice (no rate yet)', 'labor', true, 'L')`);
    // Active jobs ZW001..ZW004 and ZW006; ZW005 is complete (not in WIP); company 2 has its own ZW001.
    await warehouse.query(`insert into raw.spectrum__jc_job_master_mc (company_code, job_number, job_description, status_code, customer_code, original_contract, price_method_code)
      values
      ('${company}', 'ZW001 ', 'Over-billed, change order', 'A', 'ZWCUST ', 100000.00, 'F'),
      ('${company}', 'ZW002 ', 'Under-billed, half cent', 'A', 'ZWCUST ', 1000016.57, 'F'),
      ('${company}', 'ZW003 ', 'Over budget', 'A', 'ZWCUST ', 1450000.00, 'F'),
      ('${company}', 'ZW004 ', 'Service T&M', 'A', 'ZWCUST ', 0.00, 'T'),
      ('${company}', 'ZW005 ', 'Complete', 'C', 'ZWCUST ', 5000.00, 'F'),
      ('${company}', 'ZW006 ', 'Half a basis point', 'A', 'ZWCUST ', 30000.00, 'F'),
      ('${company}', 'ZW007 ', 'Huge amounts', 'A', 'ZWCUST ', 100014347815.13, 'F'),
      ('2', 'ZW001 ', 'Other company', 'A', 'ZWOTHER ', 10.00, 'F')`);
    await warehouse.query(`insert into raw.spectrum__jc_phase_master_mc (company_code, job_number, phase_code, cost_type, description, status_code, original_est_cost, projected_cost)
      values
      ('${company}', 'ZW001 ', '10-100', 'L', 'Labor', 'A', 50000.00, null),
      ('${company}', 'ZW001 ', '10-200', 'M', 'Material', 'A', 30000.00, 40000.00),
      ('${company}', 'ZW002 ', '10-100', 'L', 'Labor', 'A', 285719.02, null),
      ('${company}', 'ZW003 ', '10-100', 'L', 'Labor', 'A', 1300000.00, 1398000.00),
      ('${company}', 'ZW004 ', '10-100', 'L', 'Labor', 'A', 0.00, null),
      ('${company}', 'ZW004 ', '10-200', 'M', 'Material', 'A', 0.00, 0.00),
      ('${company}', 'ZW005 ', '10-100', 'L', 'Labor', 'A', 4000.00, null),
      ('${company}', 'ZW006 ', '10-100', 'L', 'Labor', 'A', 20000.00, null),
      ('${company}', 'ZW007 ', '10-100', 'L', 'Labor', 'A', 28575527947.18, null),
      ('2', 'ZW001 ', '10-100', 'L', 'Labor', 'A', 8.00, null)`);
    // ZW001 billed progress-style: application 2 (Oct) carries a change order to 120,000;
    // application 3 ends after the as-of date and does not count.
    await warehouse.query(`insert into raw.spectrum__cr_billing_header_mc (company_code, job_number, application_number, period_end_date, revised_contract_amount)
      values
      ('${company}', 'ZW001 ', 1, ${d('2026-09-30')}, 110000.00),
      ('${company}', 'ZW001 ', 2, ${d('2026-10-31')}, 120000.00),
      ('${company}', 'ZW001 ', 3, ${d('2026-11-30')}, 130000.00)`);
    await warehouse.query(`insert into raw.spectrum__jc_transaction_history_mc (company_code, job_number, phase_code, cost_type, tran_type_code, tran_date_text, tran_date, tran_amount, day_seq)
      values
      ('${company}', 'ZW001 ', '10-100', 'L', 'PR', '20261015', ${d('2026-10-15')}, 20000.00, 9001),
      ('${company}', 'ZW001 ', '10-200', 'M', 'AP', '20261101', ${d('2026-11-01')}, 7000.00, 9002),
      ('${company}', 'ZW001 ', '10-200', 'M', 'JC', '20261110', ${d('2026-11-10')}, 500.00, 9003),
      ('${company}', 'ZW001 ', '10-100', 'L', 'AR', '20261105', ${d('2026-11-05')}, 60000.00, 9004),
      ('${company}', 'ZW001 ', '10-200', 'M', 'AP', '20261116', ${d('2026-11-16')}, 9999.99, 9005),
      ('${company}', 'ZW002 ', '10-100', 'L', 'PR', '20261101', ${d('2026-11-01')}, 91639.67, 9006),
      ('${company}', 'ZW003 ', '10-100', 'L', 'PR', '20261101', ${d('2026-11-01')}, 1396610.00, 9007),
      ('${company}', 'ZW004 ', '10-100', 'L', 'PR', '20261101', ${d('2026-11-01')}, 1200.00, 9008),
      ('${company}', 'ZW005 ', '10-100', 'L', 'PR', '20261101', ${d('2026-11-01')}, 3000.00, 9009),
      ('${company}', 'ZW006 ', '10-100', 'L', 'PR', '20261101', ${d('2026-11-01')}, 2469.00, 9010),
      ('${company}', 'ZW007 ', '10-100', 'L', 'PR', '20261101', ${d('2026-11-01')}, 5134784691.49, 9013),
      ('2', 'ZW001 ', '10-100', 'L', 'PR', '20261101', ${d('2026-11-01')}, 7.00, 9011)`);
    // Company 2's payroll runs later (through 2026-11-13): it must not move company 1's line.
    await warehouse.query(`insert into raw.spectrum__pr_time_card_history_mc (company_code, employee_code, job_number, phase_code, cost_type, work_date, hours, amount, check_date, day_seq)
      values ('2', 'E9 ', 'ZW001 ', '10-100', 'L', ${d('2026-11-13')}, 1.00, 7.00, ${d('2026-11-14')}, 9012)`);
    await warehouse.query(`insert into raw.buildops__timesheets (id, employee_id, job_id, job_number, work_date, hours, product_id, approved_status)
      values
      ('zw-ts-01', 'zw-emp', 'zw-job-1', 'ZW001', ${d('2026-11-09')}, 8.00, '${P}', 'Approved'),
      ('zw-ts-02', 'zw-emp', 'zw-job-1', 'ZW001', ${d('2026-11-12')}, 8.50, '${P}', 'Approved'),
      ('zw-ts-03', 'zw-emp', 'zw-job-1', 'ZW001', ${d('2026-11-08')}, 8.00, '${P}', 'Approved'),
      ('zw-ts-04', 'zw-emp', 'zw-job-1', 'ZW001', ${d('2026-11-10')}, 4.00, '${P}', 'Pending'),
      ('zw-ts-05', 'zw-emp', 'zw-job-1', 'ZW001', ${d('2026-11-16')}, 6.00, '${P}', 'Approved'),
      ('zw-ts-06', 'zw-emp', 'zw-job-1', 'ZW001', ${d('2026-11-13')}, 12.00, 'zw-prod-appr', 'Approved'),
      ('zw-ts-07', 'zw-emp', 'zw-job-3', 'ZW003', ${d('2026-11-10')}, 20.00, '${P}', 'Approved'),
      ('zw-ts-08', 'zw-emp', 'zw-job-4', 'ZW004', ${d('2026-11-11')}, 2.50, '${P}', 'Approved'),
      ('zw-ts-09', 'zw-emp', 'zw-job-5', 'ZW005', ${d('2026-11-11')}, 3.00, '${P}', 'Approved')`);
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, invoice_extension, retention_amount, transaction_type)
      values
      ('${company}', 'ZW-I1 ', 'ZWCUST ', 'ZW001 ', ${d('2026-10-05')}, 50000.00, 0.00, 'I'),
      ('${company}', 'ZW-I2 ', 'ZWCUST ', 'ZW001 ', ${d('2026-11-05')}, 20000.00, 0.00, 'I'),
      ('${company}', 'ZW-C1 ', 'ZWCUST ', 'ZW001 ', ${d('2026-11-10')}, -1000.00, 0.00, 'C'),
      ('${company}', 'ZW-I3 ', 'ZWCUST ', 'ZW001 ', ${d('2026-11-20')}, 5000.00, 0.00, 'I'),
      ('${company}', 'ZW-I4 ', 'ZWCUST ', 'ZW002 ', ${d('2026-11-01')}, 300000.00, 0.00, 'I'),
      ('${company}', 'ZW-I5 ', 'ZWCUST ', 'ZW003 ', ${d('2026-11-01')}, 1440000.00, 0.00, 'I'),
      ('${company}', 'ZW-I6 ', 'ZWCUST ', 'ZW004 ', ${d('2026-11-01')}, 2000.00, 0.00, 'I'),
      ('${company}', 'ZW-I7 ', 'ZWCUST ', 'ZW005 ', ${d('2026-11-01')}, 5000.00, 0.00, 'I')`);
    await rebuild(warehouse, config, truth.asOf);
  }, 180_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  async function job(jobNumber: string, companyCode = company): Promise<WipRow | undefined> {
    return (await wipRows(warehouse)).find((r) => r.job_number === jobNumber && r.company_code === companyCode);
  }

  it('an over-billed job with a change order, unprocessed labor, a labor item with no rate and a cost row after as-of', async () => {
    // contract = application 2's Revised_Contract_Amount 120,000.00 (the highest with Period_End_Date <= as-of;
    //   application 3 ends 2026-11-30; the job's Original_Contract 100,000.00 is superseded)
    // estimate = 50,000.00 (projection blank → original) + 40,000.00 (projected) = 90,000.00
    // cost_to_date = PR 20,000.00 + AP 7,000.00 + JC 500.00 = 27,500.00
    //   (the AR row 60,000.00 is billing, the AP 9,999.99 of 2026-11-16 is after as-of)
    // unprocessed: approved, 2026-11-08 < workDate <= 2026-11-15: LAB-PIPE 8.0 + 8.5 = 16.5 h × 84.50 = 1,394.25,
    //   LAB-ZAPPR 12.0 h at no rate = 0.00 → 28.50 h, 1,394.25 (the 11-08 entry is processed, the pending
    //   one is not approved, the 11-16 one is after as-of)
    // cost_with_unprocessed = 27,500.00 + 1,394.25 = 28,894.25
    // percent = 28,894.25 / 90,000.00 = 0.32104722… → 0.3210
    // earned = 120,000.00 × 28,894.25 / 90,000.00 = 38,525.6666… → 38,525.67
    // billed = 50,000.00 + 20,000.00 − 1,000.00 (credit memo) = 69,000.00 (the 2026-11-20 invoice is after as-of)
    // over/under = 69,000.00 − 38,525.67 = 30,474.33 → over-billed (a liability)
    // gross profit = 38,525.67 − 28,894.25 = 9,631.42
    // payroll only: 27,500.00 / 90,000.00 = 0.30555… → 0.3056; earned = 120,000.00 × 27,500 / 90,000 = 36,666.666… → 36,666.67;
    //   over/under = 69,000.00 − 36,666.67 = 32,333.33
    expect(await job('ZW001')).toEqual({
      company_code: company,
      job_number: 'ZW001',
      customer_code: 'ZWCUST',
      payroll_through: '2026-11-08',
      original_contract: '100000.00',
      contract_amount: '120000.00',
      estimated_cost: '90000.00',
      cost_to_date: '27500.00',
      unprocessed_hours: '28.50',
      unprocessed_labor_cost: '1394.25',
      cost_with_unprocessed: '28894.25',
      percent_complete: '0.3210',
      earned_revenue: '38525.67',
      billed_to_date: '69000.00',
      over_under_billing: '30474.33',
      gross_profit_to_date: '9631.42',
      percent_complete_payroll_only: '0.3056',
      earned_revenue_payroll_only: '36666.67',
      over_under_billing_payroll_only: '32333.33',
      items_without_rate: ['LAB-ZAPPR'],
      detail: 'Labor item LAB-ZAPPR has no rate in labor_rates.csv: 12.0 hours not costed',
    });
  });

  it('an under-billed job whose earned revenue is exactly half a cent: rounded once, away from zero, from the exact ratio', async () => {
    // estimate 285,719.02; cost 91,639.67; contract 1,000,016.57 (no application: Original_Contract)
    // earned = 1,000,016.57 × 91,639.67 / 285,719.02 = 320,738.845 exactly → 320,738.85
    //   (a DOUBLE quotient — what DuckDB gives for DECIMAL / DECIMAL — is 320,738.84499… and rounds to .84)
    // percent = 91,639.67 / 285,719.02 = 0.320733… → 0.3207 (earned is not 0.3207 × contract = 320,705.31)
    // over/under = 300,000.00 − 320,738.85 = −20,738.85 → under-billed (an asset)
    // gross profit = 320,738.85 − 91,639.67 = 229,099.18
    expect(await job('ZW002')).toMatchObject({
      contract_amount: '1000016.57',
      estimated_cost: '285719.02',
      cost_to_date: '91639.67',
      unprocessed_hours: '0.00',
      unprocessed_labor_cost: '0.00',
      cost_with_unprocessed: '91639.67',
      percent_complete: '0.3207',
      earned_revenue: '320738.85',
      billed_to_date: '300000.00',
      over_under_billing: '-20738.85',
      gross_profit_to_date: '229099.18',
      percent_complete_payroll_only: '0.3207',
      earned_revenue_payroll_only: '320738.85',
      over_under_billing_payroll_only: '-20738.85',
      items_without_rate: [],
      detail: null,
    });
  });

  it('an over-budget job: capped at 100% and the whole contract, and the unprocessed labor is what tips it', async () => {
    // estimate = projected 1,398,000.00 (the original 1,300,000.00 is superseded)
    // cost_with_unprocessed = 1,396,610.00 + 20.0 h × 84.50 = 1,396,610.00 + 1,690.00 = 1,398,300.00 > 1,398,000.00
    // percent = min(1, 1.000214…) = 1.0000; earned = the whole contract 1,450,000.00
    // over/under = 1,440,000.00 − 1,450,000.00 = −10,000.00; gross profit = 1,450,000.00 − 1,398,300.00 = 51,700.00
    // payroll only: 1,396,610 / 1,398,000 = 0.999005… → 0.9990; earned = 1,450,000 × 1,396,610 / 1,398,000 = 1,448,558.2975… → 1,448,558.30;
    //   over/under = 1,440,000.00 − 1,448,558.30 = −8,558.30
    expect(await job('ZW003')).toMatchObject({
      contract_amount: '1450000.00',
      estimated_cost: '1398000.00',
      cost_to_date: '1396610.00',
      unprocessed_hours: '20.00',
      unprocessed_labor_cost: '1690.00',
      cost_with_unprocessed: '1398300.00',
      percent_complete: '1.0000',
      earned_revenue: '1450000.00',
      billed_to_date: '1440000.00',
      over_under_billing: '-10000.00',
      gross_profit_to_date: '51700.00',
      percent_complete_payroll_only: '0.9990',
      earned_revenue_payroll_only: '1448558.30',
      over_under_billing_payroll_only: '-8558.30',
      detail: 'Over budget: cost $1,398,300.00 with unprocessed labor exceeds the estimate $1,398,000.00',
    });
  });

  it('a job with no estimate (service / T&M, every phase 0): the ratios and everything derived from them are null', async () => {
    // cost 1,200.00 + 2.5 h × 84.50 = 211.25 → 1,411.25; billed 2,000.00; no contract, no estimate
    expect(await job('ZW004')).toMatchObject({
      contract_amount: '0.00',
      estimated_cost: '0.00',
      cost_to_date: '1200.00',
      unprocessed_hours: '2.50',
      unprocessed_labor_cost: '211.25',
      cost_with_unprocessed: '1411.25',
      percent_complete: null,
      earned_revenue: null,
      billed_to_date: '2000.00',
      over_under_billing: null,
      gross_profit_to_date: null,
      percent_complete_payroll_only: null,
      earned_revenue_payroll_only: null,
      over_under_billing_payroll_only: null,
      detail:
        'No estimate: the phases of job ZW004 carry no projected or original cost, so percent complete, earned revenue and over/under billing are not computed',
    });
  });

  it('percent complete is rounded to 4 decimals half away from zero', async () => {
    // 2,469.00 / 20,000.00 = 0.12345 exactly → 0.1235; earned = 30,000.00 × 0.12345 = 3,703.50
    expect(await job('ZW006')).toMatchObject({ percent_complete: '0.1235', earned_revenue: '3703.50', over_under_billing: '-3703.50' });
  });

  it('huge amounts stay exact: a DOUBLE first guess one cent off is corrected to the exact half-away rounding', async () => {
    // in cents, with m = 1,428,776,397,359: estimate e = 2m = 2,857,552,794,718, contract = 7m = 10,001,434,781,513,
    // cost x = 513,478,469,149 (odd)
    // earned = 7m · x / 2m = 7x / 2 = 1,797,174,642,021.5 cents exactly → 1,797,174,642,022 → 17,971,746,420.22
    //   (the product 7m · x ≈ 5.1e24 is far past a DOUBLE's 2^53: DuckDB's DOUBLE quotient rounds to …021, a cent short)
    // percent = x / e = 0.17969168… → 0.1797
    // gross profit = 17,971,746,420.22 − 5,134,784,691.49 = 12,836,961,728.73
    expect(await job('ZW007')).toMatchObject({
      contract_amount: '100014347815.13',
      estimated_cost: '28575527947.18',
      cost_with_unprocessed: '5134784691.49',
      percent_complete: '0.1797',
      earned_revenue: '17971746420.22',
      over_under_billing: '-17971746420.22',
      gross_profit_to_date: '12836961728.73',
      detail: null,
    });
  });

  it('only active jobs; each company on its own payroll line, BuildOps labor only on the configured company', async () => {
    expect(await job('ZW005')).toBeUndefined();
    // company 2's ZW001: its own estimate 8.00 and cost 7.00, payroll through 2026-11-13, none of company 1's timesheets
    expect(await job('ZW001', '2')).toMatchObject({
      payroll_through: '2026-11-13',
      contract_amount: '10.00',
      estimated_cost: '8.00',
      cost_to_date: '7.00',
      unprocessed_hours: '0.00',
      percent_complete: '0.8750',
      earned_revenue: '8.75',
    });
    expect((await job('ZW001'))?.payroll_through).toBe('2026-11-08');
  });

  it('both warehouses round DECIMAL half away from zero, and the product of two DECIMAL(18,2) amounts in cents fits DECIMAL(38,0) exactly', async () => {
    const [r] = await warehouse.query<Record<string, string>>(`select
      cast(round(cast(2.345 as decimal(18, 3)), 2) as varchar) as up,
      cast(round(cast(-2.345 as decimal(18, 3)), 2) as varchar) as down,
      cast(round(cast(1.00005 as decimal(18, 5)), 4) as varchar) as pct,
      cast(
        cast(cast(cast(9999999999999999.99 as decimal(18, 2)) as decimal(38, 2)) * 100 as decimal(38, 0))
        * cast(cast(cast(9999999999999999.99 as decimal(18, 2)) as decimal(38, 2)) * 100 as decimal(38, 0))
      as varchar) as product`);
    expect(r).toEqual({ up: '2.35', down: '-2.35', pct: '1.0001', product: '999999999999999998000000000000000001' });
  });
});
