/**
 * An export file whose content is the one its last load read is not read again: the step says
 * `unchanged`, meta.loads records it as such (never as a load of 0 rows), the tables and the
 * volume records stay as they were, and the close status sees a fresh, not an empty, source. A
 * changed file, a copy of the same files elsewhere, a full refresh, changed settings, a manifest
 * count and a dropped table each do what they must.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { runPipeline } from '../../scheduler/pipeline.ts';
import type { PipelineResult } from '../../scheduler/pipeline.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import { filesConfig, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

let dir: string;
let truth: GroundTruth;
const copies: string[] = [];

beforeAll(async () => {
  ({ dir, truth } = await sandboxExport(5, 'tiny'));
});
afterAll(() => {
  removeSandboxExports();
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

const asOf = () => truth.asOf;

async function run(
  warehouse: Warehouse,
  config: PlumblineConfig,
  options: { stages?: ('load' | 'models')[]; fullRefresh?: string[] } = {},
): Promise<PipelineResult> {
  return runPipeline({
    warehouse,
    config,
    secrets: loadSecrets({}),
    logger: silentLogger,
    asOf: asOf(),
    stages: options.stages ?? ['load'],
    fullRefresh: options.fullRefresh,
  });
}

const unchangedSteps = (result: PipelineResult) => result.loads.filter((l) => l.note?.startsWith('unchanged since load ')).map((l) => l.name);
const readSteps = (result: PipelineResult) => result.loads.filter((l) => !l.note?.startsWith('unchanged since load ')).map((l) => l.name);

/** Every raw table's rows as sorted text, the load columns left out: what the loads hold. */
async function rawContent(warehouse: Warehouse): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { name } of await warehouse.listRelations('raw')) {
    const columns = (await warehouse.describe('raw', name)).map((c) => c.name).filter((c) => c !== '_load_id' && c !== '_loaded_at');
    const rows = await warehouse.query<Record<string, unknown>>(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM raw."${name}"`);
    out[name] = rows.map((r) => JSON.stringify(columns.map((c) => String(r[c] ?? '')))).sort();
  }
  return out;
}

async function count(warehouse: Warehouse, sql: string, parameters: unknown[] = []): Promise<number> {
  const [row] = await warehouse.query<{ n: number | bigint }>(sql, parameters);
  return Number(row?.n ?? 0);
}

describeEachWarehouse('unchanged export files', (factory) => {
  afterAll(() => factory.cleanup());

  it('a second load of the same files reads none of them: unchanged, tables and volume records as they were, the close status fresh', async () => {
    const warehouse = await factory.open();
    try {
      const config = filesConfig(dir, truth, '');
      const first = await run(warehouse, config, { stages: ['load', 'models'] });
      expect(first.ok).toBe(true);
      expect(unchangedSteps(first)).toEqual([]);
      const content = await rawContent(warehouse);
      const volumes = await count(warehouse, 'SELECT count(*) AS n FROM meta.load_volumes');
      const dataChecks = async () =>
        warehouse.query<{ check: string; status: string; open_findings: number | bigint }>(
          `SELECT "check", status, open_findings FROM marts.close_status WHERE area = 'Data' ORDER BY "check"`,
        );
      const checksBefore = (await dataChecks()).map((r) => [r.check, r.status, Number(r.open_findings)]);
      expect(checksBefore.map(([check]) => check)).toEqual(expect.arrayContaining(['freshness_buildops', 'freshness_spectrum', 'quarantine', 'volume']));

      const second = await run(warehouse, config, { stages: ['load', 'models'] });
      expect(second.ok).toBe(true);
      const load = second.stages.find((s) => s.stage === 'load')!;
      expect(load.status).toBe('ok');
      // Every export file is unchanged, the mapping files too.
      expect(unchangedSteps(second)).toEqual(second.loads.map((l) => l.name));
      expect(load.counts.unchanged).toBe(second.loads.length);
      expect(second.loads.every((l) => l.status === 'ok')).toBe(true);
      expect(await rawContent(warehouse)).toEqual(content);
      // Nothing was published, so no volume was recorded: the volume check reads the real last load.
      expect(await count(warehouse, 'SELECT count(*) AS n FROM meta.load_volumes')).toBe(volumes);
      // meta.loads says unchanged, not "loaded 0 rows".
      const statuses = await warehouse.query<{ status: string; n: number | bigint }>(
        `SELECT status, count(*) AS n FROM meta.loads WHERE load_id = $1 GROUP BY status`,
        [second.runId],
      );
      expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['unchanged', second.loads.length]]);
      // Neither source looks empty nor stale to the close status: its data checks read as they did after the first load.
      expect((await dataChecks()).map((r) => [r.check, r.status, Number(r.open_findings)])).toEqual(checksBefore);
      expect(checksBefore.find(([check]) => check === 'volume')?.[1]).toBe('ok');
    } finally {
      await warehouse.close();
    }
  }, 240_000);

  it('a changed file is read again, a copy of the same files elsewhere is not; --full-refresh and changed settings read again', async () => {
    const warehouse = await factory.open();
    const copy = mkdtempSync(join(tmpdir(), 'plumbline-unchanged-'));
    copies.push(copy);
    try {
      expect((await run(warehouse, filesConfig(dir, truth, ''))).ok).toBe(true);

      // The same bytes in another folder (new modification times): still unchanged.
      cpSync(dir, copy, { recursive: true });
      const customersFile = join(copy, 'buildops', 'customers.json');
      const copied = await run(warehouse, filesConfig(copy, truth, ''));
      expect(readSteps(copied).filter((n) => !n.startsWith('mappings.'))).toEqual([]);

      // One record changed in one file: that resource is read again, the rest is not.
      const customers = JSON.parse(readFileSync(customersFile, 'utf8')) as Record<string, unknown>[];
      customers[0]!.name = 'Renamed Customer LLC';
      writeFileSync(customersFile, JSON.stringify(customers));
      const changed = await run(warehouse, filesConfig(copy, truth, ''));
      expect(changed.ok).toBe(true);
      expect(readSteps(changed).filter((n) => !n.startsWith('mappings.'))).toEqual(['buildops.customers']);
      const [renamed] = await warehouse.query<{ name: string }>(`SELECT name FROM raw.buildops__customers WHERE id = $1`, [customers[0]!.id]);
      expect(renamed?.name).toBe('Renamed Customer LLC');

      // A full refresh of a source reads its files again.
      const full = await run(warehouse, filesConfig(copy, truth, ''), { fullRefresh: ['spectrum'] });
      expect(readSteps(full).filter((n) => n.startsWith('spectrum.')).length).toBe(full.loads.filter((l) => l.name.startsWith('spectrum.')).length);
      expect(unchangedSteps(full).filter((n) => n.startsWith('buildops.')).length).toBe(full.loads.filter((l) => l.name.startsWith('buildops.')).length);

      // A setting that shapes the rows (the time zone of BuildOps business dates) reads BuildOps again.
      const otherZone = filesConfig(copy, truth, '');
      otherZone.company = { ...otherZone.company, time_zone: 'America/New_York' };
      const rezoned = await run(warehouse, otherZone);
      expect(readSteps(rezoned).filter((n) => n.startsWith('buildops.')).length).toBe(rezoned.loads.filter((l) => l.name.startsWith('buildops.')).length);
      expect(unchangedSteps(rezoned).filter((n) => n.startsWith('spectrum.')).length).toBe(rezoned.loads.filter((l) => l.name.startsWith('spectrum.')).length);
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('a dropped table is loaded again; a manifest count that changed is checked by reading the file', async () => {
    const warehouse = await factory.open();
    const copy = mkdtempSync(join(tmpdir(), 'plumbline-unchanged-'));
    copies.push(copy);
    try {
      cpSync(dir, copy, { recursive: true });
      expect((await run(warehouse, filesConfig(copy, truth, ''))).ok).toBe(true);
      const jobs = await count(warehouse, 'SELECT count(*) AS n FROM raw.spectrum__jc_job_master_mc');
      expect(jobs).toBeGreaterThan(0);

      await warehouse.query('DROP TABLE raw.spectrum__jc_job_master_mc');
      const reloaded = await run(warehouse, filesConfig(copy, truth, ''));
      expect(readSteps(reloaded)).toContain('spectrum.JC_JOB_MASTER_MC');
      expect(await count(warehouse, 'SELECT count(*) AS n FROM raw.spectrum__jc_job_master_mc')).toBe(jobs);

      // The manifest now promises another count for an unchanged file: the file is read, and fails the check.
      writeFileSync(join(copy, 'manifest.json'), JSON.stringify({ files: { 'spectrum/JC_JOB_MASTER_MC.csv': { rows: jobs + 5 } } }));
      const checked = await run(warehouse, filesConfig(copy, truth, ''));
      const step = checked.loads.find((l) => l.name === 'spectrum.JC_JOB_MASTER_MC')!;
      expect(step.status).toBe('failed');
      expect(step.error?.message).toMatch(/manifest\.json lists/);
      expect(await count(warehouse, 'SELECT count(*) AS n FROM raw.spectrum__jc_job_master_mc')).toBe(jobs);
    } finally {
      await warehouse.close();
    }
  }, 120_000);
});
