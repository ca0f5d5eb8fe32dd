/**
 * The benchmark's sandboxes: generated once per (seed, scale) into a cache folder — the store
 * (kept, so the nightly step can change records in it) and its export — and reused after.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exportContractor, generateContractor, openStore } from '../sandbox/index.ts';
import type { Scale } from '../sandbox/index.ts';

/** A cached sandbox: its store file, its export folder and the seconds generating it took. */
export interface CachedSandbox {
  dir: string;
  store: string;
  exportDir: string;
}

/** The folder of one cached sandbox. */
export function sandboxDir(cacheDir: string, seed: number, scale: Scale): string {
  return join(cacheDir, `${scale}-seed${seed}`);
}

/** The cached sandbox of (seed, scale), generating and exporting it when it is not there (or was left half-made). */
export async function cachedSandbox(cacheDir: string, seed: number, scale: Scale, log: (line: string) => void): Promise<CachedSandbox> {
  const dir = sandboxDir(cacheDir, seed, scale);
  const sandbox = { dir, store: join(dir, 'store.duckdb'), exportDir: join(dir, 'export') };
  // The marker is written last: a folder without it is a generation that did not finish.
  const done = join(dir, 'complete');
  if (existsSync(done)) return sandbox;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  log(`generating the ${scale} sandbox (seed ${seed}) into ${dir}`);
  const store = await openStore(sandbox.store);
  try {
    await generateContractor(store, { seed, scale });
    await exportContractor(store, sandbox.exportDir);
  } finally {
    store.close();
  }
  writeFileSync(done, `${new Date().toISOString()} ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
  log(`generated the ${scale} sandbox in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  return sandbox;
}
