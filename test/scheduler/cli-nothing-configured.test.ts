/**
 * `plumbline init` then `plumbline run`: nothing is configured, so the run fails, says how to
 * configure it, and logs as any run off a terminal does. The run is the real process (its exit
 * code, its stderr); init and the query of meta.runs run in this one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'plumbline-init-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('init + run exits 1, says no source is configured and how to configure one; the report says no data loaded, never 0 blocking', async () => {
  expect((await runCli(['init'], { cwd: work })).code).toBe(0);
  const run = await spawnCli(['run', '--as-of', '2026-11-15'], { cwd: work });
  expect(run.code, run.stderr).toBe(1);
  // Not on a terminal, it logs one JSON object per line, as any run does (the error line aside).
  const events = run.stderr
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { event: string }).event);
  expect(events).toEqual(expect.arrayContaining(['run.start', 'run.end']));
  const error = run.stderr.split('\n').find((line) => line.startsWith('Error: '));
  expect(error).toMatch(/^Error: Run \S+ failed: nothing ran: no source is configured/);
  expect(error).toContain('plumbline init');
  expect(error).toContain('--files <dir>');
  expect(run.stdout).toMatch(/^load: skipped — no source is configured/m);
  expect(run.stdout).toMatch(/^models: skipped — every mart was skipped/m);

  const html = readFileSync(join(work, 'plumbline-reports', '2026-11-15', 'cfo-report.html'), 'utf8');
  const top = html.slice(html.indexOf('<main>'));
  expect(top.indexOf('No data loaded')).toBeGreaterThan(-1);
  expect(top.indexOf('No data loaded')).toBeLessThan(top.indexOf('</section>'));
  expect(html).not.toMatch(/\d+ blocking/);

  // The run is stored, failed, with the same message.
  const stored = await runCli(['sql', '--json', 'select status, trigger, message from meta.runs'], { cwd: work });
  const [record] = JSON.parse(stored.stdout) as { status: string; trigger: string; message: string }[];
  expect(record).toMatchObject({ status: 'failed', trigger: 'manual' });
  expect(error).toContain(record!.message);
});
