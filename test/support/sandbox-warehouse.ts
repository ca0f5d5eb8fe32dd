/**
 * A sandbox contractor exported as files and loaded into a warehouse through the real
 * pipeline, for the model and report tests that compare against its ground truth.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { exportContractor, generateContractor, openStore, readGroundTruth } from '../../sandbox/index.ts';
import type { GroundTruth, Scale } from '../../sandbox/index.ts';
import { configSchema } from '../../scheduler/config.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars, runPipeline } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import { runModels } from '../../transform/index.ts';
import { copyCachedBuild } from './cached-warehouse.ts';
import { buildOnce, cacheKey } from './run-cache.ts';

const exportDirs: string[] = [];

/** Removes every export folder made by sandboxExport in this test file. */
export function removeSandboxExports(): void {
  for (const dir of exportDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Generates a contractor, exports it as files (with mappings/), and returns the folder and its ground truth.
 * The export is generated once per test run (per seed and scale) and copied: the folder is the caller's own.
 */
export async function sandboxExport(seed: number, scale: Scale): Promise<{ dir: string; truth: GroundTruth }> {
  const cached = await buildOnce(`export-${cacheKey({ seed, scale })}`, async (path) => {
    const storeFile = `${path}.store.duckdb`;
    const store = await openStore(scale === 'tiny' || scale === 'small' ? ':memory:' : storeFile);
    try {
      await generateContractor(store, { seed, scale });
      await exportContractor(store, path);
    } finally {
      store.close();
      rmSync(storeFile, { force: true });
      rmSync(`${storeFile}.wal`, { force: true });
    }
  });
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-sandbox-'));
  exportDirs.push(dir);
  cpSync(cached, dir, { recursive: true });
  return { dir, truth: await readGroundTruth(dir) };
}

/** A config reading both systems (and the mappings) from the export folder into `warehouse`. */
export function filesConfig(dir: string, truth: GroundTruth, warehouse: string): PlumblineConfig {
  return {
    ...configSchema.parse({
      company: { code: truth.companyCode, time_zone: truth.timeZone },
      warehouse,
      sources: { buildops: { kind: 'files', files_dir: dir }, spectrum: { kind: 'files', files_dir: dir } },
      // the insight settings the sandbox's ground truth assumes
      ...(truth.insights
        ? {
            insights: {
              window_months: truth.insights.settings.window_months,
              overhead_rate: Number(truth.insights.settings.overhead_rate),
              overrun_tolerance: Number(truth.insights.settings.overrun_tolerance),
            },
          }
        : {}),
    }),
    baseDir: dir,
    file: null,
  };
}

/**
 * Extracts the export into `warehouse` and builds every model; fails with the load and model errors.
 * A new, empty warehouse reading file exports gets a copy of the same load built once per test run
 * (see cached-warehouse.ts); any other is loaded in place.
 */
export async function loadAndBuild(warehouse: Warehouse, config: PlumblineConfig, asOf: string): Promise<void> {
  if (await copyCachedBuild(warehouse, config, asOf, loadAndBuildInPlace)) return;
  await loadAndBuildInPlace(warehouse, config, asOf);
}

/** Runs the real pipeline (extract, load, models) into `warehouse`, never from the cache; fails with the load and model errors. */
export async function loadAndBuildInPlace(warehouse: Warehouse, config: PlumblineConfig, asOf: string): Promise<void> {
  const result = await runPipeline({ warehouse, config, secrets: loadSecrets({}), logger: silentLogger, asOf, stages: ['load', 'models'] });
  const problems = [...result.loads.filter((l) => l.status !== 'ok'), ...result.models.filter((m) => m.status !== 'success')];
  expect(problems).toEqual([]);
  expect(result.ok).toBe(true);
}

/** Rebuilds every model (after a test changed raw rows); fails with the model errors. */
export async function rebuild(warehouse: Warehouse, config: PlumblineConfig, asOf: string): Promise<void> {
  const models = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(config, asOf), runId: 'test-rebuild' });
  expect(models.filter((m) => m.status !== 'success')).toEqual([]);
}

/** Sorts rows by the given keys (as text), for order-free comparison with the ground truth. */
export function sortedBy<T>(rows: readonly T[], ...keys: (keyof T)[]): T[] {
  const key = (row: T): string => keys.map((k) => String(row[k] ?? '')).join('\u0000');
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A sandbox loaded into a new warehouse of `factory`, every model built. */
export interface LoadedSandbox {
  warehouse: Warehouse;
  config: PlumblineConfig;
  asOf: string;
  truth: GroundTruth;
  /** The export folder the warehouse was loaded from. */
  dir: string;
}

/** Exports the sandbox of `seed` and `scale`, loads it into a new warehouse and builds every model. */
export async function loadSandbox(factory: { newLocation(): Promise<string> }, seed: number, scale: Scale): Promise<LoadedSandbox> {
  const { dir, truth } = await sandboxExport(seed, scale);
  const location = await factory.newLocation();
  const warehouse = await openWarehouse(location);
  const config = filesConfig(dir, truth, location);
  await loadAndBuild(warehouse, config, truth.asOf);
  return { warehouse, config, asOf: truth.asOf, truth, dir };
}
