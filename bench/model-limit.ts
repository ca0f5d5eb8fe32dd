/**
 * The model limit: every model's SQL run directly, in dependency order, in one DuckDB
 * connection — the same views and tables the runner makes, with no checks, counts,
 * transactions or run records. What the runner takes beyond this is what it adds.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { PACKAGE_MODELS_DIR } from '../scheduler/paths.ts';
import { configSchema } from '../scheduler/config.ts';
import { modelVars } from '../scheduler/pipeline.ts';
import { discoverModels, orderModels, renderSql, sqlString } from '../transform/index.ts';

/** Runs the model SQL straight into the DuckDB file at `path`; returns the seconds per model. */
export async function runModelSqlDirectly(path: string, asOf: string, companyCode: string): Promise<Record<string, number>> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  // The placeholders a run fills (the default config's settings), as the runner renders them.
  const config = { ...configSchema.parse({ company: { code: companyCode } }), baseDir: process.cwd(), file: null };
  const vars = { ...modelVars(config, asOf), run_id: sqlString('bench') };
  const seconds: Record<string, number> = {};
  try {
    const sources = new Set(
      (await conn.runAndReadAll(`SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('raw', 'meta')`))
        .getRows()
        .map((r) => String(r[0])),
    );
    const skipped = new Set<string>();
    for (const model of orderModels(discoverModels(PACKAGE_MODELS_DIR))) {
      // the runner skips a model whose source was never loaded, and what reads it: so does this
      if (model.refs.some((ref) => skipped.has(ref) || ((ref.startsWith('raw.') || ref.startsWith('meta.')) && !sources.has(ref)))) {
        skipped.add(model.name);
        continue;
      }
      const started = performance.now();
      const sql = renderSql(model.sql, vars, model.path);
      const target = `"${model.schema}"."${model.relation}"`;
      await conn.run(`CREATE SCHEMA IF NOT EXISTS "${model.schema}"`);
      await conn.run(`DROP VIEW IF EXISTS ${target}`).catch(() => undefined);
      await conn.run(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined);
      await conn.run(model.materialized === 'view' ? `CREATE VIEW ${target} AS ${sql}` : `CREATE TABLE ${target} AS ${sql}`);
      seconds[model.name] = (performance.now() - started) / 1000;
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return seconds;
}
