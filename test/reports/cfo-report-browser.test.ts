/**
 * The CFO report of the sandbox in headless Chromium (the Debian package, driven by
 * playwright-core): it loads with no console error and no failed request, shows every section,
 * reads on a phone, screenshots, prints to PDF, and a customer named
 * `<script>alert(1)</script>` shows as text while no script runs. DuckDB only: the page is the
 * same on both backends (cfo-report.test.ts covers the queries on both).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { writeCfoReport } from '../../reports/html/index.ts';
import type { CfoReportResult } from '../../reports/html/index.ts';
import { filesConfig, loadAndBuild, rebuild, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';

const CHROMIUM = '/usr/bin/chromium';
const found = existsSync(CHROMIUM);
const why = `${CHROMIUM} is not installed (Debian package chromium)`;
if (!found) process.stderr.write(`[CFO report in Chromium] did not run: ${why}\n`);

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
  'customer-profitability',
  'cost-code-overruns',
  'cash-conversion',
  'service-conversion',
  'coverage-below-requirement',
];
const EVIL = '<script>alert(1)</script>';

describe.skipIf(!found)(`CFO report in Chromium${found ? '' : ` — NOT RUN: ${why}`}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-cfo-browser-'));
  let warehouse: Warehouse;
  let browser: Browser;
  let report: CfoReportResult;

  beforeAll(async () => {
    const { dir: exportDir, truth } = await sandboxExport(1, 'tiny');
    const location = join(dir, 'warehouse.duckdb');
    warehouse = await openWarehouse(location);
    const config = filesConfig(exportDir, truth, location);
    await loadAndBuild(warehouse, config, truth.asOf);
    // A customer whose name is markup, with one large open invoice so it leads the AR chart and table.
    const company = truth.companyCode;
    await warehouse.query(`insert into raw.spectrum__cr_customer_master_mc (company_code, customer_code, name, status)
      values ('${company}', 'EVIL01', '${EVIL}', 'A')`);
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type)
      values ('${company}', 'EV001', 'EVIL01', 'EVJOB', CAST('2026-09-01' AS DATE), CAST('2026-10-01' AS DATE), 900000.00, 0.00, null, 'I')`);
    await warehouse.query(`insert into raw.spectrum__cr_open_item_mc
      (company_code, customer_code, invoice_or_transaction, job_number, transaction_type, invoice_date, due_date, invoice_balance)
      values ('${company}', 'EVIL01', 'EV001', 'EVJOB', 'I', CAST('2026-09-01' AS DATE), CAST('2026-10-01' AS DATE), 900000.00)`);
    await rebuild(warehouse, config, truth.asOf);
    report = await writeCfoReport({
      warehouse,
      outDir: join(dir, 'report'),
      asOf: truth.asOf,
      companyCode: company,
      logger: silentLogger,
      png: true,
      pdf: true,
      chromium: CHROMIUM,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 240_000);

  afterAll(async () => {
    // PLUMBLINE_TEST_SCREENSHOTS=<dir> keeps the screenshots and the report (e.g. as CI artifacts).
    const keep = process.env.PLUMBLINE_TEST_SCREENSHOTS;
    if (keep) cpSync(dir, keep, { recursive: true, filter: (path) => !path.endsWith('.duckdb') && !path.endsWith('.wal') });
    await browser?.close();
    await warehouse?.close();
    removeSandboxExports();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the report, recording console errors, failed requests and dialogs. */
  async function open(viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[]; dialogs: string[] }> {
    const page = await browser.newPage({ viewport });
    const problems: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) problems.push(`network request: ${request.url()}`);
    });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(pathToFileURL(report.html).href, { waitUntil: 'load' });
    return { page, problems, dialogs };
  }

  it('loads with no console error and no failed request, shows every section, and screenshots', async () => {
    const { page, problems } = await open({ width: 1280, height: 900 });
    try {
      for (const id of SECTIONS) {
        await expect.poll(() => page.locator(`section#${id} h2`).isVisible()).toBe(true);
      }
      expect(await page.locator('section#ar-aging figure.chart > svg').count()).toBe(1);
      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it(`a customer named ${EVIL} shows literally, in the table and the chart, and no script runs`, async () => {
    const html = readFileSync(report.html, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const { page, problems, dialogs } = await open({ width: 1280, height: 900 });
    try {
      await expect.poll(() => page.locator('section#ar-aging td', { hasText: EVIL }).count()).toBe(1);
      // Plot's axis label (linkedom's serialization escapes it too).
      expect(await page.locator('section#ar-aging svg text', { hasText: '<script>alert(1)' }).count()).toBeGreaterThan(0);
      expect(await page.locator('script').count()).toBe(0);
      await page.waitForTimeout(300);
      expect(dialogs).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  /** Every table frame whose table is wider than the frame (a column hidden off to the side). */
  async function overflowingTables(page: Page): Promise<string[]> {
    // Browser-side code as text: the project's TypeScript has no DOM library.
    return page.evaluate<string[]>(
      "[...document.querySelectorAll('.table-wrap')].filter((el) => el.getBoundingClientRect().width > 0 && el.scrollWidth > el.clientWidth + 1).map((el) => (el.closest('section') || {}).id + ': ' + el.scrollWidth + ' > ' + el.clientWidth)",
    );
  }

  it('at 1400 px no table hides a column: every table fits its frame; screenshot', async () => {
    const { page, problems } = await open({ width: 1400, height: 900 });
    try {
      // Open the full list of close checks too: it must fit as well.
      await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })");
      expect(await overflowingTables(page)).toEqual([]);
      expect(await page.locator('.table-wrap').count()).toBeGreaterThanOrEqual(9);
      await page.screenshot({ path: join(dir, 'desktop-1400.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('reads on a phone: no sideways scrolling, rows read as cards with the money first, chart text at least 10 px', async () => {
    const { page, problems } = await open({ width: 390, height: 844 });
    try {
      await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })");
      const widths = await page.evaluate<{ page: number; viewport: number }>('({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })');
      expect(widths.page).toBeLessThanOrEqual(widths.viewport);
      expect(await overflowingTables(page)).toEqual([]);
      // An AR aging row reads as a card: its customer on top, then the money before any other text.
      const order = await page.evaluate<string[]>(
        "(() => { const cells = [...document.querySelector('section#ar-aging tbody tr').children].filter((c) => c.getBoundingClientRect().height > 0); cells.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top || a.getBoundingClientRect().left - b.getBoundingClientRect().left); return cells.map((c) => c.className.includes('money') ? 'money' : 'text'); })()",
      );
      expect(order[0]).toBe('text');
      expect(order[1]).toBe('money');
      expect(order.slice(1).indexOf('text') === -1 || order.slice(1).indexOf('text') > order.slice(1).lastIndexOf('money')).toBe(true);
      // The smallest chart text as drawn on the screen (font size × the SVG's scale).
      const smallest = await page.evaluate<number>(
        "Math.min(...[...document.querySelectorAll('figure.chart > svg')].flatMap((svg) => { const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; return [...svg.querySelectorAll('text')].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale); }))",
      );
      expect(smallest).toBeGreaterThanOrEqual(10);
      await page.screenshot({ path: join(dir, 'phone-390.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('prints: a PDF is written, and in print media no table is clipped', async () => {
    expect(report.pdf).not.toBeNull();
    expect(readFileSync(report.pdf!).subarray(0, 5).toString()).toBe('%PDF-');
    const { page } = await open({ width: 1000, height: 900 });
    try {
      await page.emulateMedia({ media: 'print' });
      const clipped = await page.evaluate<number>(
        "[...document.querySelectorAll('.table-wrap')].filter((el) => getComputedStyle(el).overflowX !== 'visible').length",
      );
      expect(clipped).toBe(0);
      // Nothing wider than the printed page: every column of every table is on paper.
      const printed = await page.evaluate<{ page: number; widest: number }>(
        "({ page: document.documentElement.clientWidth, widest: Math.max(...[...document.querySelectorAll('table')].map((t) => t.getBoundingClientRect().right)) })",
      );
      expect(printed.widest).toBeLessThanOrEqual(printed.page);
    } finally {
      await page.close();
    }
  });

  it('png: each chart as charts/<name>.png', () => {
    expect(report.pngs.map((p) => p.split('/').pop())).toContain('ar-aging.png');
  });
});
