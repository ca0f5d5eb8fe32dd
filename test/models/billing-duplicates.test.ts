/**
 * marts.billing_duplicates: hand-written edge cases added to a loaded sandbox's raw tables.
 * (The comparison with the ground truth is in truth/billing-duplicates.ts.)
 *
 * Made-up jobs: ZAIA1 billed AIA-style in Spectrum (two applications) with BuildOps invoices
 * and a pay application around its periods; ZPAY1 billed with BuildOps pay applications
 * only; ZDUP1 a service job with copies of invoices at various distances.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { runModels } from '../../transform/index.ts';
import { removeSandboxExports, sortedBy, loadSandbox } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { billingDuplicateRows } from './truth/billing-duplicates.ts';
import type { BillingDuplicateRow } from './truth/billing-duplicates.ts';

afterAll(() => removeSandboxExports());

const MY_MODELS = [
  'staging.stg_spectrum__billing_applications',
  'staging.stg_spectrum__billing_lines',
  'staging.stg_buildops__pay_applications',
  'staging.stg_buildops__pay_application_lines',
  'intermediate.int_billing_periods_bounded',
  'intermediate.int_billing_application_invoices_matched',
  'intermediate.int_buildops_billings_placed',
  'intermediate.int_buildops_invoices_repeated',
  'intermediate.int_billing_lines_compared',
  'marts.billing_duplicates',
];

/** One raw BuildOps invoice row: id, number, status, customer, job, issue instant (UTC) and its Chicago date, total. */
function invoice(id: string, number: string, status: string, customer: string, job: string, utc: string, local: string, total: string): string {
  return `('${id}', '${number}', '${status}', '${customer}', '${job}', CAST('${utc}' AS TIMESTAMP), CAST('${local}' AS DATE), ${total}, ${total})`;
}

describeEachWarehouse('billing_duplicates hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let asOf: string;

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    ({ warehouse, config, asOf } = loaded); // 2026-11-15
    const { truth } = loaded;
    const co = truth.companyCode;

    // ZAIA1 in Spectrum: application 1 ends mid-month (2026-03-20), so its period starts on
    // 2026-03-01; application 2 runs 2026-03-21 – 2026-04-30. Application 1's item 1 starts
    // from $2,000.00 billed before (a job taken over): never a previous_mismatch.
    // Application 1's invoice was renumbered in Spectrum (ZA101R, Remarks BO:zz-bo-a101);
    // application 2's invoice ZA102 has no Spectrum invoice, so BuildOps ZA102 is it by number.
    await warehouse.query(`insert into raw.spectrum__cr_billing_header_mc
      (company_code, job_number, application_number, period_end_date, revised_contract_amount, complete_to_date, previous_billed, amount_due, retention_amount, invoice_or_transaction)
      values
      ('${co}', 'ZAIA1 ', 1, CAST('2026-03-20' AS DATE), 15000.00, 6000.00, 2000.00, 4000.00, 0.00, 'ZA101R '),
      ('${co}', 'ZAIA1 ', 2, CAST('2026-04-30' AS DATE), 15000.00, 12900.00, 6500.00, 6400.00, 0.00, 'ZA102 ')`);
    await warehouse.query(`insert into raw.spectrum__cr_bill_detail_mc
      (company_code, job_number, application_number, item_number, description, scheduled_value, previous_complete, this_period, stored_materials, complete_to_date, retention_amount)
      values
      ('${co}', 'ZAIA1 ', 1, '1 ', 'General Conditions', 10000.00, 2000.00, 3000.00, 0.00, 5000.00, 0.00),
      ('${co}', 'ZAIA1 ', 1, '2 ', 'Ductwork', 5000.00, 0.00, 1000.00, 0.00, 1000.00, 0.00),
      ('${co}', 'ZAIA1 ', 2, '1 ', 'General Conditions', 10000.00, 5000.00, 2000.00, 0.00, 7000.00, 0.00),
      ('${co}', 'ZAIA1 ', 2, '2 ', 'Ductwork', 5000.00, 1200.00, 4400.00, 0.00, 5600.00, 0.00),
      ('${co}', 'ZAIA1 ', 2, '3 ', 'Controls', 4000.00, 300.00, 0.00, 0.00, 300.00, 0.00)`);
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type)
      values ('${co}', 'ZA101R ', 'ZZAIA ', 'ZAIA1 ', CAST('2026-03-20' AS DATE), CAST('2026-04-19' AS DATE), 4000.00, 0.00, 'BO:zz-bo-a101', 'I')`);
    await warehouse.query(`insert into raw.buildops__invoices
      (id, invoice_number, status, customer_id, job_number, issued_date, issued_date_local, subtotal, total_amount)
      values
      ${invoice('zz-bo-a101', 'ZA101', 'Exported', 'zz-cust-aia', 'ZAIA1', '2026-03-20 20:00:00', '2026-03-20', '4000.00')},
      ${invoice('zz-bo-a102', 'ZA102', 'Sent', 'zz-cust-aia', 'ZAIA1', '2026-04-30 20:00:00', '2026-04-30', '6400.00')},
      ${invoice('zz-bo-decoy', 'ZA101R', 'Sent', 'zz-cust-aia', 'ZAIA1', '2026-03-10 18:00:00', '2026-03-10', '333.00')},
      ${invoice('zz-bo-e0', 'ZE000', 'Sent', 'zz-cust-aia', 'ZAIA1', '2026-03-01 03:30:00', '2026-02-28', '111.00')},
      ${invoice('zz-bo-e1', 'ZE001', 'Sent', 'zz-cust-aia', 'ZAIA1', '2026-03-01 18:00:00', '2026-03-01', '1200.00')},
      ${invoice('zz-bo-e2', 'ZE002', 'Approved', 'zz-cust-aia', 'ZAIA1', '2026-03-21 16:00:00', '2026-03-21', '12400.00')},
      ${invoice('zz-bo-e3', 'ZE003', 'Void', 'zz-cust-aia', 'ZAIA1', '2026-04-10 16:00:00', '2026-04-10', '2222.00')},
      ${invoice('zz-bo-e4', 'ZE004', 'Sent', 'zz-cust-aia', 'ZAIA1', '2026-05-01 16:00:00', '2026-05-01', '4444.00')}`);
    // A BuildOps pay application on ZAIA1 whose periodTo falls in Spectrum application 2.
    // ZPAY1: BuildOps pay applications only; #1 starts from $400.00 billed before.
    await warehouse.query(`insert into raw.buildops__pay_applications (id, project_id, job_number, application_number, period_from, period_to, status, audit_last_updated_date)
      values
      ('zz-pa-1', 'zz-proj-aia', 'ZAIA1', 1, CAST('2026-04-01' AS DATE), CAST('2026-04-15' AS DATE), 'Draft', CAST('2026-04-16 10:00:00' AS TIMESTAMP)),
      ('zz-pb-1', 'zz-proj-pay', 'ZPAY1', 1, CAST('2026-09-01' AS DATE), CAST('2026-09-30' AS DATE), 'Approved', CAST('2026-10-01 10:00:00' AS TIMESTAMP)),
      ('zz-pb-2', 'zz-proj-pay', 'ZPAY1', 2, CAST('2026-10-01' AS DATE), CAST('2026-10-31' AS DATE), 'Submitted', CAST('2026-11-01 10:00:00' AS TIMESTAMP))`);
    await warehouse.query(`insert into raw.buildops__pay_applications__lines
      (pay_application_id, position, item_number, description, scheduled_value, previous_completed, this_period, materials_stored, completed_to_date, retainage_amount)
      values
      ('zz-pa-1', 1, '1', 'Controls upgrade', 2000.00, 0.00, 500.00, 0.00, 500.00, 0.00),
      ('zz-pa-1', 2, '2', 'Commissioning', 1000.00, 0.00, 250.00, 0.00, 250.00, 0.00),
      ('zz-pb-1', 1, 'A', 'Piping', 1000.00, 400.00, 100.00, 0.00, 500.00, 0.00),
      ('zz-pb-2', 1, 'A', 'Piping', 1000.00, 450.00, 600.00, 0.00, 1050.00, 0.00)`);
    // ZDUP1: copies of invoices (same customer, job and total, different numbers).
    await warehouse.query(`insert into raw.buildops__invoices
      (id, invoice_number, status, customer_id, job_number, issued_date, issued_date_local, subtotal, total_amount)
      values
      ${invoice('zz-d3a', 'ZD301', 'Sent', 'zz-cust-dup', 'ZDUP1', '2026-10-01 19:00:00', '2026-10-01', '700.00')},
      ${invoice('zz-d3b', 'ZD302', 'Approved', 'zz-cust-dup', 'ZDUP1', '2026-10-05 02:30:00', '2026-10-04', '700.00')},
      ${invoice('zz-d4a', 'ZD401', 'Sent', 'zz-cust-dup', 'ZDUP1', '2026-10-10 17:00:00', '2026-10-10', '800.00')},
      ${invoice('zz-d4b', 'ZD402', 'Approved', 'zz-cust-dup', 'ZDUP1', '2026-10-14 15:00:00', '2026-10-14', '800.00')},
      ${invoice('zz-dza', 'ZDZ01', 'Sent', 'zz-cust-dup', 'ZDUP1', '2026-10-21 02:30:00', '2026-10-20', '900.00')},
      ${invoice('zz-dzb', 'ZDZ02', 'Approved', 'zz-cust-dup', 'ZDUP1', '2026-10-24 15:00:00', '2026-10-24', '900.00')},
      ${invoice('zz-dva', 'ZDV01', 'Sent', 'zz-cust-dup', 'ZDUP1', '2026-11-03 17:00:00', '2026-11-03', '548.58')},
      ${invoice('zz-dvb', 'ZDV02', 'Void', 'zz-cust-dup', 'ZDUP1', '2026-11-04 17:00:00', '2026-11-04', '548.58')},
      ${invoice('zz-dvc', 'ZDV03', 'Approved', 'zz-cust-dup', 'ZDUP1', '2026-11-05 17:00:00', '2026-11-05', '548.58')},
      ${invoice('zz-dba', 'ZDB01', 'Sent', 'zz-cust-dup', 'ZDUP1', '2026-09-10 17:00:00', '2026-09-10', '650.00')},
      ${invoice('zz-dbb', 'ZDB02', 'Void', 'zz-cust-dup', 'ZDUP1', '2026-09-13 17:00:00', '2026-09-13', '650.00')},
      ${invoice('zz-dbc', 'ZDB03', 'Approved', 'zz-cust-dup', 'ZDUP1', '2026-09-16 17:00:00', '2026-09-16', '650.00')},
      ${invoice('zz-dca', 'ZDC01', 'Sent', 'zz-cust-dup', 'ZDUP1', '2026-09-20 17:00:00', '2026-09-20', '420.00')},
      ${invoice('zz-dcb', 'ZDC02', 'Sent', 'zz-cust-other', 'ZDUP1', '2026-09-21 17:00:00', '2026-09-21', '420.00')}`);

    // Only this mart's chain must build: other marts may object to the made-up rows.
    const models = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(config, asOf), runId: 'test-billing-duplicates' });
    expect(models.filter((m) => MY_MODELS.includes(m.name) && m.status !== 'success')).toEqual([]);
    expect(
      models
        .filter((m) => MY_MODELS.includes(m.name))
        .map((m) => m.name)
        .sort(),
    ).toEqual([...MY_MODELS].sort());
  }, 180_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  async function rowsOf(job: string): Promise<BillingDuplicateRow[]> {
    const rows = (await billingDuplicateRows(warehouse)).filter((r) => r.job_number === job);
    return sortedBy(rows, 'finding_type', 'source_system', 'application_number', 'item_number', 'invoice_number', 'buildops_pay_application_id');
  }

  function key(r: BillingDuplicateRow): string {
    return [r.finding_type, r.source_system, r.application_number, r.item_number, r.invoice_number, r.buildops_pay_application_id, r.amount_at_risk].join(' ');
  }

  it('places BuildOps billing in Spectrum periods: the first starts on the 1st of its month, the next the day after the previous end', async () => {
    const both = (await rowsOf('ZAIA1')).filter((r) => r.finding_type === 'billed_in_both_systems');
    expect(both.map(key)).toEqual([
      // 2026-03-01 (the 1st of application 1's month) and the decoy carrying the application invoice's Spectrum number.
      'billed_in_both_systems buildops 1  ZA101R  333.00',
      'billed_in_both_systems buildops 1  ZE001  1200.00',
      // The pay application ending 2026-04-15; 2026-03-21, the day after application 1 ends.
      'billed_in_both_systems buildops 2   zz-pa-1 750.00',
      'billed_in_both_systems buildops 2  ZE002  12400.00',
    ]);
    // ZE000 was issued 2026-02-28 21:30 in Chicago (2026-03-01 UTC): before the first period.
    // ZE003 is void; ZE004 (2026-05-01) is after the last period.
    expect(both.map((r) => r.buildops_invoice_id)).not.toContain('zz-bo-e0');
  });

  it("an invoice that is a Spectrum application's own invoice is not flagged (by BO key, and by number when Spectrum has no key)", async () => {
    const ids = (await rowsOf('ZAIA1')).map((r) => r.buildops_invoice_id);
    expect(ids).not.toContain('zz-bo-a101');
    expect(ids).not.toContain('zz-bo-a102');
  });

  it('says what to check, with amounts and the period', async () => {
    const rows = await rowsOf('ZAIA1');
    expect(rows.find((r) => r.invoice_number === 'ZE002')).toMatchObject({
      company_code: config.company.code,
      buildops_invoice_id: 'zz-bo-e2',
      buildops_pay_application_id: null,
      detail:
        'BuildOps invoice ZE002 ($12,400.00, issued 2026-03-21) falls inside Spectrum application #2 of job ZAIA1 (2026-03-21 – 2026-04-30): the same work may be billed twice',
    });
    expect(rows.find((r) => r.buildops_pay_application_id === 'zz-pa-1')).toMatchObject({
      invoice_number: null,
      buildops_invoice_id: null,
      detail:
        'BuildOps pay application #1 of job ZAIA1 (Draft, $750.00 this period, through 2026-04-15) falls inside Spectrum application #2 (2026-03-21 – 2026-04-30): the same work may be billed twice',
    });
  });

  it('Spectrum AIA lines: previous_mismatch from application 2 on (an item new on it counts from 0), over_scheduled_value', async () => {
    const aia = (await rowsOf('ZAIA1')).filter((r) => r.finding_type !== 'billed_in_both_systems');
    expect(aia.map(key)).toEqual([
      'over_scheduled_value spectrum 2 2   600.00',
      'previous_mismatch spectrum 2 2   200.00',
      'previous_mismatch spectrum 2 3   300.00',
    ]);
    expect(aia.find((r) => r.finding_type === 'over_scheduled_value')?.detail).toBe(
      'Spectrum application #2 of job ZAIA1, item 2: completed to date $5,600.00 exceeds the scheduled value $5,000.00 by $600.00; bill the excess only under an approved change order',
    );
    expect(aia.find((r) => r.item_number === '2' && r.finding_type === 'previous_mismatch')?.detail).toBe(
      'Spectrum application #2 of job ZAIA1, item 2: previous completed $1,200.00 but application #1 completed $1,000.00 to date ($200.00 apart); correct the previous amount before the application goes out',
    );
  });

  it('BuildOps pay applications: application 1 with a non-zero previous is never a previous_mismatch; findings carry the pay application id', async () => {
    const rows = await rowsOf('ZPAY1');
    expect(rows.map(key)).toEqual(['over_scheduled_value buildops 2 A  zz-pb-2 50.00', 'previous_mismatch buildops 2 A  zz-pb-2 50.00']);
    expect(rows.every((r) => r.buildops_invoice_id === null && r.source_system === 'buildops')).toBe(true);
  });

  it('duplicate_invoice: 3 days apart in Chicago counts, 4 does not; a void copy never counts nor bridges; one row on the later', async () => {
    const rows = await rowsOf('ZDUP1');
    // ZD302 is 3 Chicago days after ZD301 (4 UTC days); ZD402 is 4 days after ZD401; ZDZ02 is
    // 4 Chicago days after ZDZ01 (3 UTC days); ZDB01–ZDB03 are 6 days apart with a void copy
    // between; ZDC02 is another customer's.
    expect(rows.map((r) => [r.finding_type, r.invoice_number, r.buildops_invoice_id, r.amount_at_risk])).toEqual([
      ['duplicate_invoice', 'ZD302', 'zz-d3b', '700.00'],
      ['duplicate_invoice', 'ZDV03', 'zz-dvc', '548.58'],
    ]);
    expect(rows.find((r) => r.invoice_number === 'ZDV03')?.detail).toBe(
      'BuildOps invoice ZDV03 ($548.58, issued 2026-11-05) repeats invoice ZDV01 (issued 2026-11-03) on job ZDUP1 for the same customer and total: void the copy before it reaches Spectrum or the customer',
    );
  });
});
