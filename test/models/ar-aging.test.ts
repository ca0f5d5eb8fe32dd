/**
 * marts.ar_aging and marts.ar_aging_by_customer: hand-written edge cases added to a loaded
 * sandbox's raw tables. (The comparison with the ground truth is in truth/ar-aging.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { runModels } from '../../transform/index.ts';
import { rebuild, removeSandboxExports, loadSandbox } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { agingRows, customerRows } from './truth/ar-aging.ts';
import type { AgingRow } from './truth/ar-aging.ts';

afterAll(() => removeSandboxExports());

describeEachWarehouse('ar_aging hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let asOf: string;

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    ({ warehouse, config, asOf } = loaded); // 2026-11-15
    const { truth } = loaded;
    const company = truth.companyCode;
    // Customer ZZTEST: one invoice due on the as-of date, one 31 days past due with no Due_Date
    // (invoice date + 30), one whose open balance is all retainage, and a credit memo.
    await warehouse.query(`insert into raw.spectrum__cr_customer_master_mc (company_code, customer_code, name, status)
      values ('${company}', 'ZZTEST ', 'Test Customer', 'A')`);
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type)
      values
      ('${company}', 'ZZ001 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-16' AS DATE), CAST('2026-11-15' AS DATE), 1000.00, 0.00, null, 'I'),
      ('${company}', 'ZZ002 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-09-15' AS DATE), null, 500.00, 0.00, null, 'I'),
      ('${company}', 'ZZ003 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-08-01' AS DATE), CAST('2026-08-31' AS DATE), 2000.00, 200.00, null, 'I'),
      ('${company}', 'ZZ004 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-11-01' AS DATE), CAST('2026-12-01' AS DATE), -300.00, 0.00, null, 'C')`);
    await warehouse.query(`insert into raw.spectrum__cr_open_item_mc
      (company_code, customer_code, invoice_or_transaction, job_number, transaction_type, invoice_date, due_date, invoice_balance)
      values
      ('${company}', 'ZZTEST ', 'ZZ001 ', 'ZJOB1 ', 'I', CAST('2026-10-16' AS DATE), CAST('2026-11-15' AS DATE), 1000.00),
      ('${company}', 'ZZTEST ', 'ZZ002 ', 'ZJOB1 ', 'I', CAST('2026-09-15' AS DATE), null, 500.00),
      ('${company}', 'ZZTEST ', 'ZZ003 ', 'ZJOB1 ', 'I', CAST('2026-08-01' AS DATE), CAST('2026-08-31' AS DATE), 150.00),
      ('${company}', 'ZZTEST ', 'ZZ004 ', 'ZJOB1 ', 'C', CAST('2026-11-01' AS DATE), CAST('2026-12-01' AS DATE), -300.00)`);
    // ZZ003: 200 retainage billed, 50 of it paid, the regular 1,800 paid: 150 open, all retainage.
    await warehouse.query(`insert into raw.spectrum__cr_pay_adjust_history_mc
      (company_code, customer_code, invoice_or_transaction, transaction_date, transaction_type, invoice_type, amount, day_seq)
      values
      ('${company}', 'ZZTEST ', 'ZZ003 ', CAST('2026-09-30' AS DATE), 'P', '  ', 1800.00, 901),
      ('${company}', 'ZZTEST ', 'ZZ003 ', CAST('2026-10-30' AS DATE), 'P', 'R', 50.00, 902)`);
    await rebuild(warehouse, config, asOf);
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  async function zzRows(): Promise<AgingRow[]> {
    return (await agingRows(warehouse)).filter((r) => r.customer_code === 'ZZTEST');
  }

  it('an invoice due exactly on the as-of date is current; codes are trimmed', async () => {
    const row = (await zzRows()).find((r) => r.invoice_number === 'ZZ001');
    expect(row).toMatchObject({ job_number: 'ZJOB1', due_date: '2026-11-15', days_past_due: 0, aging_bucket: 'current', open_net_of_retainage: '1000.00' });
  });

  it('a blank Due_Date is the invoice date + 30 days', async () => {
    const row = (await zzRows()).find((r) => r.invoice_number === 'ZZ002');
    expect(row).toMatchObject({ due_date: '2026-10-15', days_past_due: 31, aging_bucket: '31-60' });
  });

  it('an invoice whose open balance is all retainage stays, with open_net_of_retainage 0', async () => {
    const row = (await zzRows()).find((r) => r.invoice_number === 'ZZ003');
    expect(row).toMatchObject({ open_total: '150.00', retainage_open: '150.00', open_net_of_retainage: '0.00', aging_bucket: '61-90' });
  });

  it('a credit memo is not aged but counted in open_credits', async () => {
    expect((await zzRows()).map((r) => r.invoice_number).sort()).toEqual(['ZZ001', 'ZZ002', 'ZZ003']);
    const customer = (await customerRows(warehouse)).find((c) => c.customer_code === 'ZZTEST');
    expect(customer).toEqual({
      customer_code: 'ZZTEST',
      current: '1000.00',
      '1-30': '0.00',
      '31-60': '500.00',
      '61-90': '0.00',
      '90+': '0.00',
      open_net_of_retainage: '1500.00',
      retainage_open: '150.00',
      open_credits: '-300.00',
      open_total: '1650.00',
    });
  });

  it('the tie-out check fails the mart when an open invoice item has no header', async () => {
    await warehouse.query(`insert into raw.spectrum__cr_open_item_mc (company_code, customer_code, invoice_or_transaction, transaction_type, invoice_balance)
      values ('${config.company.code}', 'ZZTEST', 'ZZ999', 'I', 10.00)`);
    try {
      const models = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(config, asOf), runId: 'test-tie-out' });
      const aging = models.find((m) => m.name === 'marts.ar_aging');
      expect(aging).toMatchObject({ status: 'failed' });
      expect(aging?.failedCheck).toMatchObject({ name: 'open_total_ties_out' });
      // The previous table stays.
      expect((await zzRows()).length).toBe(3);
    } finally {
      await warehouse.query(`delete from raw.spectrum__cr_open_item_mc where invoice_or_transaction = 'ZZ999'`);
    }
  });
});
