/**
 * A nightly run keeps the models whose inputs did not change: every mart stays identical to a
 * full rebuild. After a run on the same files nothing that reads the raw tables is built again;
 * after one export file and one mapping file changed, exactly the models reading them (and what
 * reads those) are built again; models reading meta tables or nothing are always built.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars, runPipeline } from '../../scheduler/pipeline.ts';
import type { PipelineResult } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import { discoverModels, orderModels, runModels } from '../../transform/index.ts';
import { filesConfig, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

let exported: string;
let truth: GroundTruth;
const copies: string[] = [];

beforeAll(async () => {
  ({ dir: exported, truth } = await sandboxExport(7, 'tiny'));
});

/** A copy of the export of the test's own, to change files in. */
function exportCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-unchanged-models-'));
  copies.push(dir);
  cpSync(exported, dir, { recursive: true });
  return dir;
}
afterAll(() => {
  removeSandboxExports();
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

const models = () => orderModels(discoverModels([PACKAGE_MODELS_DIR]));

async function nightly(warehouse: Warehouse, config: PlumblineConfig): Promise<PipelineResult> {
  const result = await runPipeline({ warehouse, config, secrets: loadSecrets({}), logger: silentLogger, asOf: truth.asOf, stages: ['load', 'models'] });
  expect(result.models.filter((m) => m.status !== 'success')).toEqual([]);
  expect(result.ok).toBe(true);
  return result;
}

/** Every mart's rows as sorted text (build_info, the build's own time, left out). */
async function marts(warehouse: Warehouse): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { name } of await warehouse.listRelations('marts')) {
    if (name === 'build_info' || name.endsWith('__building')) continue;
    const rows = await warehouse.query<Record<string, unknown>>(`SELECT * FROM marts."${name}"`);
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();
  }
  return out;
}

/** The models that read one of `relations`, directly or through other models, and the models `seed` picks with what reads them. */
function readersOf(relations: readonly string[], seed: (name: string, refs: readonly string[]) => boolean = () => false): Set<string> {
  const out = new Set<string>();
  for (const model of models()) if (seed(model.name, model.refs) || model.refs.some((ref) => relations.includes(ref) || out.has(ref))) out.add(model.name);
  return out;
}

/** Models built on every run: those reading meta tables or nothing (build_info), and what reads them. */
const alwaysBuilt = () => readersOf([], (_name, refs) => refs.length === 0 || refs.some((r) => r.startsWith('meta.')));

describeEachWarehouse('unchanged models', (factory) => {
  afterAll(() => factory.cleanup());

  it('keeps the models whose inputs did not change, builds those whose inputs did, and every mart equals a full rebuild', async () => {
    const warehouse = await factory.open();
    const dir = exportCopy();
    try {
      const config = filesConfig(dir, truth, '');
      const first = await nightly(warehouse, config);
      expect(first.models.filter((m) => m.unchanged)).toEqual([]);

      // The same files again: only what reads meta tables (or nothing) is built.
      const second = await nightly(warehouse, config);
      const expectedBuilt = alwaysBuilt();
      expect(expectedBuilt.size).toBeLessThan(models().length / 4);
      expect(second.models.filter((m) => !m.unchanged).map((m) => m.name)).toEqual(
        models()
          .map((m) => m.name)
          .filter((n) => expectedBuilt.has(n)),
      );
      expect(second.stages.find((s) => s.stage === 'models')?.counts.unchanged).toBe(models().length - expectedBuilt.size);

      // One BuildOps file and one mapping file change: what reads them is built again, the rest is kept.
      const customersFile = join(dir, 'buildops', 'customers.json');
      const customers = JSON.parse(readFileSync(customersFile, 'utf8')) as Record<string, unknown>[];
      customers[0]!.name = 'Renamed Customer LLC';
      writeFileSync(customersFile, JSON.stringify(customers));
      const rates = join(dir, 'mappings', 'labor_rates.csv');
      writeFileSync(rates, `${readFileSync(rates, 'utf8').trimEnd()}\nNEW-ITEM-1,99.5000\n`);
      const third = await nightly(warehouse, config);
      const touched = readersOf(['raw.buildops__customers', 'raw.buildops__customers__addresses', 'raw.mappings__labor_rates']);
      expect(touched.size).toBeGreaterThan(0);
      const rebuilt = new Set([...touched, ...expectedBuilt]);
      expect(third.models.filter((m) => !m.unchanged).map((m) => m.name)).toEqual(
        models()
          .map((m) => m.name)
          .filter((n) => rebuilt.has(n)),
      );
      const kept = await marts(warehouse);

      // A full rebuild gives every mart exactly as the kept and rebuilt ones are.
      const full = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(config, truth.asOf), runId: 'full-rebuild' });
      expect(full.filter((m) => m.status !== 'success' || m.unchanged)).toEqual([]);
      expect(await marts(warehouse)).toEqual(kept);
    } finally {
      await warehouse.close();
    }
  }, 300_000);
});
