/**
 * No intermediate model or mart may plan a nested-loop or cross-product join over two inputs
 * of more than one row: DuckDB falls back to one when an ON has no equality it can hash (an
 * `OR`, or a test of one side against a constant), and at large scale that turned a 5-second
 * models stage into more than 20 minutes. The plans are DuckDB's (`EXPLAIN (FORMAT JSON)`),
 * on a small sandbox, so the estimates come from real tables.
 *
 * Nor may one run a subquery again for each row on Postgres, scanning a table each time: DuckDB
 * turns a correlated subquery into a join, Postgres keeps it a SubPlan (a correlated
 * `x = (select min(...) ... where ... = outer.key)` made marts.writeback_outbound take seconds on
 * the small sandbox, against a tenth of that on DuckDB). Those plans are Postgres's, run
 * (`EXPLAIN (ANALYZE, FORMAT JSON)`), so the loops counted are the ones that happened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import { modelVars } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { discoverModels, orderModels, renderSql, sqlString } from '../../transform/index.ts';
import { createTestDatabase } from '../support/postgres-server.ts';
import { loadSandbox, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import type { LoadedSandbox } from '../support/sandbox-warehouse.ts';

/** DuckDB's join operators that compare every row of one side with every row of the other. */
const NESTED_LOOP_JOINS = new Set(['NESTED_LOOP_JOIN', 'CROSS_PRODUCT', 'BLOCKWISE_NL_JOIN', 'PIECEWISE_MERGE_JOIN']);

/** Models allowed a nested-loop join, and why it stays small. */
const ALLOWED: Record<string, string> = {
  'marts.dso_trend': 'the month ends of the window (at most 13) crossed with the companies and the one-row window bounds: never a table of records',
  'marts.service_conversion': 'each project against the one-row flag saying whether BuildOps sends sourceJobId at all',
  'marts.close_status': 'cross joins of the per-source freshness rows: one row per source system (two), never a table of records',
};

interface PlanNode {
  name: string;
  children: PlanNode[];
  extra_info?: Record<string, unknown>;
}

/** A node's estimated rows: its own estimate, else its first child's (projections carry none of their own sometimes). */
function estimatedRows(node: PlanNode): number {
  const own = node.extra_info?.['Estimated Cardinality'];
  if (own !== undefined) return Number(own);
  return node.children[0] ? estimatedRows(node.children[0]) : 0;
}

/** Every nested-loop join of the plan whose inputs both hold more than one row, described. */
function largeNestedLoops(node: PlanNode, found: string[] = []): string[] {
  if (NESTED_LOOP_JOINS.has(node.name)) {
    const sides = node.children.map(estimatedRows);
    if (Math.min(...sides) > 1) {
      const condition = node.extra_info?.['Conditions'] ?? node.extra_info?.['Condition'] ?? '';
      found.push(`${node.name} of ~${sides.join(' × ~')} rows on ${JSON.stringify(condition)}`);
    }
  }
  for (const child of node.children) largeNestedLoops(child, found);
  return found;
}

async function nestedLoopsOf(warehouse: Warehouse, sql: string): Promise<string[]> {
  const rows = await warehouse.query<{ explain_value: string }>(`EXPLAIN (FORMAT JSON) ${sql}`);
  const plans = JSON.parse(rows[0]!.explain_value) as PlanNode[];
  return plans.flatMap((plan) => largeNestedLoops(plan));
}

describe('model join plans [duckdb]', () => {
  let loaded: LoadedSandbox;
  const dirs: string[] = [];

  beforeAll(async () => {
    loaded = await loadSandbox(
      {
        newLocation: async () => {
          const dir = mkdtempSync(join(tmpdir(), 'plumbline-plans-'));
          dirs.push(dir);
          return join(dir, 'warehouse.duckdb');
        },
      },
      3,
      'small',
    );
  });

  afterAll(async () => {
    await loaded?.warehouse.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    removeSandboxExports();
  });

  const models = orderModels(discoverModels(PACKAGE_MODELS_DIR)).filter((m) => m.schema !== 'staging');

  it('finds the nested loop of a join on an OR, or on a test against a constant (the check can fail)', async () => {
    const orJoin = `select i.buildops_invoice_id from staging.stg_buildops__invoices i
      join staging.stg_spectrum__invoice_headers h on h.invoice_number = i.invoice_number or h.remarks = i.buildops_invoice_id`;
    const constantJoin = `select i.buildops_invoice_id from staging.stg_buildops__invoices i
      left join staging.stg_spectrum__invoice_headers h on i.status = 'Paid' and h.invoice_number = i.invoice_number`;
    expect(await nestedLoopsOf(loaded.warehouse, orJoin)).not.toEqual([]);
    expect(await nestedLoopsOf(loaded.warehouse, constantJoin)).not.toEqual([]);
  });

  it.each(models.map((m) => [m.name, m] as const))('%s plans no nested-loop join over two large inputs', async (name, model) => {
    const vars = { ...modelVars(loaded.config, loaded.asOf), run_id: sqlString('join-plans') };
    const found = await nestedLoopsOf(loaded.warehouse, renderSql(model.sql, vars, model.path));
    if (ALLOWED[name]) return; // explained above
    expect(found).toEqual([]);
  });

  it('allows only models that exist', () => {
    for (const name of Object.keys(ALLOWED)) expect(models.map((m) => m.name)).toContain(name);
  });
});

/** A node of a Postgres plan (EXPLAIN (ANALYZE, FORMAT JSON)). */
interface PgPlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Relation Name'?: string;
  'Actual Loops'?: number;
  Plans?: PgPlanNode[];
}

/** The tables a plan node scans, itself and below. */
function scannedTables(node: PgPlanNode): string[] {
  return [...(node['Relation Name'] ? [node['Relation Name']] : []), ...(node.Plans ?? []).flatMap(scannedTables)];
}

/** Every SubPlan that ran more than once and scans a table each time (a correlated subquery run per row), described. */
function repeatedSubplans(node: PgPlanNode, found: string[] = []): string[] {
  const loops = node['Actual Loops'] ?? 0;
  const tables = scannedTables(node);
  if (node['Parent Relationship'] === 'SubPlan' && loops > 1 && tables.length > 0)
    found.push(`${node['Subplan Name'] ?? 'SubPlan'} ran ${loops} times, scanning ${[...new Set(tables)].join(', ')} each time`);
  for (const child of node.Plans ?? []) repeatedSubplans(child, found);
  return found;
}

async function repeatedSubplansOf(warehouse: Warehouse, sql: string): Promise<string[]> {
  const rows = await warehouse.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
  const raw = rows[0]!['QUERY PLAN'];
  const plans = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PgPlanNode }[];
  return plans.flatMap((p) => repeatedSubplans(p.Plan));
}

const pgUrl = inject('pgUrl');

describe.skipIf(!pgUrl)('model subquery plans [postgres]', () => {
  let loaded: LoadedSandbox;
  const drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    loaded = await loadSandbox(
      {
        newLocation: async () => {
          const database = await createTestDatabase(pgUrl!);
          drops.push(database.drop);
          return database.url;
        },
      },
      3,
      'small',
    );
  }, 600_000);

  afterAll(async () => {
    await loaded?.warehouse.close();
    for (const drop of drops) await drop().catch(() => undefined);
    removeSandboxExports();
  });

  const models = orderModels(discoverModels(PACKAGE_MODELS_DIR)).filter((m) => m.schema !== 'staging');

  it('finds a correlated subquery run once per row (the check can fail)', async () => {
    const correlated = `select d.buildops_job_id from staging.stg_buildops__job_departments d
      where d.position = (select min(d2.position) from staging.stg_buildops__job_departments d2 where d2.buildops_job_id = d.buildops_job_id)`;
    expect(await repeatedSubplansOf(loaded.warehouse, correlated)).not.toEqual([]);
  });

  it.each(models.map((m) => [m.name, m] as const))('%s runs no subquery once per row', async (_name, model) => {
    const vars = { ...modelVars(loaded.config, loaded.asOf), run_id: sqlString('subquery-plans') };
    expect(await repeatedSubplansOf(loaded.warehouse, renderSql(model.sql, vars, model.path))).toEqual([]);
  });
});
