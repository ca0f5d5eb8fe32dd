/**
 * marts.close_status, hand-written cases on a loaded sandbox: a mart that fails this run is
 * blocking (and the pane is still built), and a stale source needs attention.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { runModels } from '../../transform/index.ts';
import { rebuild, removeSandboxExports, loadSandbox } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { closeStatusRows } from './truth/close-status.ts';

afterAll(() => removeSandboxExports());

describeEachWarehouse('close_status hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let asOf: string;

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    ({ warehouse, config, asOf } = loaded);
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  it('a mart that fails its tie-out this run makes its row blocking; the pane is still built from its previous table', async () => {
    const before = (await closeStatusRows(warehouse)).get('ar_aging');
    expect(before?.status).toBe('attention'); // the sandbox has invoices more than 90 days past due
    await warehouse.query(`insert into raw.spectrum__cr_open_item_mc (company_code, customer_code, invoice_or_transaction, transaction_type, invoice_balance)
      values ('${config.company.code}', 'ZZTEST', 'ZZ999', 'I', 10.00)`);
    try {
      const results = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(config, asOf), runId: 'close-status-failed-mart' });
      expect(results.find((m) => m.name === 'marts.ar_aging')?.status).toBe('failed');
      expect(results.find((m) => m.name === 'marts.close_status')?.status).toBe('success');
      const after = (await closeStatusRows(warehouse)).get('ar_aging');
      expect(after).toMatchObject({ status: 'blocking', open_findings: before?.open_findings, amount_at_risk: before?.amount_at_risk });
      expect(after?.detail).toMatch(/^marts\.ar_aging failed this run \(.*open_total_ties_out.*\); the figures are from its previous build\./);
    } finally {
      await warehouse.query(`delete from raw.spectrum__cr_open_item_mc where invoice_or_transaction = 'ZZ999'`);
    }
    await rebuild(warehouse, config, asOf);
    expect((await closeStatusRows(warehouse)).get('ar_aging')?.status).toBe('attention');
  });

  it('a source last loaded more than a day before the as-of date needs attention', async () => {
    await warehouse.query(`update meta.loads set finished_at = cast('2026-11-01 12:00:00' as timestamp) where source = 'buildops'`);
    await rebuild(warehouse, config, asOf);
    const rows = await closeStatusRows(warehouse);
    expect(rows.get('freshness_buildops')).toMatchObject({ status: 'attention', open_findings: 1 });
    expect(rows.get('freshness_buildops')?.detail).toContain('older than a day before the as-of date');
    expect(rows.get('freshness_spectrum')).toMatchObject({ status: 'ok', open_findings: 0 });
  });

  it('records quarantined by the latest loads are counted', async () => {
    await warehouse.query(`update meta.loads set rows_quarantined = 3 where source = 'mappings' and resource = 'labor_rates'`);
    await rebuild(warehouse, config, asOf);
    expect((await closeStatusRows(warehouse)).get('quarantine')).toMatchObject({ status: 'attention', open_findings: 3 });
  });
});
