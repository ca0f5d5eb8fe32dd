/**
 * The plumbline command as a user runs it: its exit codes and output. Most cases run the command
 * in this process through the command builder; the real process is kept for what only it shows
 * (the exit code it ends with, Ctrl+C, and the demo end to end).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLUMBLINE_BIN, runCli, spawnCli } from '../support/cli.ts';
import type { CliRun } from '../support/cli.ts';

const BIN = PLUMBLINE_BIN;
const work = mkdtempSync(join(tmpdir(), 'plumbline-cli-'));

/** `plumbline <args>` in this process, in the work folder. */
function plumbline(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(args, { cwd: work, env });
}

describe('plumbline CLI', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('--help lists the commands and exits 0', async () => {
    const { code, stdout } = await plumbline(['--help']);
    expect(code).toBe(0);
    for (const command of ['run', 'models', 'report', 'sql', 'init', 'demo']) expect(stdout).toContain(command);
  });

  it('sql prints a table, --json an array of row objects, --csv CSV; exact decimals', async () => {
    const query = "select 1 as one, cast('12.50' as decimal(18,2)) as amount, 'O''Brien, Inc' as name";
    const table = await plumbline(['sql', '--warehouse', ':memory:', query]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/one\s+amount\s+name/);
    expect(table.stdout).toContain('12.50');
    const json = await plumbline(['sql', '--warehouse', ':memory:', '--json', query]);
    expect(JSON.parse(json.stdout)).toEqual([{ one: 1, amount: '12.50', name: "O'Brien, Inc" }]);
    const csv = await plumbline(['sql', '--warehouse', ':memory:', '--csv', query]);
    expect(csv.stdout).toBe('one,amount,name\n1,12.50,"O\'Brien, Inc"\n');
  });

  it('bad usage exits 2; a failing query exits 1 with the error', async () => {
    expect((await plumbline(['nope'])).code).toBe(2);
    expect((await plumbline(['sql', '--json', '--csv', 'select 1'])).code).toBe(2);
    const asOf = await plumbline(['run', '--as-of', '2026-02-30']);
    expect(asOf.code).toBe(2);
    expect(asOf.stderr).toContain('--as-of "2026-02-30" is not a date');
    const failed = await plumbline(['sql', '--warehouse', ':memory:', 'select * from no_such_table']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/no_such_table/);
  });

  it('the real process exits with those codes: 2 for bad usage, 1 for a failure', async () => {
    const usage = await spawnCli(['nope'], { cwd: work });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown command 'nope'");
    const failed = await spawnCli(['sql', '--warehouse', ':memory:', 'select * from no_such_table'], { cwd: work });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^Error: .*no_such_table/m);
  });

  it('a config error names the key, the value and what is allowed, and exits 2', async () => {
    const file = join(work, 'bad.yaml');
    writeFileSync(file, 'company:\n  time_zone: Mars/Olympus\nsources:\n  buildops:\n    kind: soap\nwarehose: x\n');
    const { code, stderr } = await plumbline(['run', '--config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('company.time_zone = "Mars/Olympus": not a time zone name');
    expect(stderr).toMatch(/sources\.buildops\.kind = "soap": .*"api".*"files".*"none"/);
    expect(stderr).toContain('warehose: unknown key');
  });

  it('secrets from the environment never reach the logs', async () => {
    const secret = 'hunter2-very-secret';
    const { stderr } = await plumbline(['run', '--warehouse', 'postgres://plumbline@127.0.0.1:1/warehouse'], { PLUMBLINE_WAREHOUSE_PASSWORD: secret });
    expect(stderr).toContain('Cannot connect to the Postgres warehouse');
    expect(stderr).not.toContain(secret);
  });

  it('init writes a commented config and the mapping files, and will not overwrite them', async () => {
    const dir = join(work, 'project');
    const first = await plumbline(['init', dir]);
    expect(first.code).toBe(0);
    expect(readFileSync(join(dir, 'plumbline.yaml'), 'utf8')).toContain('# plumbline configuration');
    expect(readFileSync(join(dir, 'mappings', 'cost_code_map.csv'), 'utf8')).toBe('item_code,phase_code,cost_type\n');
    expect(readFileSync(join(dir, 'mappings', 'department_cost_centers.csv'), 'utf8')).toBe('department_name,cost_center\n');
    // The starter config is valid as written.
    const run = await plumbline(['models', '--list', '--config', join(dir, 'plumbline.yaml')]);
    expect(run.code).toBe(0);
    const again = await plumbline(['init', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('Not overwriting');
  });

  it('sandbox export writes the file layout and its ground truth; a bad scale is bad usage', async () => {
    const dir = join(work, 'export');
    const { code, stdout } = await plumbline(['sandbox', 'export', dir, '--seed', '5']);
    expect(code).toBe(0);
    expect(stdout).toContain('ground-truth.json');
    const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as { seed: string; scale: string };
    expect(truth).toMatchObject({ seed: '5', scale: 'tiny' });
    expect(existsSync(join(dir, 'spectrum', 'CR_INVOICE_HEADER_MC.csv'))).toBe(true);
    expect(existsSync(join(dir, 'buildops', 'invoices.json'))).toBe(true);
    // Reading the export: several companies and none named stops before loading anything.
    const warehouse = join(work, 'from-files.duckdb');
    const ambiguous = await plumbline(['run', '--files', dir, '--warehouse', warehouse, '--as-of', '2026-11-15']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('hold several companies (1, 2); choose one with --company');
    const run = await plumbline(['run', '--files', dir, '--company', '1', '--warehouse', warehouse, '--as-of', '2026-11-15']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/spectrum\.CR_INVOICE_HEADER_MC\s+\d+\s+0/);
    const bad = await plumbline(['sandbox', 'export', dir, '--scale', 'huge']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--scale "huge": use one of tiny, small, medium, large');
  });

  it('sandbox serve prints URLs and credentials, answers, and stops on Ctrl+C', async () => {
    const child = spawn(process.execPath, [BIN, 'sandbox', 'serve', '--seed', '2'], { cwd: work });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('Press Ctrl+C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const url = /BuildOps API\s+(http:\/\/\S+)/.exec(stdout)?.[1];
    expect(url).toBeDefined();
    const response = await fetch(`${url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'sandbox-client', clientSecret: 'sandbox-secret' }),
    });
    expect(response.status).toBe(200);
    expect(stdout).toMatch(/Spectrum SQL \(TDS\)\s+127\.0\.0\.1:\d+/);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });

  it('demo runs the pipeline against the sandbox into ./plumbline-demo and prints what it found', async () => {
    const { code, stdout } = await spawnCli(['demo', '--scale', 'tiny'], { cwd: work });
    expect(code).toBe(0);
    expect(stdout).toContain('Extracted and loaded (BuildOps over its REST API, Spectrum over SQL Server/TDS)');
    // Every mart's findings, type by type, beside the ground truth: all found, none extra.
    expect(stdout).toContain('What the marts found, beside what the sandbox planted (ground truth):');
    expect(stdout).toMatch(/invoice_status\.missing_in_spectrum\s+1\s+1\s+yes/);
    expect(stdout).toMatch(/cost_code_drift\.posted_cost_code_mismatch\s+1\s+1\s+yes/);
    expect(stdout).toMatch(/billing_duplicates\.duplicate_invoice\s+1\s+1\s+yes/);
    // The AR aging the warehouse found equals what the sandbox planted, bucket by bucket.
    expect(stdout).toMatch(/open total\s+[\d.]+\s+[\d.]+\s+yes/);
    expect(stdout).not.toMatch(/\sNO$/m);
    // The demo pushed into the sandbox's Spectrum: every clean record sent, every planted one blocked, none failed.
    for (const type of ['job', 'phase', 'invoice']) expect(stdout).toMatch(new RegExp(`^${type}\\s+(\\d+)\\s+\\1\\s+(\\d+)\\s+\\2\\s+0$`, 'm'));
    // The summary ends with the reports the run wrote, the CFO report first.
    const reports = /Reports \(open the HTML in a browser\):\n((?: {2}\S+\n)+)\n*$/.exec(stdout);
    expect(reports).not.toBeNull();
    const paths = reports![1]!.trim().split(/\n\s*/);
    expect(paths[0]).toMatch(/plumbline-reports[\\/]\d{4}-\d{2}-\d{2}[\\/]cfo-report\.html$/);
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    // The demo ran the previous month end first: its report shows a trend against it.
    const html = readFileSync(paths[0]!, 'utf8');
    const trend = html.slice(html.indexOf('<section id="trend"'), html.indexOf('</section>', html.indexOf('<section id="trend"')));
    expect(trend).toContain('Against the report as of Oct 31, 2026');
    expect(trend).not.toContain('No earlier report');
    const warehouse = join(work, 'plumbline-demo', 'warehouse.duckdb');
    const truth = JSON.parse(readFileSync(join(work, 'plumbline-demo', 'ground-truth.json'), 'utf8')) as { companyCode: string };
    const check = await plumbline([
      'sql',
      '--json',
      '--warehouse',
      warehouse,
      'select count(distinct company_code) as companies, min(company_code) as company from raw.spectrum__cr_invoice_header_mc',
    ]);
    expect(JSON.parse(check.stdout)).toEqual([{ companies: 1, company: truth.companyCode }]);
  });
});
