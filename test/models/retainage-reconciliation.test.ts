/**
 * marts.retainage_reconciliation: hand-written cases added to a loaded sandbox's raw tables
 * (customer ZZTEST, jobs ZRET1–ZRET4). The comparison with the ground truth is in
 * truth/retainage-reconciliation.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import { loadSandbox, rebuild, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { retainageRows } from './truth/retainage-reconciliation.ts';
import type { RetainageRow } from './truth/retainage-reconciliation.ts';

afterAll(() => removeSandboxExports());

describeEachWarehouse('retainage_reconciliation hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let rows: RetainageRow[];

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    const { config, truth } = loaded;
    warehouse = loaded.warehouse;
    const co = truth.companyCode;
    await warehouse.query(`insert into raw.buildops__customers (id, customer_number, name, status, is_active, accounting_ref_id)
      values ('zr-cust', '9998', 'Retainage Customer', 'active', true, 'ZZRET')`);
    await warehouse.query(`insert into raw.spectrum__cr_customer_master_mc (company_code, customer_code, name, status)
      values ('${co}', 'ZZRET ', 'Retainage Customer', 'A')`);
    // ZRET1: retainage only in BuildOps (an approved invoice not synced yet counts: any non-void one does).
    // ZRET3: matched, 50 of it paid in Spectrum; a void BuildOps invoice's retainage does not count.
    // ZRET4: BuildOps retainage whose invoice waits unposted in Spectrum.
    await warehouse.query(`insert into raw.buildops__invoices
      (id, invoice_number, status, customer_id, job_number, project_id, issued_date_local, subtotal, total_amount, retainage_amount, sync_status)
      values
      ('zr-01', '900101', 'Approved', 'zr-cust', 'ZRET1', 'zr-project', CAST('2026-10-01' AS DATE), 1500.00, 1500.00, 150.00, 'NotSynced'),
      ('zr-03', '900103', 'Exported', 'zr-cust', 'ZRET3', 'zr-project', CAST('2026-10-03' AS DATE), 2000.00, 2000.00, 200.00, 'Synced'),
      ('zr-04', '900104', 'Void', 'zr-cust', 'ZRET3', 'zr-project', CAST('2026-10-04' AS DATE), 9990.00, 9990.00, 999.00, 'NotSynced'),
      ('zr-05', '900105', 'Exported', 'zr-cust', 'ZRET4', 'zr-project', CAST('2026-10-05' AS DATE), 600.00, 600.00, 60.00, 'Synced')`);
    // ZRET2: retainage only in Spectrum (a header with no BuildOps key nor number).
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type)
      values
      ('${co}', 'ZR0200 ', 'ZZRET ', 'ZRET2 ', CAST('2026-10-02' AS DATE), CAST('2026-11-01' AS DATE), 800.00, 80.00, null, 'I'),
      ('${co}', '900103 ', 'ZZRET ', 'ZRET3 ', CAST('2026-10-03' AS DATE), CAST('2026-11-02' AS DATE), 2000.00, 200.00, 'BO:zr-03', 'I')`);
    await warehouse.query(`insert into raw.spectrum__cr_unposted_invoice_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, invoice_extension, retention_amount, batch_code, remarks)
      values ('${co}', '900105 ', 'ZZRET ', 'ZRET4 ', CAST('2026-10-05' AS DATE), 600.00, 60.00, 'BOZR05', 'BO:zr-05')`);
    await warehouse.query(`insert into raw.spectrum__cr_open_item_mc
      (company_code, customer_code, invoice_or_transaction, job_number, transaction_type, invoice_date, due_date, invoice_balance)
      values
      ('${co}', 'ZZRET ', 'ZR0200 ', 'ZRET2 ', 'I', CAST('2026-10-02' AS DATE), CAST('2026-11-01' AS DATE), 800.00),
      ('${co}', 'ZZRET ', '900103 ', 'ZRET3 ', 'I', CAST('2026-10-03' AS DATE), CAST('2026-11-02' AS DATE), 150.00)`);
    await warehouse.query(`insert into raw.spectrum__cr_pay_adjust_history_mc
      (company_code, customer_code, invoice_or_transaction, transaction_date, transaction_type, invoice_type, amount, day_seq)
      values
      ('${co}', 'ZZRET ', '900103 ', CAST('2026-10-20' AS DATE), 'P', null, 1800.00, 921),
      ('${co}', 'ZZRET ', '900103 ', CAST('2026-11-02' AS DATE), 'P', 'R', 50.00, 922)`);
    await rebuild(warehouse, config, truth.asOf);
    rows = (await retainageRows(warehouse)).filter((r) => r.job_number.startsWith('ZRET'));
  }, 180_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  const row = (job: string): RetainageRow | undefined => rows.find((r) => r.job_number === job);

  it('a job with retainage only in BuildOps is a mismatch naming the invoice', () => {
    expect(row('ZRET1')).toEqual({
      company_code: '1',
      job_number: 'ZRET1',
      customer_code: 'ZZRET',
      buildops_retainage_billed: '150.00',
      spectrum_retainage_billed: '0.00',
      spectrum_retainage_paid: '0.00',
      spectrum_retainage_open: '0.00',
      difference: '150.00',
      status: 'mismatch',
      spectrum_retainage_unposted: '0.00',
      differing_invoices: '900101 (BuildOps 150.00, not in Spectrum)',
      detail:
        "BuildOps billed 150.00 retainage on job ZRET1 but Spectrum's posted invoices hold none — by invoice: 900101 (BuildOps 150.00, not in Spectrum) — post the invoices or enter their retention in Spectrum",
    });
  });

  it('a job with retainage only in Spectrum is a mismatch with a negative difference', () => {
    expect(row('ZRET2')).toMatchObject({
      customer_code: 'ZZRET',
      buildops_retainage_billed: '0.00',
      spectrum_retainage_billed: '80.00',
      spectrum_retainage_open: '80.00',
      difference: '-80.00',
      status: 'mismatch',
      differing_invoices: 'ZR0200 (not in BuildOps, Spectrum 80.00)',
    });
    expect(row('ZRET2')?.detail).toContain('Spectrum holds 80.00 retainage on job ZRET2 that BuildOps never billed');
  });

  it('a matched job shows what Spectrum has paid and holds open; void BuildOps invoices do not count', () => {
    expect(row('ZRET3')).toEqual({
      company_code: '1',
      job_number: 'ZRET3',
      customer_code: 'ZZRET',
      buildops_retainage_billed: '200.00',
      spectrum_retainage_billed: '200.00',
      spectrum_retainage_paid: '50.00',
      spectrum_retainage_open: '150.00',
      difference: '0.00',
      status: 'matched',
      spectrum_retainage_unposted: '0.00',
      differing_invoices: null,
      detail: null,
    });
  });

  it('retainage on an invoice waiting unposted in Spectrum is not billed there yet, and shown beside', () => {
    expect(row('ZRET4')).toMatchObject({
      buildops_retainage_billed: '60.00',
      spectrum_retainage_billed: '0.00',
      spectrum_retainage_unposted: '60.00',
      status: 'mismatch',
      differing_invoices: '900105 (BuildOps 60.00, not posted in Spectrum yet)',
    });
  });
});
