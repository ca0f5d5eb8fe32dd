/**
 * marts.ar_aging and marts.ar_aging_by_customer against the sandbox's ground truth, to the
 * cent, on both warehouses; plus hand-written edge cases added to the loaded raw tables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { exportContractor, generateContractor, openStore } from '../../sandbox/index.ts';
import type { GroundTruth, Scale } from '../../sandbox/index.ts';
import type { ArAgingCustomerTruth, ArAgingRowTruth } from '../../sandbox/ground-truth.ts';
import { configSchema } from '../../scheduler/config.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars, runPipeline } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import { runModels } from '../../transform/index.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Generates a contractor, exports it as files, and returns the folder and its ground truth. */
async function sandboxExport(seed: number, scale: Scale): Promise<{ dir: string; truth: GroundTruth }> {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-ar-aging-'));
  dirs.push(dir);
  const store = await openStore();
  try {
    const truth = await generateContractor(store, { seed, scale });
    await exportContractor(store, dir);
    return { dir, truth };
  } finally {
    store.close();
  }
}

function filesConfig(dir: string, truth: GroundTruth, warehouse: string): PlumblineConfig {
  return {
    ...configSchema.parse({
      company: { code: truth.companyCode, time_zone: truth.timeZone },
      warehouse,
      sources: { buildops: { kind: 'files', files_dir: dir }, spectrum: { kind: 'files', files_dir: dir } },
    }),
    baseDir: dir,
    file: null,
  };
}

/** Extracts the export into `warehouse` and builds every model; fails with the model errors. */
async function loadAndBuild(warehouse: Warehouse, config: PlumblineConfig, asOf: string): Promise<void> {
  const result = await runPipeline({ warehouse, config, secrets: loadSecrets({}), logger: silentLogger, asOf, stages: ['extract', 'load', 'models'] });
  const problems = [...result.loads.filter((l) => l.error), ...result.models.filter((m) => m.status !== 'success')];
  expect(problems).toEqual([]);
  expect(result.ok).toBe(true);
}

async function rebuild(warehouse: Warehouse, config: PlumblineConfig, asOf: string): Promise<void> {
  const models = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(config, asOf), runId: 'test-rebuild' });
  expect(models.filter((m) => m.status !== 'success')).toEqual([]);
}

type AgingRow = ArAgingRowTruth & { company_code: string };

async function agingRows(warehouse: Warehouse): Promise<AgingRow[]> {
  const rows = await warehouse.query<Record<string, unknown>>(`
    select company_code, customer_code, job_number, invoice_number, buildops_invoice_id,
      cast(due_date as varchar) as due_date, days_past_due, aging_bucket,
      cast(open_total as varchar) as open_total, cast(retainage_open as varchar) as retainage_open,
      cast(open_net_of_retainage as varchar) as open_net_of_retainage
    from marts.ar_aging order by invoice_number`);
  return rows.map((r) => ({ ...(r as unknown as AgingRow), days_past_due: Number(r.days_past_due) }));
}

type CustomerRow = Record<'customer_code' | 'b0' | 'b1' | 'b2' | 'b3' | 'b4' | 'net' | 'ret' | 'credits' | 'total', string>;

async function customerRows(warehouse: Warehouse): Promise<ArAgingCustomerTruth[]> {
  const rows = await warehouse.query<CustomerRow>(`
    select customer_code,
      cast(bucket_current as varchar) as b0, cast(bucket_1_30 as varchar) as b1, cast(bucket_31_60 as varchar) as b2,
      cast(bucket_61_90 as varchar) as b3, cast(bucket_90_plus as varchar) as b4,
      cast(open_net_of_retainage as varchar) as net, cast(retainage_open as varchar) as ret,
      cast(open_credits as varchar) as credits, cast(open_total as varchar) as total
    from marts.ar_aging_by_customer order by customer_code`);
  return rows.map((r) => ({
    customer_code: r.customer_code,
    current: r.b0,
    '1-30': r.b1,
    '31-60': r.b2,
    '61-90': r.b3,
    '90+': r.b4,
    open_net_of_retainage: r.net,
    retainage_open: r.ret,
    open_credits: r.credits,
    open_total: r.total,
  }));
}

const byInvoice = (a: { invoice_number: string }, b: { invoice_number: string }): number =>
  a.invoice_number < b.invoice_number ? -1 : a.invoice_number > b.invoice_number ? 1 : 0;
const byCustomer = (a: { customer_code: string | null }, b: { customer_code: string | null }): number =>
  (a.customer_code ?? '') < (b.customer_code ?? '') ? -1 : (a.customer_code ?? '') > (b.customer_code ?? '') ? 1 : 0;

const SANDBOXES: { seed: number; scale: Scale }[] = [
  { seed: 1, scale: 'tiny' },
  { seed: 7, scale: 'tiny' },
  { seed: 3, scale: 'small' },
];

describeEachWarehouse('ar_aging against the sandbox ground truth', (factory) => {
  afterAll(() => factory.cleanup());

  for (const { seed, scale } of SANDBOXES) {
    it(`seed ${seed}, ${scale}: every open invoice and every customer to the cent, no misses, no extras`, { timeout: 120_000 }, async () => {
      const { dir, truth } = await sandboxExport(seed, scale);
      const location = await factory.newLocation();
      const warehouse = await openWarehouse(location);
      try {
        await loadAndBuild(warehouse, filesConfig(dir, truth, location), truth.asOf);

        const rows = await agingRows(warehouse);
        expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
        const actual = rows.map(({ company_code: _company, ...rest }) => rest).sort(byInvoice);
        expect(actual).toEqual([...truth.ar_aging.rows].sort(byInvoice));

        const customers = await customerRows(warehouse);
        expect(customers.sort(byCustomer)).toEqual([...truth.ar_aging.by_customer].sort(byCustomer));

        const [totals] = await warehouse.query<Record<string, string>>(`
          select cast(sum(open_net_of_retainage) as varchar) as net, cast(sum(retainage_open) as varchar) as ret,
            cast(sum(open_credits) as varchar) as credits, cast(sum(open_total) as varchar) as total
          from marts.ar_aging_by_customer`);
        expect(totals).toEqual({
          net: truth.ar_aging.totals.open_net_of_retainage,
          ret: truth.ar_aging.totals.retainage_open,
          credits: truth.ar_aging.totals.open_credits,
          total: truth.ar_aging.totals.open_total,
        });
      } finally {
        await warehouse.close();
      }
    });
  }
});

describeEachWarehouse('ar_aging hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let asOf: string;

  beforeAll(async () => {
    const { dir, truth } = await sandboxExport(1, 'tiny');
    const location = await factory.newLocation();
    warehouse = await openWarehouse(location);
    config = filesConfig(dir, truth, location);
    asOf = truth.asOf; // 2026-11-15
    await loadAndBuild(warehouse, config, asOf);
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
