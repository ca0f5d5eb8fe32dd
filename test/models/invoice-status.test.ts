/**
 * marts.invoice_status: hand-written cases added to a loaded sandbox's raw tables (customer
 * ZZTEST, job ZJOB1, BuildOps invoices zz-*). The comparison with the ground truth is in
 * truth/invoice-status.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import { loadSandbox, rebuild, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { invoiceStatusRows, truthColumns } from './truth/invoice-status.ts';
import type { InvoiceStatusRow } from './truth/invoice-status.ts';

afterAll(() => removeSandboxExports());

/** A BuildOps invoice of the test: id, number, status, syncStatus, total, retainage, sync error. */
type BuildOpsInvoice = [string, string, string, string, string, string, string | null];

const BUILDOPS: BuildOpsInvoice[] = [
  ['zz-01', '900001', 'Exported', 'Synced', '1000.00', '100.00', null], // retention paid, regular open: partial
  ['zz-02', '900002', 'Exported', 'Synced', '1000.00', '100.00', null], // regular paid, retention open, BuildOps not Paid
  ['zz-03', '900003', 'Paid', 'Synced', '1000.00', '100.00', null], // regular paid, retention open, BuildOps Paid
  ['zz-04', '900004', 'Exported', 'Synced', '500.00', '0.00', null], // only unposted
  ['zz-05', '900005', 'Paid', 'Synced', '700.00', '0.00', null], // renumbered 900005R in Spectrum
  ['zz-06', '900006', 'Exported', 'Synced', '300.00', '0.00', null], // no Remarks key: matched by number
  ['zz-07', '900007', 'Void', 'NotSynced', '400.00', '0.00', null], // void, never sent
  ['zz-08', '900008', 'Void', 'Synced', '450.00', '0.00', null], // voided after it synced; Spectrum still has it
  ['zz-09', '900009', 'Exported', 'Synced', '1200.00', '0.00', null], // paid in Spectrum at 1000: two drifts
  ['zz-10', '900010', 'Exported', 'Synced', '650.00', '0.00', null], // unposted at 600: two drifts
  ['zz-11', '900011', 'Exported', 'Synced', '-250.00', '0.00', null], // a BuildOps credit, a credit memo in Spectrum
  ['zz-12', '900012', 'Approved', 'Failed', '820.00', '0.00', 'Job ZJOB1 is not open in Spectrum'], // sync failed
  ['zz-13', '900013', 'Approved', 'NotSynced', '330.00', '0.00', null], // not sent, not in Spectrum
  ['zz-14', '900014', 'Exported', 'Synced', '140.00', '0.00', null], // only another company's Spectrum holds its key
];

describeEachWarehouse('invoice_status hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let rows: InvoiceStatusRow[];

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    const { config, truth } = loaded;
    warehouse = loaded.warehouse;
    const co = truth.companyCode;
    await warehouse.query(`insert into raw.buildops__customers (id, customer_number, name, status, is_active, accounting_ref_id)
      values ('zz-cust', '9999', 'Test Customer', 'active', true, 'ZZTEST')`);
    await warehouse.query(`insert into raw.spectrum__cr_customer_master_mc (company_code, customer_code, name, status)
      values ('${co}', 'ZZTEST ', 'Test Customer', 'A')`);
    const values = BUILDOPS.map(
      ([id, number, status, sync, total, retainage, error], i) =>
        `('${id}', '${number}', '${status}', 'zz-cust', 'ZJOB1', 'zz-project', CAST('2026-10-${String(i + 1).padStart(2, '0')}' AS DATE), ${total}, ${total}, ${retainage}, '${sync}', ${error === null ? 'null' : `'${error}'`})`,
    );
    await warehouse.query(`insert into raw.buildops__invoices
      (id, invoice_number, status, customer_id, job_number, project_id, issued_date_local, subtotal, total_amount, retainage_amount, sync_status, sync_error)
      values ${values.join(',\n')}`);
    // Posted headers (codes padded as Spectrum stores them); 900006 has no Remarks key, ZZCM01 is a Spectrum-only credit memo.
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type)
      values
      ('${co}', '900001 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-01' AS DATE), CAST('2026-10-31' AS DATE), 1000.00, 100.00, 'BO:zz-01', 'I'),
      ('${co}', '900002 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-02' AS DATE), CAST('2026-11-01' AS DATE), 1000.00, 100.00, 'BO:zz-02', 'I'),
      ('${co}', '900003 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-03' AS DATE), CAST('2026-11-02' AS DATE), 1000.00, 100.00, 'BO:zz-03', 'I'),
      ('${co}', '900005R', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-05' AS DATE), CAST('2026-11-04' AS DATE), 700.00, 0.00, 'BO:zz-05', 'I'),
      ('${co}', '900006 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-06' AS DATE), CAST('2026-11-05' AS DATE), 300.00, 0.00, null, 'I'),
      ('${co}', '900008 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-08' AS DATE), CAST('2026-11-07' AS DATE), 450.00, 0.00, 'BO:zz-08', 'I'),
      ('${co}', '900009 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-09' AS DATE), CAST('2026-11-08' AS DATE), 1000.00, 0.00, 'BO:zz-09', 'I'),
      ('${co}', '900011 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-11' AS DATE), CAST('2026-10-11' AS DATE), -250.00, 0.00, 'BO:zz-11', 'C'),
      ('${co}', 'ZZCM01 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-12' AS DATE), CAST('2026-10-12' AS DATE), -80.00, 0.00, 'Credit for service call', 'C'),
      ('ZZ', '900014 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-14' AS DATE), CAST('2026-11-13' AS DATE), 140.00, 0.00, 'BO:zz-14', 'I')`);
    await warehouse.query(`insert into raw.spectrum__cr_unposted_invoice_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, invoice_extension, retention_amount, batch_code, remarks)
      values
      ('${co}', '900004 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-04' AS DATE), 500.00, 0.00, 'BOZZ04', 'BO:zz-04'),
      ('${co}', '900010 ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-10-10' AS DATE), 600.00, 0.00, 'BOZZ10', 'BO:zz-10')`);
    await warehouse.query(`insert into raw.spectrum__cr_open_item_mc
      (company_code, customer_code, invoice_or_transaction, job_number, transaction_type, invoice_date, due_date, invoice_balance)
      values
      ('${co}', 'ZZTEST ', '900001 ', 'ZJOB1 ', 'I', CAST('2026-10-01' AS DATE), CAST('2026-10-31' AS DATE), 900.00),
      ('${co}', 'ZZTEST ', '900002 ', 'ZJOB1 ', 'I', CAST('2026-10-02' AS DATE), CAST('2026-11-01' AS DATE), 100.00),
      ('${co}', 'ZZTEST ', '900003 ', 'ZJOB1 ', 'I', CAST('2026-10-03' AS DATE), CAST('2026-11-02' AS DATE), 100.00),
      ('${co}', 'ZZTEST ', '900006 ', 'ZJOB1 ', 'I', CAST('2026-10-06' AS DATE), CAST('2026-11-05' AS DATE), 300.00),
      ('${co}', 'ZZTEST ', '900008 ', 'ZJOB1 ', 'I', CAST('2026-10-08' AS DATE), CAST('2026-11-07' AS DATE), 450.00),
      ('${co}', 'ZZTEST ', '900011 ', 'ZJOB1 ', 'C', CAST('2026-10-11' AS DATE), CAST('2026-10-11' AS DATE), -250.00),
      ('${co}', 'ZZTEST ', 'ZZCM01 ', 'ZJOB1 ', 'C', CAST('2026-10-12' AS DATE), CAST('2026-10-12' AS DATE), -80.00)`);
    await warehouse.query(`insert into raw.spectrum__cr_pay_adjust_history_mc
      (company_code, customer_code, invoice_or_transaction, transaction_date, transaction_type, invoice_type, amount, day_seq)
      values
      ('${co}', 'ZZTEST ', '900001 ', CAST('2026-10-20' AS DATE), 'P', 'R', 100.00, 911),
      ('${co}', 'ZZTEST ', '900002 ', CAST('2026-10-21' AS DATE), 'P', '  ', 900.00, 912),
      ('${co}', 'ZZTEST ', '900003 ', CAST('2026-10-22' AS DATE), 'P', null, 900.00, 913),
      ('${co}', 'ZZTEST ', '900005R', CAST('2026-10-23' AS DATE), 'P', null, 700.00, 914),
      ('${co}', 'ZZTEST ', '900009 ', CAST('2026-10-30' AS DATE), 'P', null, 1000.00, 915)`);
    await rebuild(warehouse, config, truth.asOf);
    rows = (await invoiceStatusRows(warehouse)).filter((r) => r.buildops_invoice_id.startsWith('zz-'));
  }, 180_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  const row = (id: string): InvoiceStatusRow | undefined => rows.find((r) => r.buildops_invoice_id === id);

  it('retention paid while the regular part is open is partial, and agrees with BuildOps', () => {
    expect(row('zz-01')).toMatchObject({
      invoice_number: '900001',
      job_number: 'ZJOB1',
      customer_code: 'ZZTEST',
      spectrum_status: 'partial',
      spectrum_open_total: '900.00',
      spectrum_retainage_paid: '100.00',
      amount_difference: '0.00',
      drift_type: '',
      detail: null,
    });
  });

  it('regular part paid with retention open is retention_held: drift unless BuildOps says Paid', () => {
    expect(row('zz-02')).toMatchObject({ spectrum_status: 'retention_held', spectrum_open_total: '100.00', drift_type: 'paid_not_reflected' });
    expect(row('zz-02')?.detail).toBe(
      'Spectrum shows the regular part of invoice 900002 paid on 2026-10-21 with retainage 100.00 still held; BuildOps still shows it Exported — record the payment in BuildOps',
    );
    expect(row('zz-03')).toMatchObject({ buildops_status: 'Paid', spectrum_status: 'retention_held', drift_type: '' });
  });

  it('an invoice only in the unposted batch is awaiting_posting', () => {
    expect(truthColumns(row('zz-04')!)).toEqual({
      buildops_invoice_id: 'zz-04',
      invoice_number: '900004',
      job_number: 'ZJOB1',
      customer_code: 'ZZTEST',
      buildops_status: 'Exported',
      buildops_total: '500.00',
      spectrum_gross: '500.00',
      spectrum_status: 'unposted',
      drift_type: 'awaiting_posting',
    });
    expect(row('zz-04')?.detail).toBe(
      'Invoice 900004 was imported into Spectrum batch BOZZ04 but is not posted yet — post it in Spectrum so it ages and can take payments',
    );
  });

  it('a renumbered invoice is matched by its Remarks key and shown with Spectrum’s number; without a key, by the same number', () => {
    expect(row('zz-05')).toMatchObject({
      invoice_number: '900005R',
      buildops_invoice_number: '900005',
      match_method: 'remarks',
      spectrum_status: 'paid',
      drift_type: '',
    });
    expect(row('zz-06')).toMatchObject({ invoice_number: '900006', match_method: 'invoice_number', spectrum_status: 'open', drift_type: '' });
  });

  it('void BuildOps invoices are not in the mart, even when Spectrum holds them', () => {
    expect(row('zz-07')).toBeUndefined();
    expect(row('zz-08')).toBeUndefined();
  });

  it('when several drifts apply, the first in the contract’s list wins', () => {
    // Paid in Spectrum at 1,000 and 1,200 in BuildOps: paid_not_reflected before amount_mismatch.
    expect(row('zz-09')).toMatchObject({ spectrum_status: 'paid', spectrum_gross: '1000.00', amount_difference: '200.00', drift_type: 'paid_not_reflected' });
    expect(row('zz-09')?.detail).toBe('Spectrum shows invoice 900009 paid on 2026-10-30; BuildOps still shows it Exported — mark it paid in BuildOps');
    // Unposted at 600 and 650 in BuildOps: awaiting_posting before amount_mismatch.
    expect(row('zz-10')).toMatchObject({ spectrum_status: 'unposted', spectrum_gross: '600.00', drift_type: 'awaiting_posting' });
  });

  it('a BuildOps credit posted as a Spectrum credit memo is compared signed; a Spectrum-only credit memo is not in the mart', async () => {
    expect(row('zz-11')).toMatchObject({
      invoice_number: '900011',
      buildops_total: '-250.00',
      spectrum_gross: '-250.00',
      spectrum_open_total: '-250.00',
      spectrum_status: 'open',
      drift_type: '',
    });
    const all = await invoiceStatusRows(warehouse);
    expect(all.filter((r) => r.invoice_number === 'ZZCM01')).toEqual([]);
  });

  it('a sent invoice Spectrum does not hold is missing_in_spectrum, with the sync error; one never sent is not in the mart', () => {
    expect(row('zz-12')).toMatchObject({
      buildops_status: 'Approved',
      spectrum_status: 'missing',
      spectrum_gross: null,
      customer_code: 'ZZTEST',
      drift_type: 'missing_in_spectrum',
    });
    expect(row('zz-12')?.detail).toBe(
      "BuildOps invoice 900012 (Approved, sync Failed, 820.00) is in neither Spectrum's posted nor its unposted invoices (sync error: Job ZJOB1 is not open in Spectrum) — re-send it from BuildOps or enter it in Spectrum",
    );
    expect(row('zz-13')).toBeUndefined();
  });

  it('another company’s Spectrum invoice never matches: the invoice is missing in the run’s company', () => {
    expect(row('zz-14')).toMatchObject({ company_code: '1', spectrum_status: 'missing', drift_type: 'missing_in_spectrum' });
  });
});
