// Test helpers for the sandbox suites: generate into a fresh in-memory store, query it, hash an export.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { generateContractor, openStore, type GroundTruth, type Scale, type Store } from '../../sandbox/index.ts';

/** A generated contractor held in an open in-memory store. */
export interface Generated {
  store: Store;
  truth: GroundTruth;
  ms: number;
}

/** Generate a contractor into a new in-memory store and time it. */
export async function generate(seed: string | number, scale: Scale = 'tiny'): Promise<Generated> {
  const store = await openStore();
  const t0 = performance.now();
  const truth = await generateContractor(store, { seed, scale });
  return { store, truth, ms: performance.now() - t0 };
}

/** Rows of a query as plain JS objects. */
export async function rows(store: Store, sql: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const reader = await store.connection.runAndReadAll(sql, params);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/** sha256 of every file under `dir`, keyed by relative path. */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else
        out[relative(dir, path)] = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Money text "12.30" → integer cents (exact). */
export function toCents(value: unknown): number {
  const text = String(value);
  const neg = text.startsWith('-');
  const [whole, frac = ''] = text.replace('-', '').split('.');
  const c = Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
  return neg ? -c : c;
}
