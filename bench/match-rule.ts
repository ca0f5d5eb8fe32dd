/**
 * The time of the BuildOps-invoice match rule before and after it became one model
 * (intermediate.int_buildops_invoices_matched, read by invoice_status and
 * int_buildops_invoices_bridged): a sandbox loaded and built once per backend, then the models
 * that use the rule built again from their SQL, the old text (from git, `--before <rev>`) and the
 * new one alternating, each `--repeat` times; prints the median seconds and the ratio new/old.
 *
 *   node --import tsx bench/match-rule.ts [--scale medium] [--before 4d8faa4] [--repeat 3] [--warehouses duckdb,postgres]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { silentLogger } from '../lib/logger.ts';
import { openWarehouse } from '../load/index.ts';
import type { Warehouse } from '../load/index.ts';
import { exportContractor, generateContractor, openStore } from '../sandbox/index.ts';
import type { Scale } from '../sandbox/index.ts';
import { configSchema } from '../scheduler/config.ts';
import { PACKAGE_MODELS_DIR } from '../scheduler/paths.ts';
import { modelVars, runPipeline } from '../scheduler/pipeline.ts';
import { renderSql } from '../transform/index.ts';
import { createTestDatabase, startTestPostgres } from '../test/support/postgres-server.ts';

const program = new Command()
  .option('--scale <scale>', 'sandbox scale', 'medium')
  // 4d8faa4: the last revision with the rule written out in both models.
  .option('--before <rev>', 'the git revision of the old model SQL', '4d8faa4')
  .option('--repeat <n>', 'builds of each variant', '3')
  .option('--warehouses <list>', 'duckdb,postgres', 'duckdb,postgres')
  .parse();
const opts = program.opts<{ scale: Scale; before: string; repeat: string; warehouses: string }>();

const MODELS = {
  old: ['intermediate/int_buildops_invoices_bridged', 'marts/invoice_status'],
  new: ['intermediate/int_buildops_invoices_matched', 'intermediate/int_buildops_invoices_bridged', 'marts/invoice_status'],
};
const oldSql = (model: string): string => execFileSync('git', ['show', `${opts.before}:models/${model}.sql`], { encoding: 'utf8' });
const newSql = (model: string): string => readFileSync(join(PACKAGE_MODELS_DIR, `${model}.sql`), 'utf8');

/** Builds the variant's models as tables of their own in schema `bench` (the old ones reading their own results); returns the seconds. */
async function buildVariant(warehouse: Warehouse, variant: 'old' | 'new', vars: Record<string, string>): Promise<number> {
  await warehouse.query('drop schema if exists bench cascade');
  await warehouse.query('create schema bench');
  const started = performance.now();
  for (const model of MODELS[variant]) {
    const name = model.split('/')[1]!;
    let sql = renderSql(variant === 'old' ? oldSql(model) : newSql(model), { ...vars, this: `bench.${name}` }, `bench.${name}`);
    // Each reads the bench schema's copy of the models built before it in this variant.
    for (const built of MODELS[variant].slice(0, MODELS[variant].indexOf(model))) sql = sql.replaceAll(built.replace('/', '.'), `bench.${built.split('/')[1]}`);
    await warehouse.query(`create table bench.${name} as ${sql}`);
  }
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'plumbline-match-bench-'));
const store = await openStore(':memory:');
const truth = await generateContractor(store, { seed: 1, scale: opts.scale });
await exportContractor(store, join(dir, 'export'));
store.close();
const postgres = opts.warehouses.includes('postgres') ? await startTestPostgres() : null;
try {
  for (const kind of opts.warehouses.split(',')) {
    const location = kind === 'duckdb' ? join(dir, 'w.duckdb') : (await createTestDatabase(postgres!.url!)).url;
    const config = {
      ...configSchema.parse({
        company: { code: truth.companyCode, time_zone: truth.timeZone },
        warehouse: location,
        sources: { buildops: { kind: 'files', files_dir: join(dir, 'export') }, spectrum: { kind: 'files', files_dir: join(dir, 'export') } },
      }),
      baseDir: dir,
      file: null,
    };
    const warehouse = await openWarehouse(location);
    try {
      const run = await runPipeline({ warehouse, config, secrets: {} as never, logger: silentLogger, asOf: truth.asOf, stages: ['extract', 'load', 'models'] });
      if (!run.ok) throw new Error(`the ${kind} run failed: ${run.message}`);
      const vars = { ...modelVars(config, truth.asOf), run_id: "'bench'" };
      const times = { old: [] as number[], new: [] as number[] };
      for (let i = 0; i < Number(opts.repeat); i++)
        for (const variant of ['old', 'new'] as const) times[variant].push(await buildVariant(warehouse, variant, vars));
      // The two variants give the same rows.
      await buildVariant(warehouse, 'old', vars);
      await warehouse.query('drop schema if exists bench_old cascade');
      await warehouse.query('create schema bench_old');
      for (const name of ['int_buildops_invoices_bridged', 'invoice_status'])
        await warehouse.query(`create table bench_old.${name} as select * from bench.${name}`);
      await buildVariant(warehouse, 'new', vars);
      const differing: string[] = [];
      for (const name of ['int_buildops_invoices_bridged', 'invoice_status']) {
        const [row] = await warehouse.query<{ n: number | bigint }>(
          `select count(*) as n from ((select * from bench_old.${name} except all select * from bench.${name}) union all (select * from bench.${name} except all select * from bench_old.${name})) d`,
        );
        if (Number(row!.n) !== 0) differing.push(`${name}: ${row!.n} rows differ`);
      }
      await warehouse.query('drop schema if exists bench_old cascade');
      await warehouse.query('drop schema if exists bench cascade');
      const o = median(times.old);
      const n = median(times.new);
      console.log(
        `${kind} ${opts.scale}: old ${o.toFixed(3)} s, new ${n.toFixed(3)} s (median of ${opts.repeat}), new/old ${(n / o).toFixed(2)}; ${differing.length === 0 ? 'identical rows' : differing.join(', ')}`,
      );
    } finally {
      await warehouse.close();
    }
  }
} finally {
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
}
