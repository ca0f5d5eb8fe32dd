/**
 * Every mart against the sandbox's ground truth, on both warehouses: each contractor is loaded
 * once through the real pipeline, then every comparer in `truth/` checks its mart (no misses,
 * no extras, amounts to the cent). Declared by two test files (the tiny and small sandboxes,
 * and the medium one) so that the two halves run at the same time on the two test workers.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import type { GroundTruth, Scale } from '../../sandbox/index.ts';
import { filesConfig, loadAndBuild, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

/** A file of `truth/`: compares one mart (or a few) with the ground truth, with expect(). */
interface TruthComparer {
  marts: readonly string[];
  compare(warehouse: Warehouse, truth: GroundTruth): Promise<void>;
}

/** A sandbox contractor to load: its seed and scale. */
export interface SandboxChoice {
  seed: number;
  scale: Scale;
}

export const ALL_SANDBOXES: readonly SandboxChoice[] = [
  { seed: 1, scale: 'tiny' },
  { seed: 7, scale: 'tiny' },
  { seed: 3, scale: 'small' },
  { seed: 11, scale: 'medium' },
];

/**
 * The sandboxes to load: PLUMBLINE_TEST_SANDBOXES=1:tiny,3:small narrows them while working on
 * one mart (with `-t <mart>` to run one comparer); CI runs them all.
 */
export function selectedSandboxes(): SandboxChoice[] {
  const chosen = process.env.PLUMBLINE_TEST_SANDBOXES;
  if (!chosen) return [...ALL_SANDBOXES];
  return chosen.split(',').map((s) => {
    const [seed, scale] = s.split(':');
    return { seed: Number(seed), scale: (scale ?? 'tiny') as Scale };
  });
}

const truthDir = join(import.meta.dirname, 'truth');
const comparers: { file: string; comparer: TruthComparer }[] = await Promise.all(
  readdirSync(truthDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map(async (file) => ({ file, comparer: (await import(join(truthDir, file))) as TruthComparer })),
);

/** Declares the ground-truth suite for `sandboxes` on both warehouses. */
export function describeTruthSuite(sandboxes: readonly SandboxChoice[]): void {
  afterAll(() => removeSandboxExports());

  describeEachWarehouse('marts against the sandbox ground truth', (factory) => {
    afterAll(() => factory.cleanup());

    for (const { seed, scale } of sandboxes) {
      describe(`seed ${seed}, ${scale}`, () => {
        let warehouse: Warehouse | undefined;
        let truth: GroundTruth;

        beforeAll(async () => {
          const exported = await sandboxExport(seed, scale);
          truth = exported.truth;
          const location = await factory.newLocation();
          warehouse = await openWarehouse(location);
          await loadAndBuild(warehouse, filesConfig(exported.dir, truth, location), truth.asOf);
        }, 300_000);
        afterAll(async () => warehouse?.close());

        for (const { file, comparer } of comparers) {
          it(`${comparer.marts.join(', ')} (${file})`, { timeout: 60_000 }, async () => {
            if (!warehouse) throw new Error('the warehouse did not load');
            await comparer.compare(warehouse, truth);
          });
        }
      });
    }
  });
}
