/**
 * Models whose inputs did not change are not built again. A model's last build is recorded in
 * meta.model_runs with the hash of what it ran (its SQL and checks as rendered, so a changed
 * file or placeholder value builds it again); a raw table's last change is the time of its
 * latest load in meta.load_volumes (an unchanged export publishes nothing there). A model is
 * unchanged when its hash is its last build's, its relation is still there in the same form,
 * every raw table it reads was last loaded before that build, and every model it reads was
 * unchanged in this run too. A model reading meta tables, or reading nothing, or calling the
 * clock or a file reader, is always built: its result is not a function of the raw tables. A
 * relation a model reads must be named `schema.name` (as the runner orders models by) to count.
 */
import { createHash } from 'node:crypto';
import type { Warehouse } from '../load/types.ts';
import type { Model } from './model-file.ts';

/** A model's last successful (or unchanged) build. */
export interface LastBuild {
  hash: string;
  finishedAt: Date;
  rows: number | null;
}

/** What the runner knows before the first model: every model's last build and every raw table's last load. */
export interface BuildHistory {
  builds: ReadonlyMap<string, LastBuild>;
  /** `raw.<table>` → when its latest load published it. */
  loaded: ReadonlyMap<string, Date>;
}

// What makes a model's result depend on more than the warehouse relations it names: the clock,
// chance, or a file or database read from inside the SQL.
const VOLATILE = /\b(current_timestamp|current_time|now\s*\(|random\s*\(|gen_random_uuid|uuid\s*\(|read_(csv|json|parquet)\w*\s*\(|\w+_scan\s*\()/i;

/** The hash of what building a model runs: its rendered SQL, its checks' queries and its materialization. */
export function buildHash(model: Model, sql: string, checkQueries: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify({ materialized: model.materialized, sql, checks: checkQueries }))
    .digest('hex');
}

/** Reads the last build of every model and the last load of every raw table. */
export async function readBuildHistory(warehouse: Warehouse): Promise<BuildHistory> {
  const builds = new Map<string, LastBuild>();
  const rows = await warehouse.query<{ model: string; sql_hash: string | null; row_count: number | string | null; finished_at: Date }>(
    `SELECT model, sql_hash, row_count, finished_at FROM (
       SELECT model, sql_hash, row_count, finished_at, row_number() OVER (PARTITION BY model ORDER BY finished_at DESC) AS recency
       FROM meta.model_runs WHERE status IN ('success', 'unchanged')
     ) latest WHERE recency = 1`,
  );
  for (const row of rows) {
    if (row.sql_hash) builds.set(row.model, { hash: row.sql_hash, finishedAt: row.finished_at, rows: row.row_count === null ? null : Number(row.row_count) });
  }
  const loaded = new Map<string, Date>();
  const volumes = await warehouse.query<{ table_name: string; recorded_at: Date }>(
    `SELECT table_name, max(recorded_at) AS recorded_at FROM meta.load_volumes GROUP BY table_name`,
  );
  for (const row of volumes) loaded.set(row.table_name, row.recorded_at);
  return { builds, loaded };
}

/**
 * The last build a model can keep, or null when it must be built: `changed` holds the models
 * built (not kept) earlier in this run, `kind` the form its relation has now.
 */
export function keptBuild(
  model: Model,
  hash: string,
  history: BuildHistory,
  changed: ReadonlySet<string>,
  kind: 'table' | 'view' | undefined,
): LastBuild | null {
  const last = history.builds.get(model.name);
  if (!last || last.hash !== hash || kind !== model.materialized) return null;
  if (model.refs.length === 0 || VOLATILE.test(model.sql)) return null;
  for (const ref of model.refs) {
    if (ref.startsWith('meta.')) return null;
    if (ref.startsWith('raw.')) {
      const loadedAt = history.loaded.get(ref);
      if (!loadedAt || loadedAt.getTime() >= last.finishedAt.getTime()) return null;
    } else if (changed.has(ref) || !history.builds.has(ref)) return null;
  }
  return last;
}
