/**
 * The Spectrum SQL extractor against the sandbox's TDS server with the real `mssql` client:
 * every table for company 1 only, exact totals, incremental windows, snapshots, and the errors
 * a Spectrum administrator has to act on.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PlumblineError, TransientError, errorWithFix } from '../../../lib/errors.ts';
import { loadResource, newLoadId, openWarehouse } from '../../../load/index.ts';
import type { Warehouse } from '../../../load/index.ts';
import type { Resource } from '../../../extract/types.ts';
import { SPECTRUM_TABLE_NAMES, createSpectrumSqlResources } from '../../../extract/spectrum/index.ts';
import { describeEachWarehouse } from '../../support/warehouses.ts';
import { AS_OF, compareAll, loadAll, quarantineOf, sqlOptions, startSandbox, storeRun, storeTotals, warehouseTotals } from './helpers.ts';
import type { Sandbox } from './helpers.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function drain(resource: Resource): Promise<number> {
  let rows = 0;
  for await (const batch of resource.extract(undefined, { fullRefresh: false, asOf: AS_OF })) {
    for (const list of Object.values(batch.rows as Record<string, unknown[]>)) rows += list.length;
  }
  return rows;
}

function resourceOf(resources: readonly Resource[], name: string): Resource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
}

describeEachWarehouse('spectrum SQL: every table', (factory) => {
  let sandbox: Sandbox;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  beforeAll(async () => {
    sandbox = await startSandbox(11);
    warehouse = await factory.open();
  });
  afterAll(async () => {
    await close?.();
    await warehouse?.close();
    await sandbox?.close();
    await factory.cleanup();
  });

  test('loads every table with the sandbox counts and money totals, company 1 only', async () => {
    const sql = createSpectrumSqlResources(sqlOptions(sandbox));
    close = sql.close;
    expect(sql.resources.map((r) => r.name)).toHaveLength(SPECTRUM_TABLE_NAMES.length);
    const t0 = performance.now();
    const results = await loadAll(warehouse, sql.resources);
    process.stderr.write(`[spectrum sql ${factory.kind}] ${SPECTRUM_TABLE_NAMES.length} tables in ${Math.round(performance.now() - t0)} ms\n`);
    for (const [name, result] of results) expect(result.rowsQuarantined, name).toBe(0);
    const { expected, loaded } = await compareAll(sandbox.store, warehouse);
    expect(loaded).toEqual(expected);
    // The second company exists in the store and must be left out.
    expect((await storeTotals(sandbox.store, 'CR_INVOICE_HEADER_MC', '2')).rows).toBeGreaterThan(0);
    for (const table of ['spectrum__cr_invoice_header_mc', 'spectrum__jc_transaction_history_mc', 'spectrum__cr_customer_master_mc']) {
      expect(await warehouse.query(`SELECT DISTINCT company_code FROM raw.${table}`)).toEqual([{ company_code: '1' }]);
    }
    expect(expected.CR_INVOICE_HEADER_MC!.rows).toBeGreaterThan(50);
  });

  test('keys are trimmed, dates are calendar dates, Tran_Date_Text is parsed, rows match the store exactly', async () => {
    const reader = await sandbox.store.connection.runAndReadAll(
      `SELECT trim("Invoice_Or_Transaction") AS inv, trim("Customer_Code") AS cust, strftime("Invoice_Date", '%Y-%m-%d') AS d,
              strftime("Due_Date", '%Y-%m-%d') AS due, CAST("Invoice_Extension" AS VARCHAR) AS x, "Remarks" AS remarks
         FROM spectrum."CR_INVOICE_HEADER_MC" WHERE "Company_Code" = '1' ORDER BY 1`,
    );
    const expected = reader.getRowObjectsJS();
    const loaded = await warehouse.query(
      `SELECT invoice_or_transaction AS inv, customer_code AS cust, CAST(invoice_date AS VARCHAR) AS d, CAST(due_date AS VARCHAR) AS due,
              CAST(invoice_extension AS VARCHAR) AS x, remarks FROM raw.spectrum__cr_invoice_header_mc ORDER BY 1`,
    );
    expect(loaded).toEqual(expected);
    const tran = await warehouse.query<{ t: string; d: string }>(
      `SELECT tran_date_text AS t, CAST(tran_date AS VARCHAR) AS d FROM raw.spectrum__jc_transaction_history_mc`,
    );
    expect(tran.length).toBeGreaterThan(0);
    for (const row of tran) expect(row.d.replaceAll('-', '')).toBe(row.t);
    const described = await warehouse.describe('raw', 'spectrum__cr_invoice_header_mc');
    expect(described.find((c) => c.name === 'invoice_extension')?.type).toBe('decimal(18,2)');
    expect(described.find((c) => c.name === 'retention_percent')?.type).toBe('decimal(9,4)');
    expect(described.find((c) => c.name === 'invoice_date')?.type).toBe('date');
    const cards = await warehouse.describe('raw', 'spectrum__pr_time_card_history_mc');
    expect(cards.find((c) => c.name === 'hours')?.type).toBe('decimal(18,4)');
  });
});

describe('spectrum SQL: incremental reads', () => {
  let sandbox: Sandbox;
  let warehouse: Warehouse;
  let resources: Resource[];
  let close: () => Promise<void>;
  let dir: string;
  beforeAll(async () => {
    sandbox = await startSandbox(12);
    dir = mkdtempSync(join(tmpdir(), 'plumbline-spectrum-'));
    warehouse = await openWarehouse(join(dir, 'w.duckdb'));
    const sql = createSpectrumSqlResources(sqlOptions(sandbox, { lookbackDays: 10 }));
    resources = sql.resources;
    close = sql.close;
  });
  afterAll(async () => {
    await close?.();
    await warehouse?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a rerun reads only the window and loads no duplicates', async () => {
    await loadAll(warehouse, resources);
    const second = await loadAll(warehouse, resources);
    const { expected, loaded } = await compareAll(sandbox.store, warehouse);
    expect(loaded).toEqual(expected);
    // The window (cursor − 10 days) holds fewer rows than the table: the rerun did not read everything.
    for (const table of [
      'JC_TRANSACTION_HISTORY_MC',
      'CR_INVOICE_HEADER_MC',
      'CR_INVOICE_DETAIL_MC',
      'CR_PAY_ADJUST_HISTORY_MC',
      'PR_TIME_CARD_HISTORY_MC',
    ] as const) {
      const read = second.get(table)!.rowsByTable[`spectrum__${table.toLowerCase()}`]!;
      expect(read, table).toBeLessThan(expected[table]!.rows);
    }
    const state = await warehouse.getState('spectrum', 'CR_PAY_ADJUST_HISTORY_MC');
    expect(state).toMatchObject({ cursor: expect.stringMatching(/^2026-11-\d\d$/) });
  });

  test('new payments arrive (identical ones too), a paid-off open item disappears, a deleted cost row leaves its day', async () => {
    await storeRun(
      sandbox.store,
      `INSERT INTO spectrum."CR_PAY_ADJUST_HISTORY_MC" VALUES
         ('1', 'NEWCUST   ', 'NEWINV1   ', TIMESTAMP '2026-11-14', 'P', NULL, 1234.56, 'CHK-9001'),
         ('1', 'NEWCUST   ', 'NEWINV1   ', TIMESTAMP '2026-11-14', 'P', NULL, 1234.56, 'CHK-9001'),
         ('2', 'NEWCUST   ', 'NEWINV1   ', TIMESTAMP '2026-11-14', 'P', NULL, 99.00, 'CHK-9002')`,
    );
    const open = (
      await sandbox.store.connection.runAndReadAll(
        `SELECT "Customer_Code" AS c, "Invoice_Or_Transaction" AS i FROM spectrum."CR_OPEN_ITEM_MC" WHERE "Company_Code" = '1' AND "Transaction_Type" = 'I' ORDER BY 2 LIMIT 1`,
      )
    ).getRowObjectsJS()[0] as { c: string; i: string };
    await storeRun(
      sandbox.store,
      `DELETE FROM spectrum."CR_OPEN_ITEM_MC" WHERE "Company_Code" = '1' AND "Customer_Code" = '${open.c}' AND "Invoice_Or_Transaction" = '${open.i}'`,
    );
    const cursor = ((await warehouse.getState('spectrum', 'JC_TRANSACTION_HISTORY_MC')) as { cursor: string }).cursor;
    const from = cursor.replaceAll('-', '');
    const victim = (
      await sandbox.store.connection.runAndReadAll(
        `SELECT "Tran_Date_Text" AS d, CAST("Tran_Amount" AS VARCHAR) AS a FROM spectrum."JC_TRANSACTION_HISTORY_MC" WHERE "Company_Code" = '1' AND "Tran_Date_Text" <= '${from}' ORDER BY 1 DESC, 2 LIMIT 1`,
      )
    ).getRowObjectsJS()[0] as { d: string; a: string };
    await storeRun(
      sandbox.store,
      `DELETE FROM spectrum."JC_TRANSACTION_HISTORY_MC" WHERE "Company_Code" = '1' AND "Tran_Date_Text" = '${victim.d}' AND "Tran_Amount" = ${victim.a}`,
    );

    const before = await warehouseTotals(warehouse, 'CR_PAY_ADJUST_HISTORY_MC');
    await loadAll(warehouse, resources);
    const after = await warehouseTotals(warehouse, 'CR_PAY_ADJUST_HISTORY_MC');
    expect(after.rows).toBe(before.rows + 2);
    const payments = await warehouse.query(
      `SELECT customer_code, amount, check_number, day_seq FROM raw.spectrum__cr_pay_adjust_history_mc WHERE invoice_or_transaction = 'NEWINV1' ORDER BY day_seq`,
    );
    expect(payments).toEqual([
      { customer_code: 'NEWCUST', amount: '1234.56', check_number: 'CHK-9001', day_seq: 1 },
      { customer_code: 'NEWCUST', amount: '1234.56', check_number: 'CHK-9001', day_seq: 2 },
    ]);
    const gone = await warehouse.query(`SELECT 1 FROM raw.spectrum__cr_open_item_mc WHERE customer_code = $1 AND invoice_or_transaction = $2`, [
      open.c.trim(),
      open.i.trim(),
    ]);
    expect(gone).toEqual([]);
    const { expected, loaded } = await compareAll(sandbox.store, warehouse);
    expect(loaded).toEqual(expected);
  });

  test('a full refresh of one table rewrites it alone', async () => {
    const resource = resourceOf(resources, 'JC_TRANSACTION_HISTORY_MC');
    const result = await loadResource(warehouse, resource, newLoadId(), { fullRefresh: true, asOf: AS_OF });
    const expected = await storeTotals(sandbox.store, 'JC_TRANSACTION_HISTORY_MC');
    expect(result.rowsByTable.spectrum__jc_transaction_history_mc).toBe(expected.rows);
    expect(await warehouseTotals(warehouse, 'JC_TRANSACTION_HISTORY_MC')).toEqual(expected);
    expect(await quarantineOf(warehouse, 'JC_TRANSACTION_HISTORY_MC')).toEqual([]);
  });
});

describe('spectrum SQL: errors say what to ask for', () => {
  let sandbox: Sandbox;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox(13);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await sandbox?.close();
  });
  const make = (overrides: Parameters<typeof sqlOptions>[1] = {}) => {
    const sql = createSpectrumSqlResources(sqlOptions(sandbox, overrides));
    closers.push(sql.close);
    return sql.resources;
  };

  test('a missing table (208) names the missing table, the purpose, the grant and the override', async () => {
    const resources = make({ queries: { SY_PROCESSING_DATES_MC: 'SELECT * FROM dbo.SY_PROCESSING_DATE_SETTINGS WHERE Company_Code IN (@c0)' } });
    const error = await drain(resourceOf(resources, 'SY_PROCESSING_DATES_MC')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlumblineError);
    const message = errorWithFix(error);
    expect(message).toContain('SY_PROCESSING_DATES_MC (open processing dates per module)');
    expect(message).toContain('208');
    // The table named is the one SQL Server could not find: here the override's own.
    expect(message).toContain('the table SY_PROCESSING_DATE_SETTINGS is missing or not granted');
    expect(message).toContain("grant SELECT on SY_PROCESSING_DATE_SETTINGS to the Info-Link user 'infolink_ro'");
    expect(error).toMatchObject({ kind: 'terminal', scope: 'resource', context: { source: 'spectrum', resource: 'SY_PROCESSING_DATES_MC' } });
    expect(message).toContain('sources.spectrum.queries');
  });

  test('a missing column (207) asks for the override', async () => {
    const resources = make({
      queries: {
        CR_OPEN_ITEM_MC:
          'SELECT Company_Code, Customer_Code, Invoice_Or_Transaction, Job_Number, Transaction_Type, Invoice_Date, Due_Date, Open_Balance AS Invoice_Balance FROM CR_OPEN_ITEM_MC WHERE Company_Code IN (@c0)',
      },
    });
    const message = String(await drain(resourceOf(resources, 'CR_OPEN_ITEM_MC')).catch((e: unknown) => errorWithFix(e)));
    expect(message).toMatch(/Invalid column name 'Open_Balance'/);
    expect(message).toContain('207');
    expect(message).toContain('override the query for CR_OPEN_ITEM_MC in config sources.spectrum.queries: this installation names it differently');
  });

  test('Coverage_Amount is to confirm: a query without it loads, the coverage null; the default query reads it', async () => {
    const without = make({
      queries: {
        VN_COMPLIANCE_MC:
          'SELECT Company_Code, Vendor_Code, Compliance_Type, Job_Number, Expiration_Date, Received_Date FROM VN_COMPLIANCE_MC WHERE Company_Code IN (@c0)',
      },
    });
    const rowsOf = async (resources: ReturnType<typeof make>): Promise<Record<string, unknown>[]> => {
      const batches = [];
      for await (const b of resourceOf(resources, 'VN_COMPLIANCE_MC').extract(undefined, { fullRefresh: false, asOf: AS_OF })) batches.push(b);
      return batches.flatMap((b) => (b.rows as Record<string, Record<string, unknown>[]>).spectrum__vn_compliance_mc ?? []);
    };
    const absent = await rowsOf(without);
    expect(absent.length).toBeGreaterThan(0);
    expect(absent.every((r) => r.coverage_amount === null)).toBe(true);
    const read = await rowsOf(make());
    expect(read.some((r) => r.compliance_type === 'COI' && typeof r.coverage_amount === 'string')).toBe(true);
  });

  test('an override must return the contract columns; a good one loads, extra columns and all', async () => {
    const short = make({ queries: { SY_PROCESSING_DATES_MC: 'SELECT Company_Code, Module FROM SY_PROCESSING_DATES_MC WHERE Company_Code IN (@c0)' } });
    await expect(drain(resourceOf(short, 'SY_PROCESSING_DATES_MC'))).rejects.toThrow(/does not return the contract's columns Current_Date, Min_Date, Max_Date/);
    const good = make({
      queries: {
        SY_PROCESSING_DATES_MC: `SELECT RTRIM(Module) AS Module, Company_Code, Current_Date, Min_Date, Max_Date, 'x' AS Note FROM SY_PROCESSING_DATES_MC WHERE Company_Code IN (@c0)`,
      },
    });
    const batches = [];
    for await (const b of resourceOf(good, 'SY_PROCESSING_DATES_MC').extract(undefined, { fullRefresh: false, asOf: AS_OF })) batches.push(b);
    const rows = batches.flatMap((b) => (b.rows as Record<string, Record<string, unknown>[]>).spectrum__sy_processing_dates_mc ?? []);
    expect(rows).toHaveLength((await storeTotals(sandbox.store, 'SY_PROCESSING_DATES_MC')).rows);
    expect(rows[0]).toMatchObject({ company_code: '1', current_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), note: 'x' });
  });

  test('a wrong password is a login error that names the user, not the password', async () => {
    const resources = make({ password: 'not-the-Passw0rd' });
    const message = String(await drain(resourceOf(resources, 'GL_MASTER_MC')).catch((e: unknown) => errorWithFix(e)));
    expect(message).toMatch(/Spectrum SQL login failed for user 'infolink_ro'/);
    expect(message).toContain('SPECTRUM_SQL_PASSWORD');
    expect(message).not.toContain('not-the-Passw0rd');
  });

  test('a wrong database and an unreachable server say what to check', async () => {
    const wrongDb = make({ database: 'Spectrum_Old' });
    const dbError = await drain(resourceOf(wrongDb, 'GL_MASTER_MC')).catch((e: unknown) => e);
    expect(errorWithFix(dbError)).toMatch(/database 'Spectrum_Old' cannot be opened for user 'infolink_ro'.*sources\.spectrum\.database/);
    expect(dbError).toMatchObject({ kind: 'terminal', scope: 'source' });
    const nowhere = make({ port: 1 });
    const refused = await drain(resourceOf(nowhere, 'GL_MASTER_MC')).catch((e: unknown) => e);
    expect(errorWithFix(refused)).toMatch(/^Cannot reach Spectrum SQL Server at 127\.0\.0\.1:1\/Spectrum: the host refused the connection.*firewall/);
  });

  test('a slow query times out with advice', async () => {
    sandbox.servers.faults.set([{ target: 'spectrum-sql', sqlContains: 'VN_OPEN_ITEMS_MC', action: { kind: 'delay', ms: 1500 } }]);
    const slow = make({ requestTimeoutMs: 300, retry: { maxAttempts: 2, baseDelayMs: 10, minDelayMs: 10 } });
    const error = await drain(resourceOf(slow, 'VN_OPEN_ITEMS_MC')).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^Reading Spectrum VN_OPEN_ITEMS_MC \(open AP items\) failed after 2 attempts \([\d.]+ s\): the query did not finish within 300 ms$/,
    );
    expect(errorWithFix(error)).toContain('Raise the request timeout');
    sandbox.servers.faults.clear();
  });

  test('a connection dropped before the answer is retried', async () => {
    sandbox.servers.faults.set([{ target: 'spectrum-sql', sqlContains: 'GL_MASTER_COST_CENTERS_MC', times: 1, action: { kind: 'drop', when: 'before' } }]);
    const resources = make();
    expect(await drain(resourceOf(resources, 'GL_MASTER_COST_CENTERS_MC'))).toBe((await storeTotals(sandbox.store, 'GL_MASTER_COST_CENTERS_MC')).rows);
    expect(sandbox.servers.faults.state()[0]).toMatchObject({ applied: 1 });
    sandbox.servers.faults.clear();
  });

  test('a connection cut after rows were handed on is a TransientError (the load rolls back)', async () => {
    sandbox.servers.faults.set([{ target: 'spectrum-sql', sqlContains: 'JC_PHASE_MASTER_MC', action: { kind: 'drop', when: 'mid-response' } }]);
    const resources = make();
    const error = await drain(resourceOf(resources, 'JC_PHASE_MASTER_MC')).catch((e: unknown) => e);
    sandbox.servers.faults.clear();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('JC_PHASE_MASTER_MC');
  });

  test('rows stream in batches of the configured size', async () => {
    const resources = make({ batchRows: 50 });
    const sizes: number[] = [];
    for await (const batch of resourceOf(resources, 'JC_TRANSACTION_HISTORY_MC').extract(undefined, { fullRefresh: false, asOf: AS_OF })) {
      sizes.push((batch.rows as Record<string, unknown[]>).spectrum__jc_transaction_history_mc!.length);
    }
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.max(...sizes)).toBe(50);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe((await storeTotals(sandbox.store, 'JC_TRANSACTION_HISTORY_MC')).rows);
  });

  test('a row whose date text does not parse is quarantined over SQL too, naming the column', async () => {
    await storeRun(
      sandbox.store,
      `INSERT INTO spectrum."JC_TRANSACTION_HISTORY_MC" VALUES ('1', 'BADJOB    ', '01000               ', 'L  ', 'JC', '2026ZZ01', 10.00, NULL, NULL, NULL)`,
    );
    try {
      const resources = make();
      const quarantine = [];
      for await (const batch of resourceOf(resources, 'JC_TRANSACTION_HISTORY_MC').extract(undefined, { fullRefresh: false, asOf: AS_OF })) {
        quarantine.push(...(batch.quarantine ?? []));
      }
      expect(quarantine).toHaveLength(1);
      expect(quarantine[0]!.recordKey).toBe('1|BADJOB|01000|L');
      expect(quarantine[0]!.reasons).toEqual(['tran_date_text: "2026ZZ01" is not a date (YYYYMMDD)']);
    } finally {
      await storeRun(sandbox.store, `DELETE FROM spectrum."JC_TRANSACTION_HISTORY_MC" WHERE "Job_Number" = 'BADJOB    '`);
    }
  });

  test('no company configured is refused', () => {
    expect(() => createSpectrumSqlResources(sqlOptions(sandbox, { companyCodes: [' '] }))).toThrow(/No Spectrum company code/);
  });
});
