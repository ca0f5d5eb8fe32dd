/**
 * The logs of a run that is not on a terminal (cron, systemd): every line of stderr is one JSON
 * object; every event names the run (run_id); the events of a stage name it (stage), a load its
 * resource, rows and ms, a model its rows and ms, each stage's and the run's end their ms; and
 * no secret appears anywhere, even where a path holds one. On both backends.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroundTruth } from '../../sandbox/index.ts';
import { spawnCli } from '../support/cli.ts';
import { removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const SECRET = 'Sw0rdfish-7c41e9';
const work = mkdtempSync(join(tmpdir(), 'plumbline-json-logs-'));
let exportDir: string;
let truth: GroundTruth;

beforeAll(async () => {
  ({ dir: exportDir, truth } = await sandboxExport(1, 'tiny'));
}, 120_000);
afterAll(() => {
  removeSandboxExports();
  rmSync(work, { recursive: true, force: true });
});

type Event = Record<string, unknown> & { time: string; level: string; event: string; message: string };

describeEachWarehouse('JSON logs of a run off a terminal', (factory) => {
  afterAll(() => factory.cleanup());

  it('one JSON object per line, each naming the run, with stage, resource, rows and ms where they apply, and no secret', async () => {
    // The secret is in the folder names, so the run's own messages (the warehouse, the report paths) would carry it unmasked.
    const secretDir = join(work, `${factory.kind}-${SECRET}`);
    mkdirSync(secretDir, { recursive: true });
    const location = factory.kind === 'duckdb' ? join(secretDir, 'warehouse.duckdb') : await factory.newLocation();
    const config = join(work, `${factory.kind}.yaml`);
    writeFileSync(config, `company:\n  time_zone: ${truth.timeZone}\nreports:\n  out_dir: ${JSON.stringify(join(secretDir, 'reports'))}\n`);
    const run = await spawnCli(
      ['run', '--files', exportDir, '--company', truth.companyCode, '--as-of', truth.asOf, '--warehouse', location, '--config', config],
      {
        cwd: work,
        env: { BUILDOPS_CLIENT_SECRET: SECRET },
      },
    );
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
    expect(run.stderr).toContain('***');

    const lines = run.stderr.split('\n').filter((line) => line !== '');
    const events = lines.map((line) => JSON.parse(line) as Event);
    for (const e of events) expect(Object.keys(e).slice(0, 4)).toEqual(['time', 'level', 'event', 'message']);
    const runId = events.find((e) => e.event === 'run.start')?.run_id;
    expect(runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    for (const e of events) expect(e.run_id, `${e.event}: ${e.message}`).toBe(runId);

    const of = (name: string): Event[] => events.filter((e) => e.event === name);
    expect(of('load.done').length).toBeGreaterThan(10);
    for (const e of of('load.done')) {
      expect(e).toMatchObject({ stage: 'load', resource: expect.stringMatching(/^(buildops|spectrum|mappings)\./), rows: expect.any(Number) });
      expect(e.ms).toEqual(expect.any(Number));
    }
    expect(of('model.built').filter((e) => e.materialized === 'table').length).toBeGreaterThan(10);
    for (const e of of('model.built')) {
      expect(e).toMatchObject({ stage: 'models', model: expect.any(String), ms: expect.any(Number) });
      // A table counts its rows; a view's are not counted (null).
      expect(e.rows === null ? null : typeof e.rows, String(e.model)).toBe(e.materialized === 'table' ? 'number' : null);
    }
    for (const name of ['report.html', 'report.excel', 'reports.done']) {
      expect(of(name).length, name).toBeGreaterThan(0);
      for (const e of of(name)) expect(e.stage).toBe('reports');
    }
    const stageEnds = of('stage.end');
    expect(stageEnds.map((e) => e.stage)).toEqual(['load', 'models', 'writeback', 'reports', 'notify']);
    for (const e of stageEnds) expect(e).toMatchObject({ status: expect.any(String), rows: expect.any(Number), ms: expect.any(Number) });
    // A stage's rows are its steps' records, as meta.run_steps stores them (a load's child rows are not counted twice).
    expect(Number(stageEnds.find((e) => e.stage === 'load')!.rows)).toBeGreaterThan(100);
    expect(of('run.end')).toEqual([expect.objectContaining({ ok: true, status: 'ok', ms: expect.any(Number) })]);
  }, 180_000);
});
