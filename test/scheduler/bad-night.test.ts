/**
 * A report on a bad night: `plumbline run` on the sandbox export, then a second run whose export
 * carries an open item no invoice header explains, so marts.ar_aging fails its tie-out. The run
 * exits 1, the CFO report is still written, marks the mart as from its previous build (when and
 * why), and shows the first build's figures; the mart's table is the first build's. A load that
 * fails leaves no report.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { runCli } from '../support/cli.ts';
import { removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

afterAll(() => removeSandboxExports());

/** The `<section id="…">` of a report page, with the previous-build label taken out. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end).replace(/<p class="previous-build-label">.*?<\/p>/s, '');
}

/** The text of column A and B of a workbook's Summary sheet, one line per row. */
async function summaryText(path: string): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const lines: string[] = [];
  workbook.getWorksheet('Summary')?.eachRow((row) => {
    lines.push(`${String(row.getCell(1).text)} | ${String(row.getCell(2).text)}`);
    // a tie-out's status reads the difference on its own row, whatever rows came above it
    const status = row.getCell(6).formula;
    if (status) expect(status).toContain(`ABS(E${row.number})`);
  });
  return lines.join('\n');
}

/** How each stage of the warehouse's latest run ended, by stage. */
async function latestStages(location: string): Promise<Record<string, string>> {
  const warehouse = await openWarehouse(location);
  try {
    const rows = await warehouse.query<{ stage: string; status: string }>(
      `select stage, status from meta.run_steps
       where step is null and run_id = (select run_id from meta.runs order by started_at desc limit 1)`,
    );
    return Object.fromEntries(rows.map((r) => [r.stage, r.status]));
  } finally {
    await warehouse.close();
  }
}

/** marts.ar_aging as sorted rows of text. */
async function agingRows(location: string): Promise<string> {
  const warehouse: Warehouse = await openWarehouse(location);
  try {
    const rows = await warehouse.query(
      `select invoice_number, customer_code, aging_bucket, cast(open_total as varchar) as open_total, cast(open_net_of_retainage as varchar) as net
       from marts.ar_aging order by company_code, customer_code, invoice_number`,
    );
    return JSON.stringify(rows);
  } finally {
    await warehouse.close();
  }
}

describeEachWarehouse('a report on a bad night', (factory) => {
  const work = mkdtempSync(join(tmpdir(), 'plumbline-bad-night-'));
  const config = join(work, 'plumbline.yaml');
  let location: string;
  let asOf: string;
  let dir: string;

  beforeAll(async () => {
    const exported = await sandboxExport(1, 'tiny');
    dir = exported.dir;
    asOf = exported.truth.asOf;
    location = await factory.newLocation();
    writeFileSync(
      config,
      [
        `company:\n  code: "${exported.truth.companyCode}"\n  time_zone: ${exported.truth.timeZone}`,
        `warehouse: ${JSON.stringify(location)}`,
        `sources:\n  buildops:\n    kind: files\n    files_dir: ${JSON.stringify(dir)}\n  spectrum:\n    kind: files\n    files_dir: ${JSON.stringify(dir)}`,
        'reports:\n  out_dir: ./reports-out',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await factory.cleanup();
  });

  it('a mart failing its checks keeps its previous build; the run exits 1 and still writes the report, marked, with the first build’s figures', async () => {
    const report = join(work, 'reports-out', asOf, 'cfo-report.html');
    const good = await runCli(['run', '--config', config, '--as-of', asOf, '--json-logs'], { cwd: work });
    expect(good.code, good.stderr).toBe(0);
    const first = readFileSync(report, 'utf8');
    expect(first).not.toContain('id="previous-build"');
    const firstAging = await agingRows(location);

    // The next night's export has an open item that no invoice header explains: ar_aging's tie-out fails.
    const openItems = join(dir, 'spectrum', 'CR_OPEN_ITEM_MC.csv');
    const original = readFileSync(openItems, 'utf8');
    const [header, row] = original.split('\r\n') as [string, string];
    const columns = header.split(',');
    const values = row.split(',');
    values[columns.indexOf('Customer_Code')] = 'ZZTEST';
    values[columns.indexOf('Invoice_Or_Transaction')] = 'ZZ999';
    values[columns.indexOf('Transaction_Type')] = 'I';
    writeFileSync(openItems, `${original}${values.join(',')}\r\n`);
    rmSync(report);
    try {
      const bad = await runCli(['run', '--config', config, '--as-of', asOf, '--json-logs'], { cwd: work });
      expect(bad.code, bad.stderr).toBe(1);
      expect(bad.stderr).toContain('open_total_ties_out');
      expect(existsSync(report)).toBe(true);
      expect(bad.stdout).toContain(report);
      expect(await latestStages(location)).toEqual({ load: 'ok', models: 'partial', writeback: 'skipped', reports: 'ok', notify: 'skipped' });
      expect(await agingRows(location)).toBe(firstAging);

      const html = readFileSync(report, 'utf8');
      // On top: which mart, when its build was, and why it was not rebuilt.
      const banner = section(html, 'previous-build');
      expect(html.indexOf('id="previous-build"')).toBeLessThan(html.indexOf('id="close-status"'));
      expect(banner).toContain('data-mart="ar_aging"');
      expect(banner).toMatch(
        new RegExp(
          `Figures from its build of \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC \\(as of ${asOf}\\): it failed this run: check open_total_ties_out failed`,
        ),
      );
      expect(banner).toContain('status-blocking');
      // What reads it was not rebuilt either, and says so.
      expect(banner).toContain('data-mart="ar_aging_by_customer"');
      // The close pane marks the mart blocking; its section is labelled and shows the first build's figures.
      expect(html).toMatch(/<tr data-check="ar_aging">[^\n]*status-blocking[^\n]*marts\.ar_aging failed this run/);
      expect(html).toContain('<p class="previous-build-label">');
      expect(section(html, 'ar-aging')).toBe(section(first, 'ar-aging'));
      // A mart that was rebuilt is not labelled.
      expect(section(html, 'double-billing')).not.toContain('previous build');
      // The workbooks say it on their Summary, under the title; the tie-out formulas still read their own rows.
      const aging = await summaryText(join(work, 'reports-out', asOf, 'ar-aging.xlsx'));
      expect(aging).toContain('BLOCKING: not rebuilt tonight — figures from the previous build');
      expect(aging).toMatch(/marts\.ar_aging \| Figures from its build of .* it failed this run: check open_total_ties_out failed/);
      expect(await summaryText(join(work, 'reports-out', asOf, 'reconciliation.xlsx'))).not.toContain('BLOCKING: not rebuilt tonight');
    } finally {
      writeFileSync(openItems, original);
    }
  });

  it('a load that fails leaves no report: the models and reports do not run', async () => {
    const invoices = join(dir, 'buildops', 'invoices.json');
    const original = readFileSync(invoices, 'utf8');
    writeFileSync(invoices, original.slice(0, Math.floor(original.length / 2)));
    try {
      const broken = await runCli(['run', '--config', config, '--as-of', asOf, '--json-logs'], { cwd: work });
      expect(broken.code, broken.stderr).toBe(1);
      expect(await latestStages(location)).toEqual({ load: 'partial', models: 'skipped', writeback: 'skipped', reports: 'skipped', notify: 'skipped' });
    } finally {
      writeFileSync(invoices, original);
    }
  });
});
