/** Discovering the models and ordering them so each runs after what it reads. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PlumblineError } from '../lib/errors.ts';
import { readModel } from './model-file.ts';
import type { Model } from './model-file.ts';

const SOURCE_SCHEMAS = new Set(['raw', 'meta']);

/** Every `*.sql` model below the folders (each holding staging/, intermediate/, marts/). */
export function discoverModels(roots: string | readonly string[]): Model[] {
  const models: Model[] = [];
  for (const root of typeof roots === 'string' ? [roots] : roots) {
    if (!existsSync(root)) throw new PlumblineError(`The models folder ${root} does not exist`);
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir).sort()) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (entry.endsWith('.sql')) models.push(readModel(root, path));
      }
    };
    walk(root);
  }
  const seen = new Map<string, string>();
  for (const model of models) {
    const other = seen.get(model.name);
    if (other) throw new PlumblineError(`Two models define ${model.name}: ${other} and ${model.path}`);
    seen.set(model.name, model.path);
  }
  return models;
}

/**
 * The models in dependency order (ties broken by name, so the order is stable).
 * An unknown reference or a cycle is an error that prints the chain.
 */
export function orderModels(models: readonly Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  for (const model of models) {
    for (const ref of model.refs) {
      if (SOURCE_SCHEMAS.has(ref.split('.')[0]!) || byName.has(ref)) continue;
      const chain = [...dependantsChain(model.name, models), ref].join(' → ');
      throw new PlumblineError(
        `Unknown reference: ${model.path} reads ${ref}, which no model defines (chain: ${chain}). Add models/${ref.replace('.', '/')}.sql or fix the name.`,
      );
    }
  }
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, path: string[]) => {
    const status = state.get(model.name);
    if (status === 'done') return;
    if (status === 'visiting') {
      const cycle = [...path.slice(path.indexOf(model.name)), model.name].join(' → ');
      throw new PlumblineError(`Models form a cycle: ${cycle}. A model cannot read, directly or not, what it builds.`);
    }
    state.set(model.name, 'visiting');
    for (const ref of model.refs) {
      const dependency = byName.get(ref);
      if (dependency) visit(dependency, [...path, model.name]);
    }
    state.set(model.name, 'done');
    ordered.push(model);
  };
  for (const model of [...models].sort((a, b) => a.name.localeCompare(b.name))) visit(model, []);
  return ordered;
}

/** The models that read `name`, up to a model nothing reads: how far a broken name reaches. */
function dependantsChain(name: string, models: readonly Model[]): string[] {
  const chain = [name];
  let current = name;
  for (;;) {
    const reader = models.find((m) => m.refs.includes(current) && !chain.includes(m.name));
    if (!reader) break;
    chain.unshift(reader.name);
    current = reader.name;
  }
  return chain;
}

/** The models that read any of `relations` (`raw.x`, `staging.y`), directly or through the models they read. */
export function modelsReading(models: readonly Model[], relations: readonly string[]): Set<string> {
  const readers = new Map<string, string[]>();
  for (const model of models) for (const ref of model.refs) readers.set(ref, [...(readers.get(ref) ?? []), model.name]);
  const found = new Set<string>();
  const queue = [...relations];
  while (queue.length > 0) {
    for (const reader of readers.get(queue.shift()!) ?? []) {
      if (found.has(reader)) continue;
      found.add(reader);
      queue.push(reader);
    }
  }
  return found;
}
