/**
 * The model runner: builds every model in dependency order — staging and intermediate as
 * views, marts as tables built aside and swapped in — and enforces each model's checks.
 * A model that fails (SQL or check) leaves its previous relation in place; what reads it is skipped,
 * unless its header says `upstream_failure: use_previous` (the close status must still be told).
 */
import { refreshStatisticsSql } from '../load/statistics.ts';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { silentLogger } from '../lib/logger.ts';
import { qualified, quoteIdent } from '../load/identifiers.ts';
import type { Row, Warehouse, WarehouseTransaction } from '../load/types.ts';
import { discoverModels, orderModels } from './model-graph.ts';
import type { CheckSpec, Model } from './model-file.ts';
import { renderSql, sqlString } from './render-sql.ts';
import { buildHash, keptBuild, readBuildHistory } from './unchanged-models.ts';

export type ModelStatus = 'success' | 'failed' | 'skipped';

export interface FailedCheck {
  name: string;
  /** How many rows broke the check. */
  count: number;
  /** The first few offending rows. */
  sample: Row[];
}

export interface ModelResult {
  name: string;
  path: string;
  materialized: 'view' | 'table';
  status: ModelStatus;
  rows: number | null;
  seconds: number;
  error: string | null;
  failedCheck: FailedCheck | null;
  /** Not built again: its inputs are the ones its last build read (transform/unchanged-models.ts). */
  unchanged?: boolean;
}

export interface RunModelsOptions {
  warehouse: Warehouse;
  /** Folders of models (each with staging/, intermediate/, marts/ inside). */
  modelsDir: string | readonly string[];
  /** Values for `{{ name }}` placeholders, as SQL literals (see sqlDate). */
  vars: Readonly<Record<string, string>>;
  runId: string;
  logger?: Logger;
  /** Checked before each model: once it fired, no further model starts and the results so far are returned. */
  signal?: AbortSignal;
  /** Told each model's result as soon as it is known (the run records store it as a step). */
  onResult?: (result: ModelResult) => Promise<void>;
  /**
   * Keep a model whose SQL and inputs did not change since its last build instead of building it
   * again (transform/unchanged-models.ts). The pipeline does; a direct call (after raw rows were
   * changed by hand, which no load records) builds everything.
   */
  keepUnchanged?: boolean;
}

class CheckFailed extends Error {
  constructor(readonly check: FailedCheck) {
    super(
      `check ${check.name} failed: ${check.count} offending row${check.count === 1 ? '' : 's'}, e.g. ${JSON.stringify(check.sample.slice(0, 3), jsonSafe)}`,
    );
  }
}

const SAMPLE_ROWS = 5;

/** Runs every model below `modelsDir`; returns one result per model, in run order. */
export async function runModels(options: RunModelsOptions): Promise<ModelResult[]> {
  const logger = options.logger ?? silentLogger;
  const models = orderModels(discoverModels(options.modelsDir));
  const results: ModelResult[] = [];
  const unusable = new Map<string, string>(); // model name → why what reads it must be skipped
  const failedWithPrevious = new Set<string>(); // failed this run, but their previous relation is still there
  const sources = await existingSources(options.warehouse);
  // The kind of every model's relation now, read once and kept as models build (a catalog query per model cost more than some models).
  const kinds = await relationKinds(options.warehouse);
  // {{ run_id }} lets a model read this run's own rows of meta.model_runs (close_status does).
  const run: RunModelsOptions = { ...options, vars: { ...options.vars, run_id: sqlString(options.runId) } };
  const history = options.keepUnchanged ? await readBuildHistory(options.warehouse) : null;
  const built = new Set<string>(); // models built (or failed) in this run: what reads them is built too
  for (const model of models) {
    if (options.signal?.aborted) break;
    // A source no one has loaded (its system is not configured) skips the model; it is not a failure.
    const missing = model.refs.find((ref) => isSource(ref) && !sources.has(ref));
    const blocked = model.refs.find((ref) => unusable.has(ref) && !(model.usePreviousOnFailure && failedWithPrevious.has(ref)));
    let result: ModelResult;
    if (missing) {
      result = skipped(model, `skipped: ${missing} has not been loaded (is that source configured?)`);
      unusable.set(model.name, 'was skipped');
      logger.info('model.skipped', `${model.name} ${result.error}`, { model: model.name });
    } else if (blocked) {
      result = skipped(model, `skipped: it reads ${blocked}, which ${unusable.get(blocked)}`);
      unusable.set(model.name, 'was skipped');
      logger.warn('model.skipped', `${model.name} ${result.error}`, { model: model.name });
    } else {
      const previous = kinds.get(model.name) ?? null;
      const hash = modelHash(run, model);
      const kept = history && hash ? keptBuild(model, hash, history, built, previous ?? undefined) : null;
      if (kept) {
        result = { ...base(model), status: 'success', rows: kept.rows, seconds: 0, error: null, failedCheck: null, unchanged: true };
        logger.info('model.unchanged', `${model.name} unchanged: its SQL and every input are the ones its last build read; not built again`, {
          model: model.name,
        });
      } else {
        result = await buildModel(run, model, previous);
        built.add(model.name);
      }
      if (result.unchanged) {
        // Kept as it is: its relation and its kind are the ones already there.
      } else if (result.status === 'success') {
        kinds.set(model.name, model.materialized);
        // A view dropped with CASCADE took the views reading it along: read the catalog again.
        if (previous === 'view' && model.materialized === 'table' && options.warehouse.kind === 'postgres') {
          kinds.clear();
          for (const [name, kind] of await relationKinds(options.warehouse)) kinds.set(name, kind);
        }
        logger.info('model.built', `${model.name} ${result.materialized} ${result.rows ?? 0} rows in ${result.seconds.toFixed(2)}s`, {
          model: model.name,
          materialized: result.materialized,
          rows: result.rows,
          seconds: result.seconds,
          ms: Math.round(result.seconds * 1000),
        });
      } else {
        unusable.set(model.name, 'failed');
        if (kinds.has(model.name)) failedWithPrevious.add(model.name);
        logger.error('model.failed', `${model.name} failed: ${result.error}`, { model: model.name, error: result.error });
      }
    }
    results.push(result);
    // Recorded as each model finishes, so a later model of the same run can read it.
    await recordRun(options.warehouse, options.runId, result, result.status === 'success' ? modelHash(run, model) : null);
    await options.onResult?.(result);
  }
  return results;
}

async function buildModel(options: RunModelsOptions, model: Model, existing: 'table' | 'view' | null): Promise<ModelResult> {
  const started = performance.now();
  const { warehouse } = options;
  const target = qualified(model.schema, model.relation);
  try {
    const sql = renderSql(model.sql, options.vars, model.path);
    const rows = await warehouse.transaction(async (tx) => {
      if (model.materialized === 'view') {
        if (existing === 'table') await tx.query(`DROP TABLE IF EXISTS ${target}`);
        await replaceView(warehouse, tx, target, sql);
        await runChecks(tx, model, target, options.vars);
        // Not counted: counting a view runs it, and the chain of views beneath it, once more.
        return null;
      }
      const building = qualified(model.schema, `${model.relation}__building`);
      await tx.query(`DROP TABLE IF EXISTS ${building}`);
      await tx.query(`CREATE TABLE ${building} AS ${sql}`);
      const statistics = refreshStatisticsSql(warehouse.kind, building);
      if (statistics) await tx.query(statistics);
      await runChecks(tx, model, building, options.vars);
      const built = await count(tx, building);
      // A view that becomes a table (intermediate models were views before): on Postgres the views
      // reading it go too, and are rebuilt later in this run.
      if (existing === 'view') await tx.query(`DROP VIEW IF EXISTS ${target}${warehouse.kind === 'postgres' ? ' CASCADE' : ''}`);
      if (existing === 'table') await tx.query(`DROP TABLE IF EXISTS ${target}`);
      await tx.query(`ALTER TABLE ${building} RENAME TO ${quoteIdent(model.relation)}`);
      return built;
    });
    return { ...base(model), status: 'success', rows, seconds: elapsed(started), error: null, failedCheck: null };
  } catch (error) {
    const failedCheck = error instanceof CheckFailed ? error.check : null;
    return { ...base(model), status: 'failed', rows: null, seconds: elapsed(started), error: errorMessage(error), failedCheck };
  }
}

/** Postgres cannot replace a view whose columns changed: drop it (and its dependants, rebuilt later in the run). */
async function replaceView(warehouse: Warehouse, tx: WarehouseTransaction, target: string, sql: string): Promise<void> {
  if (warehouse.kind === 'duckdb') {
    await tx.query(`CREATE OR REPLACE VIEW ${target} AS ${sql}`);
    return;
  }
  await tx.query('SAVEPOINT replace_view');
  try {
    await tx.query(`CREATE OR REPLACE VIEW ${target} AS ${sql}`);
    await tx.query('RELEASE SAVEPOINT replace_view');
  } catch {
    await tx.query('ROLLBACK TO SAVEPOINT replace_view');
    await tx.query(`DROP VIEW IF EXISTS ${target} CASCADE`);
    await tx.query(`CREATE VIEW ${target} AS ${sql}`);
  }
}

/** Counts every check's offending rows in one query (a round trip per check cost more than the checks), then samples the first that failed. */
async function runChecks(tx: WarehouseTransaction, model: Model, relation: string, vars: Readonly<Record<string, string>>): Promise<void> {
  if (model.checks.length === 0) return;
  const queries = model.checks.map((check) => checkQuery(check, relation, vars, model.path));
  const counts = queries.map((offending, i) => `(SELECT count(*) FROM (${offending}) AS offending) AS c${i}`);
  const [counted] = await tx.query<Record<string, number>>(`SELECT ${counts.join(', ')}`);
  for (const [i, check] of model.checks.entries()) {
    const n = Number(counted?.[`c${i}`] ?? 0);
    if (n > 0) {
      const sample = await tx.query(`SELECT * FROM (${queries[i]}) AS offending LIMIT ${SAMPLE_ROWS}`);
      throw new CheckFailed({ name: check.name, count: n, sample });
    }
  }
}

/** The query returning the rows that break a check. */
function checkQuery(check: CheckSpec, relation: string, vars: Readonly<Record<string, string>>, where: string): string {
  switch (check.kind) {
    case 'unique': {
      const columns = check.columns.map(quoteIdent).join(', ');
      return `SELECT ${columns}, count(*) AS duplicates FROM ${relation} GROUP BY ${columns} HAVING count(*) > 1`;
    }
    case 'not_null':
      return `SELECT * FROM ${relation} WHERE ${quoteIdent(check.columns[0]!)} IS NULL`;
    case 'query':
      return renderSql(check.sql.replace(/;\s*$/, ''), { ...vars, this: relation }, `${where} check ${check.name}`);
  }
}

function isSource(ref: string): boolean {
  return ref.startsWith('raw.') || ref.startsWith('meta.');
}

/** The qualified names of the relations that exist in the source schemas. */
async function existingSources(warehouse: Warehouse): Promise<Set<string>> {
  const rows = await warehouse.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('raw', 'meta')`,
  );
  return new Set(rows.map((r) => `${r.table_schema}.${r.table_name}`));
}

/** The kind of every relation in the model schemas, by qualified name. */
async function relationKinds(warehouse: Warehouse): Promise<Map<string, 'table' | 'view'>> {
  const rows = await warehouse.query<{ table_schema: string; table_name: string; table_type: string }>(
    `SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema IN ('staging', 'intermediate', 'marts')`,
  );
  return new Map(rows.map((r) => [`${r.table_schema}.${r.table_name}`, r.table_type === 'VIEW' ? 'view' : 'table']));
}

async function count(tx: WarehouseTransaction, relation: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${relation}`);
  return Number(row?.n ?? 0);
}

async function recordRun(warehouse: Warehouse, runId: string, r: ModelResult, hash: string | null): Promise<void> {
  await warehouse.query(
    `INSERT INTO meta.model_runs (run_id, model, status, row_count, seconds, message, finished_at, sql_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [runId, r.name, r.unchanged ? 'unchanged' : r.status, r.rows, r.seconds, r.error, new Date(), hash],
  );
}

/** The hash of what building `model` runs now (its SQL and checks as rendered), or null when they do not render. */
function modelHash(options: RunModelsOptions, model: Model): string | null {
  try {
    const target = qualified(model.schema, model.relation);
    return buildHash(
      model,
      renderSql(model.sql, options.vars, model.path),
      model.checks.map((check) => checkQuery(check, target, options.vars, model.path)),
    );
  } catch {
    return null;
  }
}

function base(model: Model) {
  return { name: model.name, path: model.path, materialized: model.materialized };
}

function skipped(model: Model, why: string): ModelResult {
  return { ...base(model), status: 'skipped', rows: null, seconds: 0, error: why, failedCheck: null };
}

function elapsed(started: number): number {
  return (performance.now() - started) / 1000;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
