/** The model runner on both warehouses: order, errors that print the chain, checks, safe swaps. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newLoadId } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { discoverModels, orderModels, renderSql, runModels, sqlDate } from '../../transform/index.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A models folder made of `{ 'marts/x.sql': sql }`. */
function modelsFolder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'plumbline-models-'));
  dirs.push(root);
  for (const [path, sql] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), sql);
  }
  return root;
}

const pipeline = {
  // Named so that alphabetical order is not dependency order.
  'staging/stg_test__invoices.sql': `-- grain: one row per invoice\n-- unique: invoice_id\nselect id as invoice_id, customer, amount, due_on from raw.test__invoices`,
  'intermediate/int_a_invoices_dated.sql': `select *, {{ as_of }} - due_on as days_past_due from staging.stg_test__invoices`,
  'marts/a_aging.sql': [
    '-- grain: one row per customer',
    '-- unique: customer',
    '-- not_null: customer, open_total',
    '-- check total_ties_out:',
    '--   select 1 from (select sum(open_total) as t from {{ this }}) a',
    '--   where t <> (select sum(amount) from raw.test__invoices)',
    'select customer, sum(amount) as open_total, max(days_past_due) as worst_days from intermediate.int_a_invoices_dated group by customer',
  ].join('\n'),
};

async function seed(warehouse: Warehouse, rows: { id: string; customer: string | null; amount: string; due_on: string }[]): Promise<void> {
  await warehouse.load({
    loadId: newLoadId(),
    source: 'test',
    resource: 'invoices',
    mode: 'replace',
    tables: [
      {
        schema: 'raw',
        name: 'test__invoices',
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'varchar' },
          { name: 'customer', type: 'varchar' },
          { name: 'amount', type: 'decimal(18,2)' },
          { name: 'due_on', type: 'date' },
        ],
      },
    ],
    batches: [{ rows: { test__invoices: rows } }],
  });
}

const vars = { as_of: sqlDate('2026-11-15') };

describe('model discovery and order', () => {
  it('orders models by the qualified names they read, whatever their file names', () => {
    const order = orderModels(discoverModels(modelsFolder(pipeline))).map((m) => m.name);
    expect(order).toEqual(['staging.stg_test__invoices', 'intermediate.int_a_invoices_dated', 'marts.a_aging']);
  });

  it('reads the header: grain, unique, not_null and multi-line checks', () => {
    const mart = discoverModels(modelsFolder(pipeline)).find((m) => m.name === 'marts.a_aging')!;
    expect(mart.grain).toBe('one row per customer');
    expect(mart.materialized).toBe('table');
    expect(mart.checks.map((c) => c.name)).toEqual(['unique(customer)', 'not_null(customer)', 'not_null(open_total)', 'total_ties_out']);
    const tie = mart.checks[3]!;
    expect(tie.kind === 'query' && tie.sql).toContain('where t <> (select sum(amount) from raw.test__invoices)');
  });

  it('a cycle is an error that prints the chain', () => {
    const root = modelsFolder({
      'intermediate/int_x.sql': 'select * from intermediate.int_y',
      'intermediate/int_y.sql': 'select * from intermediate.int_z',
      'intermediate/int_z.sql': 'select * from intermediate.int_x',
    });
    expect(() => orderModels(discoverModels(root))).toThrow(
      'Models form a cycle: intermediate.int_x → intermediate.int_y → intermediate.int_z → intermediate.int_x',
    );
  });

  it('an unknown reference is an error that prints the chain', () => {
    const root = modelsFolder({
      'staging/stg_a.sql': 'select * from staging.stg_missing',
      'marts/report.sql': 'select * from staging.stg_a',
    });
    expect(() => orderModels(discoverModels(root))).toThrow(
      /staging\/stg_a\.sql reads staging\.stg_missing, which no model defines \(chain: marts\.report → staging\.stg_a → staging\.stg_missing\)/,
    );
  });

  it('references in comments do not count', () => {
    const root = modelsFolder({ 'staging/stg_a.sql': '-- reads staging.stg_nothing, see notes\nselect 1 as x' });
    expect(orderModels(discoverModels(root))[0]!.refs).toEqual([]);
  });
});

describeEachWarehouse('model runner', (factory) => {
  let warehouse: Warehouse;
  beforeEach(async () => {
    warehouse = await factory.open();
  });
  afterEach(() => warehouse.close());
  afterAll(() => factory.cleanup());

  it('{{ money_text(x) }} writes money as a controller reads it, the same on both warehouses', async () => {
    const cases: [string, string | null][] = [
      ['0', '$0.00'],
      ['0.5', '$0.50'],
      ['-1284.5', '-$1,284.50'],
      ['999.99', '$999.99'],
      ['18200', '$18,200.00'],
      ['1234567.89', '$1,234,567.89'],
      ['-999999999.99', '-$999,999,999.99'],
      ['1000000000000', '$1,000,000,000,000.00'],
      ['9999999999999999.99', '$9,999,999,999,999,999.99'],
      ['null', null],
    ];
    const sql = cases.map(([x], i) => `select ${i} as i, {{ money_text(cast(${x} as decimal(18, 2))) }} as t`).join(' union all ');
    const rows = await warehouse.query<{ i: number; t: string | null }>(`select * from (${renderSql(sql, {}, 'test')}) r order by i`);
    expect(rows.map((r) => r.t)).toEqual(cases.map(([, text]) => text));
  });

  it('builds views and tables in order, with the as-of date as a parameter, and reports rows and time', async () => {
    await seed(warehouse, [
      { id: '1', customer: 'ACME', amount: '100.00', due_on: '2026-11-01' },
      { id: '2', customer: 'ACME', amount: '50.25', due_on: '2026-10-01' },
      { id: '3', customer: 'BOLT', amount: '10.00', due_on: '2026-11-20' },
    ]);
    const results = await runModels({ warehouse, modelsDir: modelsFolder(pipeline), vars, runId: 'r1' });
    expect(
      results.map((r) => [r.name, r.status, r.materialized, r.rows]),
      JSON.stringify(results),
    ).toEqual([
      // a view is not counted: counting it would run it (and the views beneath it) again
      ['staging.stg_test__invoices', 'success', 'view', null],
      ['intermediate.int_a_invoices_dated', 'success', 'table', 3],
      ['marts.a_aging', 'success', 'table', 2],
    ]);
    expect(results.every((r) => r.seconds >= 0)).toBe(true);
    const rows = await warehouse.query(`select customer, open_total, worst_days from marts.a_aging order by customer`);
    expect(rows).toEqual([
      { customer: 'ACME', open_total: '150.25', worst_days: 45 },
      { customer: 'BOLT', open_total: '10.00', worst_days: -5 },
    ]);
    const relations = await warehouse.listRelations('staging');
    expect(relations).toEqual([{ name: 'stg_test__invoices', kind: 'view' }]);
    const recorded = await warehouse.query(`select model, status from meta.model_runs where run_id = 'r1' order by model`);
    expect(recorded).toHaveLength(3);
  });

  it('a failing check fails the model with the check name and the offending rows, keeps the old table and skips what reads it', async () => {
    const withReport = { ...pipeline, 'marts/z_report.sql': 'select count(*) as customers from marts.a_aging' };
    const root = modelsFolder(withReport);
    await seed(warehouse, [{ id: '1', customer: 'ACME', amount: '100.00', due_on: '2026-11-01' }]);
    await runModels({ warehouse, modelsDir: root, vars, runId: 'ok' });

    await seed(warehouse, [
      { id: '1', customer: 'ACME', amount: '100.00', due_on: '2026-11-01' },
      { id: '2', customer: null, amount: '7.00', due_on: '2026-11-01' },
    ]);
    const results = await runModels({ warehouse, modelsDir: root, vars, runId: 'bad' });
    const mart = results.find((r) => r.name === 'marts.a_aging')!;
    expect(mart.status).toBe('failed');
    expect(mart.failedCheck?.name).toBe('not_null(customer)');
    expect(mart.failedCheck?.count).toBe(1);
    expect(mart.failedCheck?.sample[0]).toMatchObject({ customer: null, open_total: '7.00' });
    expect(mart.error).toContain('check not_null(customer) failed: 1 offending row');
    expect(results.find((r) => r.name === 'marts.z_report')).toMatchObject({ status: 'skipped', error: 'skipped: it reads marts.a_aging, which failed' });
    // The previous table is still there, whole.
    expect(await warehouse.query(`select customer, open_total from marts.a_aging`)).toEqual([{ customer: 'ACME', open_total: '100.00' }]);
    expect((await warehouse.listRelations('marts')).map((r) => r.name).sort()).toEqual(['a_aging', 'z_report']);
  });

  it('a model marked upstream_failure: use_previous builds from the failed model’s previous table and can read this run’s failures', async () => {
    const status = [
      '-- upstream_failure: use_previous',
      'select (select count(*) from marts.a_aging) as customers,',
      "  (select count(*) from meta.model_runs where run_id = {{ run_id }} and status = 'failed') as failed_models",
    ].join('\n');
    const root = modelsFolder({ ...pipeline, 'marts/z_status.sql': status });
    await seed(warehouse, [{ id: '1', customer: 'ACME', amount: '100.00', due_on: '2026-11-01' }]);
    await runModels({ warehouse, modelsDir: root, vars, runId: 'first' });
    expect(await warehouse.query(`select customers, failed_models from marts.z_status`)).toEqual([{ customers: 1, failed_models: 0 }]);

    await seed(warehouse, [{ id: '2', customer: null, amount: '7.00', due_on: '2026-11-01' }]);
    const results = await runModels({ warehouse, modelsDir: root, vars, runId: 'second' });
    expect(results.find((r) => r.name === 'marts.a_aging')?.status).toBe('failed');
    expect(results.find((r) => r.name === 'marts.z_status')?.status).toBe('success');
    // Built from the previous a_aging (one customer), and it saw the failure of this run.
    expect(await warehouse.query(`select customers, failed_models from marts.z_status`)).toEqual([{ customers: 1, failed_models: 1 }]);
  });
  it('a tie-out check that returns rows fails the model', async () => {
    const broken = {
      ...pipeline,
      // Drops an invoice: the mart no longer ties out to the raw total.
      'marts/a_aging.sql': pipeline['marts/a_aging.sql'].replace(
        'from intermediate.int_a_invoices_dated',
        "from intermediate.int_a_invoices_dated where invoice_id <> '2'",
      ),
    };
    await seed(warehouse, [
      { id: '1', customer: 'ACME', amount: '100.00', due_on: '2026-11-01' },
      { id: '2', customer: 'ACME', amount: '5.00', due_on: '2026-11-01' },
    ]);
    const results = await runModels({ warehouse, modelsDir: modelsFolder(broken), vars, runId: 'tie' });
    expect(results.find((r) => r.name === 'marts.a_aging')).toMatchObject({ status: 'failed', failedCheck: { name: 'total_ties_out', count: 1 } });
  });

  it('a model whose SQL fails leaves its previous table in place', async () => {
    await seed(warehouse, [{ id: '1', customer: 'ACME', amount: '100.00', due_on: '2026-11-01' }]);
    await runModels({ warehouse, modelsDir: modelsFolder(pipeline), vars, runId: 'one' });
    const broken = { ...pipeline, 'marts/a_aging.sql': 'select customer, no_such_column from intermediate.int_a_invoices_dated' };
    const results = await runModels({ warehouse, modelsDir: modelsFolder(broken), vars, runId: 'two' });
    const mart = results.find((r) => r.name === 'marts.a_aging')!;
    expect(mart.status).toBe('failed');
    expect(mart.error).toMatch(/no_such_column/);
    expect(await warehouse.query(`select customer, open_total from marts.a_aging`)).toEqual([{ customer: 'ACME', open_total: '100.00' }]);
  });

  it('a model whose source was never loaded is skipped, not failed, and so is what reads it', async () => {
    const root = modelsFolder({
      'staging/stg_other__things.sql': 'select * from raw.other__things',
      'marts/things.sql': 'select count(*) as n from staging.stg_other__things',
    });
    const results = await runModels({ warehouse, modelsDir: root, vars, runId: 'src' });
    expect(results.map((r) => [r.name, r.status, r.error])).toEqual([
      ['staging.stg_other__things', 'skipped', 'skipped: raw.other__things has not been loaded (is that source configured?)'],
      ['marts.things', 'skipped', 'skipped: it reads staging.stg_other__things, which was skipped'],
    ]);
  });

  it('a placeholder the run does not define fails that model with its name', async () => {
    await seed(warehouse, [{ id: '1', customer: 'ACME', amount: '1.00', due_on: '2026-11-01' }]);
    const root = modelsFolder({ 'staging/stg_x.sql': 'select {{ company_code }} as c' });
    const [result] = await runModels({ warehouse, modelsDir: root, vars, runId: 'v' });
    expect(result!.error).toBe('staging/stg_x.sql uses {{ company_code }}, which this run does not define (defined: as_of, run_id)');
  });

  it('rebuilding a view whose columns changed works, and so does a mart changing from view to table', async () => {
    await seed(warehouse, [{ id: '1', customer: 'ACME', amount: '1.00', due_on: '2026-11-01' }]);
    await runModels({
      warehouse,
      modelsDir: modelsFolder({ 'staging/stg_v.sql': 'select id, amount from raw.test__invoices', 'marts/m.sql': '-- materialized: view\nselect 1 as x' }),
      vars,
      runId: 'a',
    });
    const results = await runModels({
      warehouse,
      modelsDir: modelsFolder({ 'staging/stg_v.sql': 'select customer from raw.test__invoices', 'marts/m.sql': 'select 2 as x' }),
      vars,
      runId: 'b',
    });
    expect(results.map((r) => r.status)).toEqual(['success', 'success']);
    expect(await warehouse.query('select * from staging.stg_v')).toEqual([{ customer: 'ACME' }]);
    expect(await warehouse.listRelations('marts')).toEqual([{ name: 'm', kind: 'table' }]);
  });

  it('an intermediate view of an older version, read by another view, becomes a table', async () => {
    await seed(warehouse, [{ id: '1', customer: 'ACME', amount: '1.00', due_on: '2026-11-01' }]);
    const older = {
      'intermediate/int_a.sql': '-- materialized: view\nselect id, amount from raw.test__invoices',
      'intermediate/int_b.sql': '-- materialized: view\nselect id from intermediate.int_a',
    };
    await runModels({ warehouse, modelsDir: modelsFolder(older), vars, runId: 'a' });
    const newer = { 'intermediate/int_a.sql': 'select id, amount from raw.test__invoices', 'intermediate/int_b.sql': 'select id from intermediate.int_a' };
    const results = await runModels({ warehouse, modelsDir: modelsFolder(newer), vars, runId: 'b' });
    expect(results.map((r) => [r.name, r.status, r.materialized, r.rows])).toEqual([
      ['intermediate.int_a', 'success', 'table', 1],
      ['intermediate.int_b', 'success', 'table', 1],
    ]);
    expect(await warehouse.listRelations('intermediate')).toEqual([
      { name: 'int_a', kind: 'table' },
      { name: 'int_b', kind: 'table' },
    ]);
  });
});
