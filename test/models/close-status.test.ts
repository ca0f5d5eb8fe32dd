/**
 * marts.close_status, hand-written cases on a loaded sandbox: a mart that fails this run is
 * blocking (and the pane is still built), a stale source needs attention (and plumbline status
 * says the same of it), and the AR window and quarantine rows count what they should.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decimalToUnscaled, unscaledToDecimal } from '../../lib/decimal.ts';
import type { Warehouse } from '../../load/index.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars } from '../../scheduler/pipeline.ts';
import { readStatus } from '../../scheduler/status.ts';
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
  let truth: GroundTruth;

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    ({ warehouse, config, asOf, truth } = loaded);
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

  it('a source last loaded more than checks.freshness_hours before the run started needs attention; one never loaded blocks', async () => {
    const runAt = new Date('2026-12-01T02:00:00Z');
    const build = async (hours = config.checks.freshness_hours): Promise<void> => {
      const vars = modelVars({ ...config, checks: { ...config.checks, freshness_hours: hours } }, asOf, runAt);
      const results = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars, runId: 'close-status-freshness' });
      expect(results.filter((m) => m.status !== 'success')).toEqual([]);
    };
    try {
      // 26 hours 1 minute before the run: stale by the default 26 hours; Spectrum exactly 26 hours before
      await warehouse.query(`update meta.loads set finished_at = cast('2026-11-29 23:59:00' as timestamp) where source = 'buildops'`);
      await warehouse.query(`update meta.loads set finished_at = cast('2026-11-30 00:00:00' as timestamp) where source = 'spectrum'`);
      await build();
      let rows = await closeStatusRows(warehouse);
      expect(rows.get('freshness_buildops')).toMatchObject({ status: 'attention', open_findings: 1 });
      expect(rows.get('freshness_buildops')?.detail).toContain('was at 2026-11-29 23:59 UTC, more than 26 hours before this run: its figures are stale');
      // exactly 26 hours before is still fresh
      expect(rows.get('freshness_spectrum')).toMatchObject({ status: 'ok', open_findings: 0 });
      expect(rows.get('freshness_spectrum')?.detail).toContain('within 26 hours of this run');
      // the setting moves the line
      await build(30);
      rows = await closeStatusRows(warehouse);
      expect(rows.get('freshness_buildops')).toMatchObject({ status: 'ok', open_findings: 0 });
      // a source with no successful load at all blocks
      await warehouse.query(`update meta.loads set status = 'failed' where source = 'spectrum'`);
      await build();
      expect((await closeStatusRows(warehouse)).get('freshness_spectrum')).toMatchObject({ status: 'blocking', open_findings: 1 });
    } finally {
      await warehouse.query(`update meta.loads set status = 'loaded' where source = 'spectrum'`);
      const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
      await warehouse.query(`update meta.loads set finished_at = cast('${now}' as timestamp) where source in ('buildops', 'spectrum')`);
    }
  });

  it('plumbline status and marts.close_status give the same freshness verdict for the same loads at the same instant', async () => {
    const runAt = new Date('2026-12-01T02:00:00Z');
    // each case: when each source's loads finished, and how the latest one ended
    const cases: { name: string; setup: string[] }[] = [
      {
        name: 'just inside and just outside the limit',
        setup: [
          "update meta.loads set finished_at = cast('2026-11-30 00:00:00' as timestamp) where source = 'spectrum'",
          "update meta.loads set finished_at = cast('2026-11-29 23:59:00' as timestamp) where source = 'buildops'",
        ],
      },
      {
        // an export found unchanged this morning, after a load two days ago: as fresh as that check
        name: 'an unchanged export after an old load',
        setup: [
          "update meta.loads set finished_at = cast('2026-11-29 00:00:00' as timestamp) where source in ('buildops', 'spectrum')",
          "insert into meta.loads (load_id, source, resource, status, rows_loaded, rows_quarantined, started_at, finished_at) values ('999001', 'buildops', 'jobs', 'unchanged', 0, 0, cast('2026-12-01 01:00:00' as timestamp), cast('2026-12-01 01:00:00' as timestamp))",
        ],
      },
      { name: 'a source whose every load failed', setup: ["update meta.loads set status = 'failed' where source = 'spectrum'"] },
    ];
    const verdicts = async (): Promise<{ mart: [string, string | null, boolean][]; status: [string, string | null, boolean][] }> => {
      const results = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(config, asOf, runAt), runId: 'close-status-agreement' });
      expect(results.filter((m) => m.status !== 'success')).toEqual([]);
      const rows = await warehouse.query<{ check: string; last_loaded_at: Date | string | null; open_findings: number | string }>(
        `select "check", last_loaded_at, open_findings from marts.close_status where "check" like 'freshness_%' order by "check"`,
      );
      const mart = rows.map((r): [string, string | null, boolean] => [
        r.check.replace('freshness_', ''),
        r.last_loaded_at === null ? null : new Date(r.last_loaded_at).toISOString(),
        Number(r.open_findings) === 0,
      ]);
      const report = await readStatus(warehouse, config, { now: runAt });
      return { mart, status: report.freshness.map((f) => [f.source, f.last_loaded_at, f.fresh]) };
    };
    const seen: boolean[] = [];
    try {
      for (const c of cases) {
        for (const sql of c.setup) await warehouse.query(sql);
        const { mart, status } = await verdicts();
        expect(status, c.name).toEqual(mart);
        seen.push(...mart.map(([, , fresh]) => fresh));
      }
    } finally {
      await warehouse.query(`delete from meta.loads where load_id = '999001'`);
      await warehouse.query(`update meta.loads set status = 'loaded' where source = 'spectrum'`);
      const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
      await warehouse.query(`update meta.loads set finished_at = cast('${now}' as timestamp) where source in ('buildops', 'spectrum')`);
      await rebuild(warehouse, config, asOf);
    }
    // the cases judged both fresh and stale sources
    expect(new Set(seen)).toEqual(new Set([true, false]));
  });

  it('the AR window check counts unsent approved invoices inside the window only when it closes within checks.ar_window_warn_days; a sent one is not unsent', async () => {
    const window = truth.ar_window!;
    const build = async (warnDays: number): Promise<void> => {
      const vars = modelVars({ ...config, checks: { ...config.checks, ar_window_warn_days: warnDays } }, asOf);
      const results = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars, runId: 'close-status-ar-window' });
      expect(results.filter((m) => m.status !== 'success')).toEqual([]);
    };
    // the sandbox's window closes in 2 days: not within 1
    await build(window.days_left - 1);
    let rows = await closeStatusRows(warehouse);
    expect(rows.get('ar_window_closing')).toMatchObject({ status: 'ok', open_findings: 0, amount_at_risk: '0.00' });
    expect(rows.get('ar_window_closing')?.detail).toBe(
      `The AR window closes ${window.max_date}, in ${window.days_left} days; ${window.unsent_inside.count} approved BuildOps invoice(s) wait to be sent.`,
    );
    // exactly N days ahead counts (inclusive); an invoice a push already sent is not waiting
    const [sent] = await warehouse.query<{ buildops_id: string; invoice_total: string }>(
      `select buildops_id, cast(invoice_total as varchar) as invoice_total from marts.writeback_outbound o
       where record_type = 'invoice' and not exists (select 1 from marts.writeback_preflight p where p.buildops_id = o.buildops_id and p.rule = 'closed_period')
       order by buildops_id limit 1`,
    );
    await warehouse.query(
      `insert into meta.outbox (outbox_id, record_type, buildops_id, state, amount) values ('close-status-test', 'invoice', $1, 'sent', $2)`,
      [sent!.buildops_id, sent!.invoice_total],
    );
    try {
      await build(window.days_left);
      rows = await closeStatusRows(warehouse);
      const expected = unscaledToDecimal(decimalToUnscaled(window.unsent_inside.amount, 2) - decimalToUnscaled(sent!.invoice_total, 2), 2);
      expect(rows.get('ar_window_closing')).toMatchObject({ status: 'attention', open_findings: window.unsent_inside.count - 1, amount_at_risk: expected });
      expect(rows.get('ar_window_closing')?.detail).toContain('push them before it closes (plumbline push');
    } finally {
      await warehouse.query(`delete from meta.outbox where outbox_id = 'close-status-test'`);
    }
    await rebuild(warehouse, config, asOf);
  });

  it('records quarantined by the latest loads are counted', async () => {
    await warehouse.query(`update meta.loads set rows_quarantined = 3 where source = 'mappings' and resource = 'labor_rates'`);
    await rebuild(warehouse, config, asOf);
    expect((await closeStatusRows(warehouse)).get('quarantine')).toMatchObject({ status: 'attention', open_findings: 3 });
  });
});
