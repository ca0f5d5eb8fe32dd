/**
 * The CFO insight marts on hand-written records added to a loaded sandbox's raw tables, every
 * figure worked out below. (The comparisons with the ground truth are in truth/.)
 *
 * As of 2026-11-15; the window is 12 months: 2025-11-15 < date <= 2026-11-15. Payroll is
 * processed through 2026-11-08; LAB-PIPE costs $84.50 an hour in labor_rates.csv. The sandbox's
 * insight settings: overhead 35% of burdened labor, overrun tolerance 10%.
 * Customers ZP*, ZB* jobs and companies Z, Y are the test's own, so the sandbox's figures never mix in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { loadSandbox, rebuild, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import type { CustomerProfitabilityTruth } from '../../sandbox/generate/insights-truth.ts';
import { martRows } from './insights-rows.ts';
import { customerProfitabilityRows } from './truth/customer-profitability.ts';
import { costCodeOverrunRows } from './truth/phase-budgets.ts';
import { serviceConversionRows } from './truth/service-conversion.ts';

afterAll(() => removeSandboxExports());

const d = (day: string): string => `CAST('${day}' AS DATE)`;
const t = (day: string): string => day.replaceAll('-', '');

describeEachWarehouse('CFO insight marts, hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let asOf: string;
  let co: string;

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    ({ warehouse, config, asOf } = loaded);
    co = loaded.truth.companyCode;
    const [pipe] = await warehouse.query<{ id: string }>(`select id from raw.buildops__products where code = 'LAB-PIPE'`);
    const P = pipe?.id ?? 'missing';

    // --- customer_profitability: ZPCUST (service job ZP001, project job ZP002 with an AIA application), ZPZERO (cost only)
    await warehouse.query(`insert into raw.spectrum__jc_job_master_mc (company_code, job_number, status_code, customer_code, original_contract) values
      ('${co}', 'ZP001 ', 'A', 'ZPCUST ', 0.00), ('${co}', 'ZP002 ', 'C', 'ZPCUST ', 5000.00), ('${co}', 'ZP003 ', 'C', 'ZPZERO ', 0.00)`);
    await warehouse.query(`insert into raw.spectrum__cr_customer_master_mc (company_code, customer_code, name, status) values
      ('${co}', 'ZPCUST ', 'ZP TEST CUSTOMER', 'A'), ('${co}', 'ZPZERO ', 'ZP NO REVENUE', 'A')`);
    await warehouse.query(`insert into raw.spectrum__cr_billing_header_mc (company_code, job_number, application_number, period_end_date, revised_contract_amount, complete_to_date)
      values ('${co}', 'ZP002 ', 1, ${d('2026-06-30')}, 5000.00, 2000.00)`);
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, invoice_extension, sales_tax_amount, retention_amount, transaction_type) values
      ('${co}', 'ZP-I1 ', 'ZPCUST ', 'ZP001 ', ${d('2026-03-10')}, 1000.00, 80.00, 0.00, 'I'),
      ('${co}', 'ZP-C1 ', 'ZPCUST ', 'ZP001 ', ${d('2026-04-10')}, 200.00, 0.00, 0.00, 'C'),
      ('${co}', 'ZP-C2 ', 'ZPCUST ', 'ZP001 ', ${d('2026-05-10')}, -150.00, -10.00, 0.00, 'C'),
      ('${co}', 'ZP-I2 ', 'ZPCUST ', 'ZP001 ', ${d('2025-11-15')}, 5000.00, 0.00, 0.00, 'I'),
      ('${co}', 'ZP-I3 ', 'ZPCUST ', 'ZP001 ', ${d('2025-11-16')}, 300.00, 0.00, 0.00, 'I'),
      ('${co}', 'ZP-I4 ', 'ZPCUST ', 'ZP002 ', ${d('2026-06-30')}, 2000.00, 0.00, 0.00, 'I'),
      ('${co}', 'ZP-I5 ', 'ZPCUST ', null, ${d('2026-07-01')}, 75.00, 0.00, 0.00, 'I')`);
    await warehouse.query(`insert into raw.spectrum__pr_time_card_history_mc (company_code, employee_code, job_number, phase_code, cost_type, work_date, hours, amount, burden_amount, check_date, day_seq) values
      ('${co}', 'EZP ', 'ZP001 ', '01000', 'L', ${d('2026-03-02')}, 8.00, 200.00, 64.00, ${d('2026-03-06')}, 9101),
      ('${co}', 'EZP ', 'ZP001 ', '01000', 'L', ${d('2025-11-15')}, 8.00, 999.00, 319.68, ${d('2025-11-21')}, 9102),
      ('${co}', 'EZP ', 'ZP002 ', '15500', 'L', ${d('2026-06-01')}, 8.00, 1000.00, 320.00, ${d('2026-06-05')}, 9103)`);
    await warehouse.query(`insert into raw.spectrum__jc_transaction_history_mc (company_code, job_number, phase_code, cost_type, tran_type_code, tran_date_text, tran_date, tran_amount, day_seq) values
      ('${co}', 'ZP001 ', '01000', 'O', 'JC', '${t('2026-04-01')}', ${d('2026-04-01')}, 100.00, 9101),
      ('${co}', 'ZP001 ', '01000', 'L', 'PR', '${t('2026-03-02')}', ${d('2026-03-02')}, 264.00, 9102),
      ('${co}', 'ZP001 ', '01000', 'O', 'AR', '${t('2026-03-10')}', ${d('2026-03-10')}, 1000.00, 9103),
      ('${co}', 'ZP002 ', '15500', 'M', 'AP', '${t('2026-06-10')}', ${d('2026-06-10')}, 1500.00, 9104),
      ('${co}', 'ZP003 ', '01000', 'O', 'JC', '${t('2026-09-01')}', ${d('2026-09-01')}, 50.00, 9105)`);
    await warehouse.query(`insert into raw.buildops__timesheets (id, employee_id, job_id, job_number, work_date, hours, product_id, approved_status) values
      ('zp-ts-1', 'zp-emp', 'zp-job-1', 'ZP001', ${d('2026-11-10')}, 2.00, '${P}', 'Approved'),
      ('zp-ts-2', 'zp-emp', 'zp-job-1', 'ZP001', ${d('2026-11-08')}, 3.00, '${P}', 'Approved')`);

    // --- phase_budgets: active jobs ZB001..ZB004 on their own phase codes Z10 / Z20
    await warehouse.query(`insert into raw.spectrum__jc_job_master_mc (company_code, job_number, status_code, customer_code, original_contract) values
      ('${co}', 'ZB001 ', 'A', 'ZBCUST ', 100000.00), ('${co}', 'ZB002 ', 'A', 'ZBCUST ', 100000.00),
      ('${co}', 'ZB003 ', 'A', 'ZBCUST ', 0.00), ('${co}', 'ZB004 ', 'A', 'ZBCUST ', 50000.00)`);
    await warehouse.query(`insert into raw.spectrum__jc_phase_master_mc (company_code, job_number, phase_code, cost_type, description, status_code, original_est_cost, projected_cost) values
      ('${co}', 'ZB001 ', 'Z10', 'L', 'Labor', 'A', 5000.00, null),
      ('${co}', 'ZB001 ', 'Z10', 'M', 'Material', 'A', 5000.00, null),
      ('${co}', 'ZB001 ', 'Z20', 'L', 'Labor', 'A', 0.00, null),
      ('${co}', 'ZB001 ', 'Z20', 'M', 'Material', 'A', 1000.00, 1200.00),
      ('${co}', 'ZB001 ', 'Z30', 'M', 'Idle', 'A', 0.00, null),
      ('${co}', 'ZB002 ', 'Z10', 'L', 'Labor', 'A', 5000.00, null),
      ('${co}', 'ZB003 ', 'Z10', 'L', 'Labor', 'A', 5000.00, null),
      ('${co}', 'ZB004 ', 'Z10', 'L', 'Labor', 'A', 10000.00, null)`);
    await warehouse.query(`insert into raw.spectrum__jc_transaction_history_mc (company_code, job_number, phase_code, cost_type, tran_type_code, tran_date_text, tran_date, tran_amount, day_seq) values
      ('${co}', 'ZB001 ', 'Z10', 'L', 'JC', '${t('2026-10-01')}', ${d('2026-10-01')}, 600.00, 9201),
      ('${co}', 'ZB001 ', 'Z10', 'M', 'AP', '${t('2026-10-01')}', ${d('2026-10-01')}, 550.00, 9202),
      ('${co}', 'ZB001 ', 'Z20', 'L', 'JC', '${t('2026-10-01')}', ${d('2026-10-01')}, 100.00, 9203),
      ('${co}', 'ZB001 ', 'Z20', 'M', 'AP', '${t('2026-10-01')}', ${d('2026-10-01')}, 1250.00, 9204),
      ('${co}', 'ZB002 ', 'Z10', 'L', 'JC', '${t('2026-10-01')}', ${d('2026-10-01')}, 1000.00, 9205),
      ('${co}', 'ZB003 ', 'Z10', 'L', 'JC', '${t('2026-10-01')}', ${d('2026-10-01')}, 1000.00, 9206),
      ('${co}', 'ZB004 ', 'Z10', 'L', 'JC', '${t('2026-10-01')}', ${d('2026-10-01')}, 6000.00, 9207)`);
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, invoice_extension, sales_tax_amount, retention_amount, transaction_type) values
      ('${co}', 'ZB-I1 ', 'ZBCUST ', 'ZB001 ', ${d('2026-10-15')}, 10000.00, 0.00, 0.00, 'I'),
      ('${co}', 'ZB-I2 ', 'ZBCUST ', 'ZB002 ', ${d('2026-10-15')}, 9999.99, 0.00, 0.00, 'I')`);
    await warehouse.query(`insert into raw.spectrum__cr_billing_header_mc (company_code, job_number, application_number, period_end_date, revised_contract_amount, complete_to_date) values
      ('${co}', 'ZB004 ', 1, ${d('2026-10-31')}, 60000.00, 30000.00),
      ('${co}', 'ZB004 ', 2, ${d('2026-11-30')}, 60000.00, 59000.00)`);

    // --- dso_trend / cash_conversion: companies Z and Y hold nothing else
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, invoice_extension, sales_tax_amount, retention_amount, transaction_type) values
      ('Z', 'ZD-A ', 'ZD ', null, ${d('2026-08-17')}, 4000.00, 0.00, 400.00, 'I'),
      ('Z', 'ZD-B ', 'ZD ', null, ${d('2026-08-18')}, 6000.00, 0.00, 600.00, 'I'),
      ('Z', 'ZD-C ', 'ZD ', null, ${d('2026-10-10')}, 500.00, 0.00, 0.00, 'C'),
      ('Y', 'YD-A ', 'YD ', null, ${d('2026-11-01')}, 1000.00, 0.00, 0.00, 'I')`);
    await warehouse.query(`insert into raw.spectrum__cr_pay_adjust_history_mc (company_code, customer_code, invoice_or_transaction, transaction_date, transaction_type, invoice_type, amount, check_number, day_seq) values
      ('Z', 'ZD ', 'ZD-A ', ${d('2026-09-30')}, 'P', null, 3600.00, 'ZCHK1', 9301),
      ('Z', 'ZD ', 'ZD-B ', ${d('2026-11-01')}, 'P', 'R', 200.00, 'ZCHK2', 9302)`);
    await warehouse.query(`insert into raw.spectrum__vn_open_items_mc (company_code, vendor_code, invoice_number, job_number, invoice_date, open_amount) values
      ('Z', 'ZDV ', 'ZAP-1 ', null, ${d('2026-10-20')}, 1000.00), ('Y', 'YDV ', 'YAP-1 ', null, ${d('2026-10-20')}, 100.00)`);
    await warehouse.query(`insert into raw.spectrum__jc_transaction_history_mc (company_code, job_number, phase_code, cost_type, tran_type_code, tran_date_text, tran_date, tran_amount, day_seq) values
      ('Z', 'ZDJ ', '01000', 'M', 'AP', '${t('2026-10-01')}', ${d('2026-10-01')}, 3000.00, 9401),
      ('Z', 'ZDJ ', '01000', 'M', 'AP', '${t('2026-08-17')}', ${d('2026-08-17')}, 5000.00, 9402)`);

    // --- service_conversion: project zs-proj converted from service job ZS001, its job ZS002 not billed yet
    await warehouse.query(`insert into raw.buildops__jobs (id, job_number, name, status, project_id) values
      ('zs-svc', 'ZS001', 'Service call', 'Complete', null), ('zs-prj-job', 'ZS002', 'Chiller project', 'In Progress', 'zs-proj')`);
    await warehouse.query(`insert into raw.buildops__projects (id, project_number, name, job_id, source_job_id, contract_amount, status) values
      ('zs-proj', 'ZS002', 'Chiller project', 'zs-prj-job', 'zs-svc', 80000.00, 'Active')`);
    await warehouse.query(`insert into raw.spectrum__jc_job_master_mc (company_code, job_number, status_code, customer_code, original_contract) values
      ('${co}', 'ZS001 ', 'C', 'ZSCUST ', 0.00), ('${co}', 'ZS002 ', 'A', 'ZSCUST ', 80000.00)`);
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, invoice_extension, sales_tax_amount, retention_amount, transaction_type) values
      ('${co}', 'ZS-I1 ', 'ZSCUST ', 'ZS001 ', ${d('2026-02-01')}, 1000.00, 80.00, 0.00, 'I')`);
    await warehouse.query(`insert into raw.spectrum__jc_transaction_history_mc (company_code, job_number, phase_code, cost_type, tran_type_code, tran_date_text, tran_date, tran_amount, day_seq) values
      ('${co}', 'ZS002 ', '15500', 'L', 'JC', '${t('2026-11-01')}', ${d('2026-11-01')}, 500.00, 9501)`);

    // --- coverage: customer ZCCUST requires a $2,000,000 COI of the subs on its job ZC001
    await warehouse.query(
      `insert into raw.mappings__customer_requirements (customer_code, compliance_type, minimum_amount) values ('ZCCUST', 'COI', 2000000.00)`,
    );
    await warehouse.query(
      `insert into raw.spectrum__jc_job_master_mc (company_code, job_number, status_code, customer_code, original_contract) values ('${co}', 'ZC001 ', 'A', 'ZCCUST ', 0.00)`,
    );
    await warehouse.query(`insert into raw.buildops__jobs (id, job_number, name, status) values ('zc-job', 'ZC001', 'GC job', 'In Progress')`);
    await warehouse.query(`insert into raw.buildops__jobs__assigned_subcontractors (job_id, position, vendor_id, vendor_accounting_ref_id, start_date, end_date) values
      ('zc-job', 1, 'zc-v-1', 'ZCSUB1', ${d('2026-01-01')}, null),
      ('zc-job', 2, 'zc-v-2', 'ZCSUB2', ${d('2026-01-01')}, null),
      ('zc-job', 3, 'zc-v-3', 'ZCSUB3', ${d('2026-01-01')}, null)`);
    await warehouse.query(`insert into raw.spectrum__vn_vendor_master_mc (company_code, vendor_code, name, vendor_type, w9_on_file, status) values
      ('${co}', 'ZCSUB1 ', 'NO AMOUNT SUB', 'S', 'Y', 'A'), ('${co}', 'ZCSUB2 ', 'EXACT AMOUNT SUB', 'S', 'Y', 'A'), ('${co}', 'ZCSUB3 ', 'OLD BIG COI SUB', 'S', 'Y', 'A')`);
    await warehouse.query(`insert into raw.spectrum__vn_compliance_mc (company_code, vendor_code, compliance_type, job_number, expiration_date, received_date, coverage_amount) values
      ('${co}', 'ZCSUB1 ', 'COI', null, ${d('2027-03-31')}, ${d('2026-03-31')}, null),
      ('${co}', 'ZCSUB2 ', 'COI', 'ZC001 ', ${d('2027-03-31')}, ${d('2026-03-31')}, 2000000.00),
      ('${co}', 'ZCSUB3 ', 'COI', null, ${d('2026-12-31')}, ${d('2025-12-31')}, 5000000.00),
      ('${co}', 'ZCSUB3 ', 'COI', 'ZC001 ', ${d('2027-06-30')}, ${d('2026-06-30')}, 1000000.00),
      ('${co}', 'ZCSUB1 ', 'LIEN_WAIVER', null, null, ${d('2026-10-01')}, null),
      ('${co}', 'ZCSUB2 ', 'LIEN_WAIVER', null, null, ${d('2026-10-01')}, null),
      ('${co}', 'ZCSUB3 ', 'LIEN_WAIVER', null, null, ${d('2026-10-01')}, null)`);
    await rebuild(warehouse, config, asOf);
  }, 240_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  describe('customer_profitability', () => {
    const rows = async (): Promise<CustomerProfitabilityTruth[]> =>
      (await customerProfitabilityRows(warehouse)).filter((r) => String(r.customer_code).startsWith('ZP'));

    it('service: credit memos stored positive and negative both subtract; the window starts the day after as-of − 12 months', async () => {
      // revenue (extension − sales tax), dated 2025-11-15 < date <= 2026-11-15:
      //   ZP-I1 1,000.00 − 80.00 = 920.00; ZP-C1 stored +200.00 → −200.00; ZP-C2 stored −150.00 (tax −10.00)
      //   → −150.00 + 10.00 = −140.00; ZP-I2 dated 2025-11-15 (exactly as-of − 12 months) is out;
      //   ZP-I3 dated 2025-11-16 is in: 300.00; ZP-I5 has no job: service work, 75.00
      //   → 920.00 − 200.00 − 140.00 + 300.00 + 75.00 = 955.00
      // labor: the 2026-03-02 card 200.00 + burden 64.00 (the 2025-11-15 card is out)
      // unprocessed: 2.0 h LAB-PIPE on 2026-11-10 × 84.50 = 169.00 (the 2026-11-08 hours are processed)
      // other: the JC row 100.00 (the PR row is payroll's, the AR row billing)
      // direct = 200.00 + 64.00 + 169.00 + 100.00 = 533.00; gross = 955.00 − 533.00 = 422.00
      // gross margin = 422 / 955 = 0.441884… → 0.4419
      // overhead = 0.35 × (200.00 + 64.00 + 169.00) = 0.35 × 433.00 = 151.55
      // net = 422.00 − 151.55 = 270.45; net margin = 270.45 / 955 = 0.283193… → 0.2832
      expect((await rows()).find((r) => r.customer_code === 'ZPCUST' && r.segment === 'service')).toEqual({
        customer_code: 'ZPCUST',
        customer_name: 'ZP TEST CUSTOMER',
        segment: 'service',
        revenue: '955.00',
        labor_cost: '200.00',
        labor_burden: '64.00',
        unprocessed_labor_cost: '169.00',
        other_direct_cost: '100.00',
        direct_cost: '533.00',
        gross_profit: '422.00',
        gross_margin: '0.4419',
        overhead_allocated: '151.55',
        net_profit: '270.45',
        net_margin: '0.2832',
        is_unprofitable: false,
      });
    });

    it('project: a job with an AIA application is project work, profitable before overhead and not after', async () => {
      // revenue ZP-I4 2,000.00; labor 1,000.00 + burden 320.00; other AP 1,500.00 → direct 2,820.00
      // gross = 2,000.00 − 2,820.00 = −820.00 → −0.4100; overhead 0.35 × 1,320.00 = 462.00
      // net = −820.00 − 462.00 = −1,282.00 → −0.6410
      expect((await rows()).find((r) => r.customer_code === 'ZPCUST' && r.segment === 'project')).toMatchObject({
        revenue: '2000.00',
        direct_cost: '2820.00',
        gross_profit: '-820.00',
        gross_margin: '-0.4100',
        overhead_allocated: '462.00',
        net_profit: '-1282.00',
        net_margin: '-0.6410',
        is_unprofitable: true,
      });
    });

    it('no revenue: the margins have no divisor and are null', async () => {
      // ZPZERO: other cost 50.00, revenue 0 → gross −50.00, overhead 0.35 × 0 = 0.00, net −50.00
      expect((await rows()).find((r) => r.customer_code === 'ZPZERO')).toMatchObject({
        revenue: '0.00',
        gross_profit: '-50.00',
        gross_margin: null,
        overhead_allocated: '0.00',
        net_profit: '-50.00',
        net_margin: null,
        is_unprofitable: true,
      });
    });
  });

  describe('phase_budgets and cost_code_overruns', () => {
    const phases = async (): Promise<Record<string, unknown>[]> =>
      (
        await martRows<Record<string, unknown>>(
          warehouse,
          'phase_budgets',
          {
            job_number: 'text',
            phase_code: 'text',
            cost_type: 'text',
            estimate: 'text',
            cost_to_date: 'text',
            percent_billed: 'text',
            projected_cost: 'text',
            finding: 'text',
            overrun: 'text',
          },
          'job_number, phase_code, cost_type',
        )
      ).filter((r) => String(r.job_number).startsWith('ZB'));

    it('a job billed exactly 10%: projected from the pace; over the tolerance trends over, exactly at it does not', async () => {
      // ZB001: billed 10,000.00 of a 100,000.00 contract, no AIA → percent = 0.1000 (≥ 0.10: projected)
      // Z10 L: 600.00 ÷ 0.1 = 6,000.00 > 5,000.00 × 1.10 = 5,500.00 → trending_over, overrun 6,000.00 − 5,000.00 = 1,000.00
      // Z10 M: 550.00 ÷ 0.1 = 5,500.00 = 5,500.00 (not above) → no finding
      // Z20 L: no estimate, cost 100.00 → no_estimate
      // Z20 M: estimate = Projected_Cost 1,200.00 (over the original 1,000.00); 1,250.00 > 1,200.00 → over_budget 50.00
      // Z30 M: no estimate and no cost → no row
      expect(await phases()).toEqual(
        expect.arrayContaining([
          {
            job_number: 'ZB001',
            phase_code: 'Z10',
            cost_type: 'L',
            estimate: '5000.00',
            cost_to_date: '600.00',
            percent_billed: '0.1000',
            projected_cost: '6000.00',
            finding: 'trending_over',
            overrun: '1000.00',
          },
          {
            job_number: 'ZB001',
            phase_code: 'Z10',
            cost_type: 'M',
            estimate: '5000.00',
            cost_to_date: '550.00',
            percent_billed: '0.1000',
            projected_cost: '5500.00',
            finding: null,
            overrun: null,
          },
          {
            job_number: 'ZB001',
            phase_code: 'Z20',
            cost_type: 'L',
            estimate: '0.00',
            cost_to_date: '100.00',
            percent_billed: '0.1000',
            projected_cost: '1000.00',
            finding: 'no_estimate',
            overrun: null,
          },
          {
            job_number: 'ZB001',
            phase_code: 'Z20',
            cost_type: 'M',
            estimate: '1200.00',
            cost_to_date: '1250.00',
            percent_billed: '0.1000',
            projected_cost: '12500.00',
            finding: 'over_budget',
            overrun: '50.00',
          },
        ]),
      );
      expect((await phases()).some((r) => r.phase_code === 'Z30')).toBe(false);
    });

    it('just under 10% billed, a zero contract, and an AIA application', async () => {
      // ZB002: 9,999.99 ÷ 100,000.00 = 0.0999999 → shown 0.1000, but under 0.10 exactly: no projection, no trend
      // ZB003: contract 0 → percent_billed null (no divisor), no projection
      // ZB004: application 1 (2026-10-31): 30,000.00 ÷ 60,000.00 = 0.5 (application 2 ends after as-of);
      //   6,000.00 ÷ 0.5 = 12,000.00 > 11,000.00 → trending_over 2,000.00
      const rows = await phases();
      expect(rows.find((r) => r.job_number === 'ZB002')).toMatchObject({ percent_billed: '0.1000', projected_cost: null, finding: null, overrun: null });
      expect(rows.find((r) => r.job_number === 'ZB003')).toMatchObject({ percent_billed: null, projected_cost: null, finding: null });
      expect(rows.find((r) => r.job_number === 'ZB004')).toMatchObject({
        percent_billed: '0.5000',
        projected_cost: '12000.00',
        finding: 'trending_over',
        overrun: '2000.00',
      });
    });

    it('cost_code_overruns: per cost code, the counts, the two sums and the worst job', async () => {
      // Z10 L: trending on ZB001 (1,000.00) and ZB004 (2,000.00) → projected 3,000.00, worst ZB004
      // Z20 L: one no_estimate; Z20 M: over budget 50.00 on ZB001; Z10 M has no finding → no row
      const rows = await costCodeOverrunRows(warehouse);
      expect(rows.filter((r) => String(r.phase_code).startsWith('Z'))).toEqual([
        {
          phase_code: 'Z10',
          cost_type: 'L',
          jobs_over_budget: 0,
          jobs_trending_over: 2,
          jobs_no_estimate: 0,
          overrun_amount: '0.00',
          projected_overrun_amount: '3000.00',
          worst_job_number: 'ZB004',
          worst_job_overrun: '2000.00',
        },
        {
          phase_code: 'Z20',
          cost_type: 'L',
          jobs_over_budget: 0,
          jobs_trending_over: 0,
          jobs_no_estimate: 1,
          overrun_amount: '0.00',
          projected_overrun_amount: '0.00',
          worst_job_number: null,
          worst_job_overrun: null,
        },
        {
          phase_code: 'Z20',
          cost_type: 'M',
          jobs_over_budget: 1,
          jobs_trending_over: 0,
          jobs_no_estimate: 0,
          overrun_amount: '50.00',
          projected_overrun_amount: '0.00',
          worst_job_number: 'ZB001',
          worst_job_overrun: '50.00',
        },
      ]);
    });
  });

  describe('dso_trend and cash_conversion', () => {
    it('month ends and the as-of date; a credit memo stored positive subtracts; the 90 days exclude D − 90', async () => {
      const rows = await martRows<Record<string, unknown>>(
        warehouse,
        'dso_trend',
        {
          company_code: 'text',
          period_end: 'text',
          ar_open: 'text',
          retainage_open: 'text',
          billings_90: 'text',
          retainage_billed_90: 'text',
          dso_gross: 'text',
          dso_net_of_retainage: 'text',
        },
        'company_code, period_end',
      );
      const z = rows.filter((r) => r.company_code === 'Z');
      // 2025-11-30 … 2026-10-31 and 2026-11-15: 13 rows
      expect(z.map((r) => r.period_end)).toEqual([
        '2025-11-30',
        '2025-12-31',
        '2026-01-31',
        '2026-02-28',
        '2026-03-31',
        '2026-04-30',
        '2026-05-31',
        '2026-06-30',
        '2026-07-31',
        '2026-08-31',
        '2026-09-30',
        '2026-10-31',
        '2026-11-15',
      ]);
      // nothing billed yet: both DSOs have no divisor
      expect(z[0]).toMatchObject({ ar_open: '0.00', billings_90: '0.00', dso_gross: null, dso_net_of_retainage: null });
      // 2026-09-30: AR = 4,000 + 6,000 − 3,600 paid = 6,400.00; retainage 1,000.00; billings_90 (07-02 … 09-30) 10,000.00
      //   gross 6,400 × 90 / 10,000 = 57.6; net 5,400 × 90 / 9,000 = 54.0
      expect(z[10]).toEqual({
        company_code: 'Z',
        period_end: '2026-09-30',
        ar_open: '6400.00',
        retainage_open: '1000.00',
        billings_90: '10000.00',
        retainage_billed_90: '1000.00',
        dso_gross: '57.6',
        dso_net_of_retainage: '54.0',
      });
      // 2026-11-15: AR = 10,000 − 500 (credit) − 3,600 − 200 (retention paid) = 5,700.00; retainage 1,000 − 200 = 800.00
      //   billings_90 (2026-08-17 < date): 6,000 − 500 = 5,500.00 (ZD-A of 08-17 is exactly 90 days back: out); retainage 600.00
      //   gross 5,700 × 90 / 5,500 = 93.2727… → 93.3; net 4,900 × 90 / 4,900 = 90.0
      expect(z[12]).toEqual({
        company_code: 'Z',
        period_end: '2026-11-15',
        ar_open: '5700.00',
        retainage_open: '800.00',
        billings_90: '5500.00',
        retainage_billed_90: '600.00',
        dso_gross: '93.3',
        dso_net_of_retainage: '90.0',
      });
    });

    it('the cycle: retainage days, DPO, billing days; a zero AP divisor leaves DPO and the cycle null', async () => {
      const rows = await martRows<Record<string, unknown>>(
        warehouse,
        'cash_conversion',
        {
          company_code: 'text',
          dso_gross: 'text',
          dso_net_of_retainage: 'text',
          retainage_days: 'text',
          ap_open: 'text',
          ap_cost_90: 'text',
          dpo: 'text',
          billing_days: 'text',
          cash_conversion_days: 'text',
        },
        'company_code',
      );
      // Z: retainage days = 93.2727… − 90.0 = 3.2727… → 3.3 (from the unrounded DSOs)
      //   DPO = 1,000.00 open AP × 90 / 3,000.00 AP cost of 2026-08-17 < date ≤ as-of (the 5,000.00 of 08-17 is out) = 30.0
      //   billing days: company Z has no WIP job → − 0 × 90 / 5,500 = 0.0
      //   cycle = 90.0 + 0.0 − 30.0 = 60.0
      expect(rows.find((r) => r.company_code === 'Z')).toEqual({
        company_code: 'Z',
        dso_gross: '93.3',
        dso_net_of_retainage: '90.0',
        retainage_days: '3.3',
        ap_open: '1000.00',
        ap_cost_90: '3000.00',
        dpo: '30.0',
        billing_days: '0.0',
        cash_conversion_days: '60.0',
      });
      // Y: 1,000.00 open, billed 1,000.00 → DSO 90.0; no AP cost → DPO null, and so the cycle
      expect(rows.find((r) => r.company_code === 'Y')).toMatchObject({ dso_gross: '90.0', retainage_days: '0.0', dpo: null, cash_conversion_days: null });
    });
  });

  describe('service_conversion', () => {
    it('a converted project with no revenue yet: margin null, the source service job revenue beside it', async () => {
      // revenue of ZS002: none → 0.00; cost: 500.00 → gross margin has no divisor (null)
      // source: BuildOps job zs-svc = ZS001, revenue 1,000.00 − 80.00 tax = 920.00
      const rows = await serviceConversionRows(warehouse);
      expect(rows.find((r) => r.project_id === 'zs-proj')).toEqual({
        project_id: 'zs-proj',
        project_job_number: 'ZS002',
        origin: 'converted',
        source_job_number: 'ZS001',
        customer_code: 'ZSCUST',
        contract_amount: '80000.00',
        revenue_to_date: '0.00',
        cost_to_date: '500.00',
        gross_margin: null,
        source_service_revenue: '920.00',
      });
    });
  });

  describe('subcontractor_compliance coverage', () => {
    it('below the requirement or with no amount is a reason; exactly the requirement is not; the current COI is the latest', async () => {
      // ZCSUB1: COI with no Coverage_Amount → coverage_below_requirement ("not available")
      // ZCSUB2: 2,000,000.00 = the requirement → compliant
      // ZCSUB3: the latest COI (2027-06-30) covers 1,000,000.00 < 2,000,000.00 → below, whatever the older 5,000,000.00 one said
      const rows = await martRows<Record<string, unknown>>(
        warehouse,
        'subcontractor_compliance',
        { vendor_code: 'text', required_coverage: 'text', coverage_amount: 'text', reasons: 'text', is_compliant: 'flag', detail: 'text' },
        'vendor_code',
      );
      const zc = rows.filter((r) => String(r.vendor_code).startsWith('ZCSUB'));
      expect(zc.map(({ detail: _d, ...r }) => r)).toEqual([
        { vendor_code: 'ZCSUB1', required_coverage: '2000000.00', coverage_amount: null, reasons: 'coverage_below_requirement', is_compliant: false },
        { vendor_code: 'ZCSUB2', required_coverage: '2000000.00', coverage_amount: '2000000.00', reasons: '', is_compliant: true },
        { vendor_code: 'ZCSUB3', required_coverage: '2000000.00', coverage_amount: '1000000.00', reasons: 'coverage_below_requirement', is_compliant: false },
      ]);
      expect(zc[0]?.detail).toContain('COI coverage not available (customer ZCCUST requires $2,000,000.00)');
      expect(zc[2]?.detail).toContain('COI coverage $1,000,000.00 below the $2,000,000.00 customer ZCCUST requires');
    });
  });

  describe('when the sources do not say', () => {
    it('no project carries a sourceJobId: every origin is not_available, never guessed de novo', async () => {
      await warehouse.query('update raw.buildops__projects set source_job_id = null');
      await rebuild(warehouse, config, asOf);
      const origins = await warehouse.query<{ origin: string; n: string }>(
        'select origin, cast(count(*) as varchar) as n from marts.service_conversion group by origin',
      );
      expect(origins.map((o) => o.origin)).toEqual(['not_available']);
      const summary = await warehouse.query<{ origin: string }>('select origin from marts.service_conversion_summary');
      expect(summary.map((s) => s.origin)).toEqual(['not_available']);
    }, 120_000);
  });
});
