/**
 * `plumbline status` on both backends, after a real run against the sandbox's servers (load over
 * the API and TDS, models, a push into the sandbox's Data Exchange, the reports): it lists the run
 * and its stages, each source's freshness, the open findings and what changed since the previous
 * report, and the outbox; it exits 0 only when the last run ended ok and every source is fresh.
 * On DuckDB it reads while another process holds the file for a run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { acquireRunLock } from '../../load/run-lock.ts';
import { exportMappings, generateContractor, openStore } from '../../sandbox/index.ts';
import type { GroundTruth, Store } from '../../sandbox/index.ts';
import { startSandboxServers } from '../../sandbox/servers/start.ts';
import type { SandboxServers } from '../../sandbox/servers/start.ts';
import { sandboxConfig, sandboxSecrets } from '../../scheduler/demo.ts';
import { runPipeline } from '../../scheduler/pipeline.ts';
import type { StatusReport } from '../../scheduler/status.ts';
import { runCli, spawnCli } from '../support/cli.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

let store: Store;
let servers: SandboxServers;
let truth: GroundTruth;
const work = mkdtempSync(join(tmpdir(), 'plumbline-status-'));

beforeAll(async () => {
  store = await openStore();
  truth = await generateContractor(store, { seed: 6, scale: 'tiny' });
  servers = await startSandboxServers(store);
  await exportMappings(store, join(work, 'mappings'));
});
afterAll(async () => {
  await servers?.close();
  store?.close();
  rmSync(work, { recursive: true, force: true });
});

let configs = 0;
/** A config file for status: the sandbox's sources (so both are judged), and `checks` as given. */
function statusConfig(checks: Record<string, number> = {}): string {
  const file = join(work, `status-${++configs}.yaml`);
  writeFileSync(
    file,
    stringify({
      company: { code: truth.companyCode },
      sources: {
        buildops: { kind: 'api', base_url: servers.buildops.url, tenant_id: servers.buildops.tenantId },
        spectrum: { kind: 'sql', server: servers.spectrumSql.host, port: servers.spectrumSql.port },
      },
      checks,
      // Status reads meta, which the reader role may not: it must not read through this.
      reader_warehouse: 'postgres://plumbline_reader@127.0.0.1:1/nowhere',
    }),
  );
  return file;
}

/** `plumbline status --json` of the warehouse at `location`; the report and the exit code. */
async function status(location: string, config = statusConfig()): Promise<{ code: number; report: StatusReport; stderr: string }> {
  const run = await runCli(['status', '--json', '--warehouse', location, '--config', config], { cwd: work });
  return { code: run.code, report: JSON.parse(run.stdout) as StatusReport, stderr: run.stderr };
}

/** Runs SQL against the warehouse as a writer, then lets it go (a DuckDB writer publishes the readers' copy as it closes). */
async function write(location: string, work: (warehouse: Warehouse) => Promise<void>): Promise<void> {
  const warehouse = await openWarehouse(location);
  try {
    await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

const dayBefore = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

describeEachWarehouse('plumbline status', (factory) => {
  afterAll(() => factory.cleanup());

  it('a warehouse with no run exits 1, saying so and what to do', async () => {
    const location = await factory.newLocation();
    await write(location, async () => undefined);
    const { code, report, stderr } = await status(location);
    expect(code).toBe(1);
    expect(report.healthy).toBe(false);
    expect(report.runs).toEqual([]);
    expect(report.problems[0]).toBe('this warehouse has no run yet: run plumbline run (or plumbline demo), then plumbline status again');
    expect(report.freshness.map((f) => [f.source, f.last_loaded_at, f.fresh])).toEqual([
      ['buildops', null, false],
      ['spectrum', null, false],
    ]);
    expect(stderr).toContain('Error: Not healthy: this warehouse has no run yet');
    expect((await runCli(['status', '--runs', '0', '--warehouse', location], { cwd: work })).code).toBe(2);
  });

  it('after a sandbox run: the run and its stages, freshness, findings and the outbox (exit 0); a stale source or a failed last run exits 1', async () => {
    const location = await factory.newLocation();
    const started = new Date();
    let runId = '';
    // A contractor of its own: the push writes into its Spectrum, which the other backend's run must not find full.
    const own = await openStore();
    await generateContractor(own, { seed: 6, scale: 'tiny' });
    const ownServers = await startSandboxServers(own);
    try {
      await write(location, async (warehouse) => {
        const result = await runPipeline({
          warehouse,
          config: sandboxConfig(ownServers, truth, work),
          secrets: sandboxSecrets(ownServers),
          logger: silentLogger,
          asOf: truth.asOf,
          stages: ['load', 'models', 'writeback', 'reports'],
          reports: { outDir: join(work, `reports-${factory.kind}`) },
        });
        expect(result.message ?? null).toBeNull();
        expect(result.ok).toBe(true);
        runId = result.runId;
      });
    } finally {
      await ownServers.close();
      own.close();
    }
    const witness = await openWarehouse(location, { readOnly: true });
    const closeStatus = await witness.query<{ check: string; open_findings: number | string }>(
      `select "check", open_findings from marts.close_status order by "check"`,
    );
    const outbox = await witness.query<{ state: string; records: number | string }>(
      `select state, count(*) as records from meta.outbox group by state order by state`,
    );
    const history = await witness.query<{ mart: string; finding_key: string }>(`select mart, finding_key from meta.finding_history order by mart, finding_key`);
    await witness.close();

    const { code, report } = await status(location);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.healthy).toBe(true);
    const [run] = report.runs;
    expect(run).toMatchObject({ run_id: runId, status: 'ok', as_of: truth.asOf, trigger: 'manual', failed_steps: [] });
    expect(run!.stages.map((s) => [s.stage, s.status])).toEqual([
      ['load', 'ok'],
      ['models', 'ok'],
      ['writeback', 'ok'],
      ['reports', 'ok'],
    ]);
    expect(report.freshness.map((f) => [f.source, f.fresh, f.limit_hours])).toEqual([
      ['buildops', true, 26],
      ['spectrum', true, 26],
    ]);
    for (const f of report.freshness) {
      expect(Date.parse(f.last_loaded_at!)).toBeGreaterThanOrEqual(started.getTime() - 1000);
      expect(f.hours_since).toBeLessThan(1);
    }
    // The open findings are marts.close_status's, row for row.
    expect(report.findings.close_status.map((c) => [c.check, c.open_findings])).toEqual(closeStatus.map((c) => [c.check, Number(c.open_findings)]));
    expect(report.findings.close_status.some((c) => c.open_findings > 0)).toBe(true);
    // The first report: every finding it recorded is new.
    expect(report.findings).toMatchObject({ as_of: truth.asOf, previous_as_of: null });
    expect(history.length).toBeGreaterThan(0);
    expect(report.findings.changes.flatMap((c) => c.new.map((k) => `${c.mart}:${k}`)).sort()).toEqual(history.map((h) => `${h.mart}:${h.finding_key}`).sort());
    expect(report.findings.changes.every((c) => c.resolved.length === 0 && c.open === c.new.length)).toBe(true);
    // The outbox by state: the push sent the sandbox's clean records.
    expect(report.outbox.map((o) => [o.state, o.records])).toEqual(outbox.map((o) => [o.state, Number(o.records)]));
    expect(report.outbox.reduce((n, o) => n + o.records, 0)).toBeGreaterThan(0);

    // The human form says the same.
    const human = await runCli(['status', '--warehouse', location, '--config', statusConfig()], { cwd: work });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Status: OK$/m);
    for (const section of [
      'Runs (newest first)',
      'Freshness (now)',
      'Open findings (marts.close_status)',
      `Findings of the report of ${truth.asOf}`,
      'Write-back outbox',
    ])
      expect(human.stdout).toContain(section);

    if (factory.kind === 'duckdb') {
      // Another process reads while this one holds the file for a run (the writer lock and the run's note).
      const holder = await openWarehouse(location);
      const lock = await acquireRunLock(holder, location, { waitSeconds: 0 });
      try {
        const other = await spawnCli(['status', '--json', '--warehouse', location, '--config', statusConfig()], { cwd: work });
        expect(other.code).toBe(0);
        const seen = JSON.parse(other.stdout) as StatusReport;
        expect(seen.run_in_progress?.pid).toBe(process.pid);
        expect(seen.runs[0]!.run_id).toBe(runId);
      } finally {
        await lock.release();
        await holder.close();
      }
    }

    // What changed since the previous report: plant one the day before, with one finding fewer and one that is gone since.
    const [kept, ...rest] = history;
    const previous = dayBefore(truth.asOf);
    await write(location, async (warehouse) => {
      for (const h of [...rest, { mart: kept!.mart, finding_key: `${kept!.mart}|gone-since` }])
        await warehouse.query(`insert into meta.finding_history (finding_key, mart, as_of) values ($1, $2, cast($3 as date))`, [
          h.finding_key,
          h.mart,
          previous,
        ]);
    });
    const changed = (await status(location)).report.findings;
    expect(changed).toMatchObject({ as_of: truth.asOf, previous_as_of: previous });
    expect(changed.changes.flatMap((c) => c.new)).toEqual([kept!.finding_key]);
    expect(changed.changes.flatMap((c) => c.resolved)).toEqual([`${kept!.mart}|gone-since`]);

    // A stale source: the loads made 30 hours older than they are.
    await write(location, (warehouse) => warehouse.query(`update meta.loads set finished_at = finished_at - interval '30 hours'`).then(() => undefined));
    const stale = await status(location);
    expect(stale.code).toBe(1);
    expect(stale.report.freshness.map((f) => f.fresh)).toEqual([false, false]);
    expect(stale.report.problems[0]).toMatch(/^buildops last loaded 30(\.\d)? h ago, more than 26 h \(checks\.freshness_hours\)/);
    expect(stale.stderr).toMatch(/Error: Not healthy: buildops last loaded/);
    // checks.freshness_hours decides what is stale.
    expect((await status(location, statusConfig({ freshness_hours: 40 }))).code).toBe(0);

    // A failed run after it is the last run; a run still going on after that is not counted as the last.
    await write(location, async (warehouse) => {
      const later = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString().replace('T', ' ').replace('Z', '');
      for (const [id, state, at] of [
        ['failed-run', 'failed', later(1)],
        ['running-run', 'running', later(2)],
      ] as const)
        await warehouse.query(
          `insert into meta.runs (run_id, trigger, status, started_at, as_of, stages, message, warehouse, plumbline_version) values ($1, 'schedule', $2, cast($3 as timestamp), cast($4 as date), 'load', $5, 'w', 'test')`,
          [id, state, at, truth.asOf, state === 'failed' ? 'spectrum refused the login' : null],
        );
    });
    const failed = await status(location, statusConfig({ freshness_hours: 40 }));
    expect(failed.code).toBe(1);
    expect(failed.report.runs.map((r) => r.run_id).slice(0, 3)).toEqual(['running-run', 'failed-run', runId]);
    expect(failed.report.problems).toEqual(['the last run failed-run ended failed: spectrum refused the login']);
  });
});
