/**
 * `plumbline report` and the reports stage of `plumbline run`, as a user runs them: the command
 * (in this process, through the command builder) on a config file, the paths printed, the files there.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import type { CliRun } from '../support/cli.ts';
import { formatDate } from '../../reports/html/format.ts';
import { removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';

const work = mkdtempSync(join(tmpdir(), 'plumbline-report-cli-'));

/** `plumbline <args>` in this process, in the work folder. */
function plumbline(args: string[]): Promise<CliRun> {
  return runCli(args, { cwd: work });
}

/** The paths listed under "Reports written:". */
function printedPaths(stdout: string): string[] {
  const at = stdout.indexOf('Reports written:');
  expect(at, stdout).toBeGreaterThanOrEqual(0);
  return stdout
    .slice(at)
    .split('\n')
    .slice(1)
    .filter((line) => line.startsWith('  '))
    .map((line) => line.trim());
}

describe('plumbline report and the reports stage', () => {
  let asOf: string;
  const config = join(work, 'plumbline.yaml');

  beforeAll(async () => {
    const { dir, truth } = await sandboxExport(1, 'tiny');
    asOf = truth.asOf;
    writeFileSync(
      config,
      [
        `company:\n  code: "${truth.companyCode}"\n  time_zone: ${truth.timeZone}`,
        'warehouse: ./warehouse.duckdb',
        `sources:\n  buildops:\n    kind: files\n    files_dir: ${JSON.stringify(dir)}\n  spectrum:\n    kind: files\n    files_dir: ${JSON.stringify(dir)}`,
        'reports:\n  out_dir: ./reports-out',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(() => {
    removeSandboxExports();
    rmSync(work, { recursive: true, force: true });
  });

  it('run writes the reports into <reports.out_dir>/<as-of>/ after the models, and prints their paths', async () => {
    const run = await plumbline(['run', '--config', config, '--as-of', asOf, '--json-logs']);
    expect(run.code, run.stderr).toBe(0);
    const paths = printedPaths(run.stdout);
    const dir = join(work, 'reports-out', asOf);
    expect(paths[0]).toBe(join(dir, 'cfo-report.html'));
    for (const name of ['ar-aging.xlsx', 'reconciliation.xlsx', join('ar-feed', 'manifest.json')]) expect(paths).toContain(join(dir, name));
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    expect(run.stderr).toContain('"event":"reports.done"');
  });

  it('report --out --png writes there, with a PNG per chart; a missing warehouse or a bad --since is bad usage', async () => {
    const out = join(work, 'elsewhere');
    const report = await plumbline(['report', '--config', config, '--as-of', asOf, '--out', out, '--png', '--json-logs']);
    expect(report.code, report.stderr).toBe(0);
    const paths = printedPaths(report.stdout);
    expect(paths[0]).toBe(join(out, 'cfo-report.html'));
    expect(paths).toContain(join(out, 'charts', 'ar-aging.png'));
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    // The second report of the same warehouse, as of the same date: no trend against itself.
    expect(readFileSync(paths[0]!, 'utf8')).toContain('No earlier report to compare with');
    const nowhere = await plumbline(['report', '--warehouse', join(work, 'no-such.duckdb'), '--as-of', asOf]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('no-such.duckdb does not exist. Check --warehouse');
    expect(existsSync(join(work, 'no-such.duckdb'))).toBe(false);
    const bad = await plumbline(['report', '--config', config, '--as-of', asOf, '--since', asOf]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--since "${asOf}": use a date YYYY-MM-DD before the as-of date`);
  });

  it('report is of the date the marts were built for: another --as-of is refused (exit 2) with the way to rebuild', async () => {
    const other = await plumbline(['report', '--config', config, '--as-of', '2026-11-30', '--out', join(work, 'other')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`The marts were built as of ${asOf}`);
    expect(other.stderr).toContain('plumbline models --as-of 2026-11-30');
    expect(existsSync(join(work, 'other', 'cfo-report.html'))).toBe(false);
    // Without --as-of the report takes the marts' date, whatever today is.
    const own = await plumbline(['report', '--config', config, '--out', join(work, 'own')]);
    expect(own.code, own.stderr).toBe(0);
    expect(readFileSync(join(work, 'own', 'cfo-report.html'), 'utf8')).toContain(`as of ${formatDate(asOf)}`);
  });
});
