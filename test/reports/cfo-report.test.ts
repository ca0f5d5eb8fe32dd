/**
 * The CFO report without a browser, on DuckDB and Postgres: its AR totals equal the sandbox's
 * ground truth, a missing mart says so in its section, the trend appears on a later run, chart
 * PNGs are written, and every text is HTML-escaped. (The page in Chromium: cfo-report-browser.test.ts.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import { escapeHtml, formatDate, formatMoney } from '../../reports/html/format.ts';
import ExcelJS from 'exceljs';
import { writeWorkbooks } from '../../reports/excel/index.ts';
import { FINDING_SHEETS } from '../../reports/excel/reconciliation.ts';
import { writeCfoReport } from '../../reports/html/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { runPipeline } from '../../scheduler/pipeline.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import { filesConfig, loadAndBuild, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const outRoot = mkdtempSync(join(tmpdir(), 'plumbline-cfo-'));
afterAll(() => {
  removeSandboxExports();
  rmSync(outRoot, { recursive: true, force: true });
});

let outCount = 0;
const newOutDir = (): string => join(outRoot, `out-${++outCount}`);

/** The HTML of one `<section id="…">`. */
function sectionHtml(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, `section #${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** The text of the cells of a table row's HTML. */
function cells(rowHtml: string): string[] {
  return [...rowHtml.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
}

const SECTIONS = [
  'close-status',
  'freshness',
  'trend',
  'ar-aging',
  'ar-gl-tieout',
  'payment-status-drift',
  'cost-code-drift',
  'double-billing',
  'retainage',
  'subcontractors-blocked',
  'service-ticket-batches',
  'wip',
  'writeback',
];

describe('report text', () => {
  it('money reads as accounting, negatives in parentheses, exact to the cent', () => {
    expect(formatMoney('1234.56')).toBe('$1,234.56');
    expect(formatMoney('-1234.5')).toBe('($1,234.50)');
    expect(formatMoney('0')).toBe('$0.00');
    expect(formatMoney('12345678901234.99')).toBe('$12,345,678,901,234.99');
    expect(formatMoney(null)).toBe('');
  });

  it('dates read as "Nov 15, 2026"; text is escaped', () => {
    expect(formatDate('2026-11-15')).toBe('Nov 15, 2026');
    expect(escapeHtml(`<script>alert("1")</script> & 'x'`)).toBe('&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt; &amp; &#39;x&#39;');
  });
});

describe('a warehouse where no mart was built', () => {
  it('every section is there and says plainly that its mart is not available; no crash', async () => {
    const dir = mkdtempSync(join(outRoot, 'empty-'));
    const warehouse = await openWarehouse(join(dir, 'empty.duckdb'));
    try {
      await warehouse.ensureReady();
      const result = await writeCfoReport({ warehouse, outDir: newOutDir(), asOf: '2026-11-15', companyCode: '1', logger: silentLogger });
      const html = readFileSync(result.html, 'utf8');
      for (const id of SECTIONS) sectionHtml(html, id);
      expect(sectionHtml(html, 'ar-aging')).toContain('Not available: marts.ar_aging_by_customer was not built — its sources are not loaded.');
      expect(sectionHtml(html, 'wip')).toContain('Not available: marts.wip_schedule was not built — its sources are not loaded.');
      expect(sectionHtml(html, 'double-billing')).toContain('Not available: marts.billing_duplicates was not built');
      expect(sectionHtml(html, 'close-status')).toContain('marts.close_status was not built');
      expect(sectionHtml(html, 'freshness')).toContain('No successful load is recorded');
    } finally {
      await warehouse.close();
    }
  });

  it('without marts.close_status, the pane says so and derives no close rules of its own', async () => {
    const dir = mkdtempSync(join(outRoot, 'derived-'));
    const warehouse = await openWarehouse(join(dir, 'derived.duckdb'));
    try {
      await warehouse.ensureReady();
      await warehouse.query(`create table marts.billing_duplicates as
        select * from (values ('1', 'duplicate_invoice', 'buildops', 'J1', cast(1200.50 as decimal(18,2)), 'Invoice 2 repeats invoice 1'))
          t(company_code, finding_type, source_system, job_number, amount_at_risk, detail)`);
      const result = await writeCfoReport({ warehouse, outDir: newOutDir(), asOf: '2026-11-15', companyCode: '1', logger: silentLogger });
      const html = readFileSync(result.html, 'utf8');
      const pane = sectionHtml(html, 'close-status');
      expect(pane).toContain('marts.close_status was not built, so this report cannot say what blocks the close');
      expect(pane).not.toContain('<table');
      // The section of the mart that exists still shows its own amount_at_risk.
      expect(sectionHtml(html, 'double-billing')).toContain('<span class="kpi-value">$1,200.50</span>');
    } finally {
      await warehouse.close();
    }
  });
});

describeEachWarehouse('CFO report of the sandbox', (factory) => {
  let warehouse: Warehouse;
  let truth: GroundTruth;
  let config: PlumblineConfig;

  beforeAll(async () => {
    const exported = await sandboxExport(1, 'tiny');
    truth = exported.truth;
    const location = await factory.newLocation();
    warehouse = await openWarehouse(location);
    config = filesConfig(exported.dir, truth, location);
    await loadAndBuild(warehouse, config, truth.asOf);
  }, 180_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  it("the AR aging totals row equals the ground truth's totals, bucket by bucket", async () => {
    const result = await writeCfoReport({
      warehouse,
      outDir: newOutDir(),
      asOf: truth.asOf,
      companyCode: truth.companyCode,
      companyName: 'Acme Mechanical',
      logger: silentLogger,
    });
    const html = readFileSync(result.html, 'utf8');
    expect(html).toContain(`<h1>Close status and findings — Acme Mechanical, as of ${formatDate(truth.asOf)}</h1>`);
    const section = sectionHtml(html, 'ar-aging');
    const totals = cells(/<tfoot>(.*?)<\/tfoot>/s.exec(section)![1]!);
    const t = truth.ar_aging.totals;
    expect(totals[0]).toBe('Total');
    expect(totals.slice(2)).toEqual(
      [t.current, t['1-30'], t['31-60'], t['61-90'], t['90+'], t.open_net_of_retainage, t.retainage_open, t.open_credits, t.open_total].map((v) =>
        formatMoney(v),
      ),
    );
    expect(section).toContain(`<span class="kpi-value">${formatMoney(t.open_total)}</span>`);
    // Net AR after credits: what the customers owe once their open credits are applied.
    const net = (Number(t.open_total.replace('.', '')) + Number(t.open_credits.replace('.', ''))) / 100;
    expect(section).toContain(`<span class="kpi-label">Net AR after credits</span><span class="kpi-value">${formatMoney(net.toFixed(2))}</span>`);
    // The bridge's two ends are the ground truth's, and the GL tie-out section draws the waterfall.
    const bridge = sectionHtml(html, 'ar-gl-tieout');
    expect(bridge).toContain(`<span class="kpi-label">BuildOps open AR</span><span class="kpi-value">${formatMoney(truth.ar_bridge!.buildops_open_ar)}</span>`);
    expect(bridge).toContain(`<span class="kpi-label">Spectrum open AR</span><span class="kpi-value">${formatMoney(truth.ar_bridge!.spectrum_open_ar)}</span>`);
    expect(bridge).toContain('<figure class="chart">');
    expect(sectionHtml(html, 'close-status')).toContain('<a href="#ar-gl-tieout">Receivables do not tie to the general ledger</a>');
    // The exposure is the past-due buckets net of retainage, with its own total.
    const pastDue = ['1-30', '31-60', '61-90', '90+'].reduce((sum, b) => sum + Number(t[b as '90+'].replace('.', '')), 0) / 100;
    expect(sectionHtml(html, 'close-status')).toContain(
      `<h3>Exposure: past-due receivables <span class="close-total">${formatMoney(pastDue.toFixed(2))}</span></h3>`,
    );
    // The close pane is marts.close_status, every check of it, blocking first.
    const pane = sectionHtml(html, 'close-status');
    expect(pane).not.toContain('was not built');
    const checks = await warehouse.query<{ check: string; status: string }>(
      `select "check", status from marts.close_status where company_code = '${truth.companyCode}'`,
    );
    const shown = [...pane.matchAll(/<tr data-check="(\w+)"><td class="num">[^<]*<\/td><td><span class="status status-(\w+)">/g)].map((m) => ({
      status: m[2],
      check: m[1],
    }));
    expect([...shown].sort((a, b) => a.check!.localeCompare(b.check!))).toEqual([...checks].sort((a, b) => a.check.localeCompare(b.check)));
    const rank = shown.map((r) => ['blocking', 'attention', 'ok'].indexOf(r.status!));
    expect(rank).toEqual([...rank].sort((a, b) => a - b));
    // The first screen separates what blocks the close, the exposure and cash held, each with its own total, in plain words.
    expect(pane).toMatch(/<h3>What blocks the close <span class="close-total">/);
    expect(pane).toMatch(/<h3>Exposure: past-due receivables <span class="close-total">/);
    expect(pane).toMatch(/<h3>Cash held or owed <span class="close-total">/);
    expect(pane).toContain('<a href="#double-billing">Double billing</a>');
    expect(pane).not.toContain('>billing_duplicates<');
    // A section's headline amount is the close pane's amount for its check.
    const [drift] = await warehouse.query<{ amount: string }>(
      `select cast(amount_at_risk as varchar) as amount from marts.close_status where "check" = 'invoice_status' and company_code = '${truth.companyCode}'`,
    );
    expect(sectionHtml(html, 'payment-status-drift')).toContain(
      `<span class="kpi-label">Amount at risk</span><span class="kpi-value">${formatMoney(drift!.amount)}</span>`,
    );
    // Every section has its heading; freshness names both sources.
    for (const id of SECTIONS) expect(sectionHtml(html, id)).toMatch(/<h2>[^<]+<\/h2>/);
    expect(sectionHtml(html, 'freshness')).toMatch(/<td>buildops<\/td>[\s\S]*<td>spectrum<\/td>/);
    expect(html).toContain(`as of ${formatDate(truth.asOf)}`);
    // Self-contained: no scripts, nothing fetched.
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
  });

  it('every check shows one amount: the close pane, its section and the reconciliation workbook all read amount_at_risk', async () => {
    const outDir = newOutDir();
    const options = { warehouse, outDir, asOf: truth.asOf, companyCode: truth.companyCode, logger: silentLogger };
    const html = readFileSync((await writeCfoReport(options)).html, 'utf8');
    await writeWorkbooks(options);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(outDir, 'reconciliation.xlsx'));
    const summary = workbook.getWorksheet('Summary')!;
    const summaryAmount = new Map<string, number>();
    summary.eachRow((row) => {
      const first = row.getCell(1).value as ExcelJS.CellValue;
      const name = first !== null && typeof first === 'object' && 'result' in first ? String(first.result) : String(first);
      const amount = row.getCell(4).value as ExcelJS.CellValue;
      if (amount !== null && typeof amount === 'object' && 'result' in amount) summaryAmount.set(name, Number(amount.result));
    });
    const rows = await warehouse.query<{ check: string; amount: string }>(
      `select "check", cast(amount_at_risk as varchar) as amount from marts.close_status where company_code = '${truth.companyCode}' and amount_at_risk is not null`,
    );
    const pane = sectionHtml(html, 'close-status');
    const sectionOf: Record<string, string> = {
      invoice_status: 'payment-status-drift',
      cost_code_drift: 'double-billing',
      billing_duplicates: 'double-billing',
      retainage_reconciliation: 'retainage',
      subcontractor_compliance: 'subcontractors-blocked',
      service_ticket_batches: 'service-ticket-batches',
      wip_schedule: 'wip',
      ar_gl_tieout: 'ar-gl-tieout',
    };
    sectionOf.cost_code_drift = 'cost-code-drift';
    let compared = 0;
    for (const { check, amount } of rows) {
      const row = new RegExp(`<tr data-check="${check}"><td class="num">([^<]*)</td>`).exec(pane);
      expect(row?.[1], `${check} in the close pane`).toBe(formatMoney(amount));
      const sheet = FINDING_SHEETS.find((s) => s.mart === check);
      if (sheet?.amount) {
        expect(summaryAmount.get(sheet.name), `${check} on the workbook Summary`).toBeCloseTo(Number(amount), 2);
        compared += 1;
      }
      const id = sectionOf[check];
      if (id) expect(sectionHtml(html, id), `${check} in its section`).toContain(`<span class="kpi-value">${formatMoney(amount)}</span>`);
    }
    // Every finding sheet with an amount was compared, and some amounts are not zero.
    expect(compared).toBe(FINDING_SHEETS.filter((s) => s.amount && rows.some((r) => r.check === s.mart)).length);
    expect(compared).toBeGreaterThanOrEqual(7);
    expect(rows.some((r) => Number(r.amount) !== 0)).toBe(true);
  });

  it('the trend appears on a second run with a later as-of, and compares with the latest earlier run', async () => {
    const first = '2020-01-31';
    const later = '2020-02-28';
    const one = readFileSync(
      (
        await writeCfoReport({
          warehouse,
          outDir: newOutDir(),
          asOf: first,
          companyCode: truth.companyCode,
          logger: silentLogger,
          now: new Date('2020-01-31T12:00:00Z'),
        })
      ).html,
      'utf8',
    );
    expect(sectionHtml(one, 'trend')).toContain('No earlier report to compare with');
    const two = readFileSync(
      (
        await writeCfoReport({
          warehouse,
          outDir: newOutDir(),
          asOf: later,
          companyCode: truth.companyCode,
          logger: silentLogger,
          now: new Date('2020-02-28T12:00:00Z'),
        })
      ).html,
      'utf8',
    );
    const trend = sectionHtml(two, 'trend');
    expect(trend).toContain('Against the report as of Jan 31, 2020 (run Jan 31, 2020 12:00 UTC)');
    const row = /<tr><td>AR aging, net of retainage: Open total<\/td>.*?<\/tr>/.exec(trend);
    expect(row).not.toBeNull();
    const openTotal = formatMoney(truth.ar_aging.totals.open_total);
    expect(cells(row![0])).toEqual(['AR aging, net of retainage: Open total', openTotal, openTotal, 'no change']);
    // The close pane shows the change column against the same run.
    expect(sectionHtml(two, 'close-status')).toContain('Change since Jan 31, 2020');
    const [recorded] = await warehouse.query<{ runs: number | bigint }>(
      `select count(distinct run_at) as runs from meta.report_history where as_of = cast('${later}' as date) and company_code = '${truth.companyCode}'`,
    );
    expect(Number(recorded!.runs)).toBe(1);
  });

  it('png: true writes each chart as charts/<name>.png', async () => {
    const outDir = newOutDir();
    const result = await writeCfoReport({ warehouse, outDir, asOf: truth.asOf, companyCode: truth.companyCode, logger: silentLogger, png: true });
    expect(result.pngs).toContain(join(outDir, 'charts', 'ar-aging.png'));
    for (const path of result.pngs) {
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    }
  });

  it('the reports stage runs after the models only when they all built', async () => {
    const broken = mkdtempSync(join(outRoot, 'models-'));
    mkdirSync(join(broken, 'marts'));
    writeFileSync(join(broken, 'marts', 'zz_broken_report_test.sql'), "-- grain: nothing\nselect cast('not a number' as integer) as n\n");
    const failedOut = newOutDir();
    const failed = await runPipeline({
      warehouse,
      config,
      secrets: loadSecrets({}),
      logger: silentLogger,
      asOf: truth.asOf,
      stages: ['models', 'reports'],
      modelsDirs: [PACKAGE_MODELS_DIR, broken],
      reports: { outDir: failedOut },
    });
    expect(failed.ok).toBe(false);
    expect(failed.reports).toEqual([]);
    expect(existsSync(join(failedOut, 'cfo-report.html'))).toBe(false);
    const out = newOutDir();
    const good = await runPipeline({
      warehouse,
      config,
      secrets: loadSecrets({}),
      logger: silentLogger,
      asOf: truth.asOf,
      stages: ['models', 'reports'],
      reports: { outDir: out },
    });
    expect(good.ok).toBe(true);
    expect(good.reports[0]).toBe(join(out, 'cfo-report.html'));
    for (const name of ['ar-aging.xlsx', 'reconciliation.xlsx', join('ar-feed', 'manifest.json')]) expect(good.reports).toContain(join(out, name));
  }, 180_000);
});
