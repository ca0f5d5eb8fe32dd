import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Store } from '../../../sandbox/store/open-store.ts';
import type { SandboxServers } from '../../../sandbox/servers/start.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';
import { openFixtureStore } from './fixture.ts';

let store: Store;
let sandbox: SandboxServers;
let pool: sql.ConnectionPool;
const ROWS = 5000;

function config(overrides: Partial<sql.config> = {}): sql.config {
  const s = sandbox.spectrumSql;
  return {
    server: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    options: { encrypt: false, trustServerCertificate: true },
    pool: { max: 4 },
    ...overrides,
  };
}

beforeAll(async () => {
  store = await openFixtureStore();
  // A bigger table for streaming: ROWS transaction rows with exact cents.
  await store.connection.run(`
    INSERT INTO spectrum."JC_TRANSACTION_HISTORY_MC"
    SELECT 'Z01', rpad('J' || (i % 50), 10, ' '), rpad('01100', 20, ' '), rpad('L', 3, ' '), 'PR',
           strftime(DATE '2026-01-01' + CAST(i % 300 AS INTEGER), '%Y%m%d'), CAST(i AS DECIMAL(14,2)) / 100 + 0.01, NULL, NULL, NULL
    FROM range(${ROWS}) t(i)`);
  sandbox = await startSandboxServers(store);
  pool = await new sql.ConnectionPool(config()).connect();
});
afterAll(async () => {
  await pool?.close();
  await sandbox?.close();
  store?.close();
});

describe('queries', () => {
  test('parameterized query (sp_executesql) with brackets, dbo, TOP, NOLOCK, RTRIM', async () => {
    const r = await pool
      .request()
      .input('company', sql.VarChar(3), 'Z01')
      .input('customer', sql.NVarChar, 'C100')
      .query(
        `SELECT TOP (5) RTRIM(LTRIM([Invoice_Or_Transaction])) AS invoice, [Remarks]
           FROM [Spectrum].[dbo].[CR_INVOICE_HEADER_MC] WITH (NOLOCK)
          WHERE [Company_Code] = @company AND RTRIM(Customer_Code) = @customer
          ORDER BY Invoice_Or_Transaction`,
      );
    expect(r.recordset.map((x) => x.invoice)).toEqual(['CM-1', 'INV-1']);
    expect(r.recordset[1].Remarks).toBe('BO:abc');
  });

  test('decimals are exact on the wire (number and CAST AS varchar), negatives included', async () => {
    const r = await pool.request().query(
      `SELECT Invoice_Or_Transaction AS i, Invoice_Extension AS x, CAST(Invoice_Extension AS varchar(30)) AS s,
              CONVERT(varchar(20), Retention_Amount) AS r, Retention_Percent AS p
         FROM dbo.CR_INVOICE_HEADER_MC WHERE Company_Code = 'Z01' ORDER BY Invoice_Or_Transaction`,
    );
    const byId = Object.fromEntries(r.recordset.map((x) => [String(x.i).trim(), x]));
    expect(byId['INV-1']).toMatchObject({ x: 12345678.91, s: '12345678.91', r: '1234.57', p: 10 });
    expect(byId['INV-2']).toMatchObject({ x: 0.1, s: '0.10' });
    expect(byId['CM-1']).toMatchObject({ x: -250.05, s: '-250.05' });
    const meta = r.recordset.columns;
    expect(meta.x!.type).toBe(sql.Decimal);
    expect(meta.x!.precision).toBe(14);
    expect(meta.x!.scale).toBe(2);
  });

  test('sums are exact: SUM over many cents via varchar', async () => {
    const r = await pool.request().query(`SELECT CAST(SUM(Tran_Amount) AS varchar(40)) AS total, COUNT(*) AS n FROM JC_TRANSACTION_HISTORY_MC`);
    // Σ (i/100 + 0.01) for i < ROWS = (ROWS-1)*ROWS/200 + ROWS/100
    const expected = ((BigInt(ROWS - 1) * BigInt(ROWS)) / 2n + BigInt(ROWS)).toString();
    expect(r.recordset[0].total).toBe(`${expected.slice(0, -2)}.${expected.slice(-2)}`);
    expect(r.recordset[0].n).toBe(ROWS);
  });

  test('datetime: timestamps to the millisecond, NULLs, datetime parameters, GETDATE(), DATEADD', async () => {
    const r = await pool
      .request()
      .input('from', sql.DateTime, new Date(Date.UTC(2026, 9, 6)))
      .query(
        `SELECT Invoice_Date AS d, Due_Date AS due, GETDATE() AS now, DATEADD(day, -45, Invoice_Date) AS back
           FROM CR_INVOICE_HEADER_MC WHERE Invoice_Date >= @from ORDER BY Invoice_Date`,
      );
    expect(r.recordset).toHaveLength(2);
    expect((r.recordset[0].d as Date).toISOString()).toBe('2026-10-06T13:45:30.123Z');
    expect(r.recordset[0].due).toBeNull();
    expect(r.recordset[0].now).toBeInstanceOf(Date);
    expect((r.recordset[1].back as Date).toISOString()).toBe('2026-08-23T00:00:00.000Z');
  });

  test('OFFSET … FETCH paging, ISNULL, decimal parameter', async () => {
    const r = await pool
      .request()
      .input('min', sql.Decimal(14, 2), 0.05)
      .query(
        `SELECT Invoice_Or_Transaction AS i, ISNULL(Due_Date, Invoice_Date) AS due FROM CR_INVOICE_HEADER_MC
          WHERE Invoice_Extension > @min ORDER BY Invoice_Or_Transaction OFFSET 1 ROWS FETCH NEXT 1 ROWS ONLY`,
      );
    expect(r.recordset.map((x) => String(x.i).trim())).toEqual(['INV-2']);
    expect(r.recordset[0].due).toBeInstanceOf(Date);
  });

  test('several statements in one batch give several recordsets', async () => {
    const r = await pool.request().query(`SET NOCOUNT ON; SELECT 1 AS a; SELECT 'x' AS b, CAST(1 AS bit) AS c`);
    expect(r.recordsets).toHaveLength(2);
    expect((r.recordsets as sql.IRecordSet<Record<string, unknown>>[])[1]![0]).toEqual({ b: 'x', c: true });
  });

  test('concurrent queries over the pool', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        pool.request().input('j', sql.VarChar, `J${i}`).query(`SELECT COUNT(*) AS n FROM JC_TRANSACTION_HISTORY_MC WHERE RTRIM(Job_Number) = @j`),
      ),
    );
    expect(results.map((r) => r.recordset[0].n)).toEqual(Array(8).fill(ROWS / 50));
  });
});

describe('connection options', () => {
  test('encrypt: true (not strict) falls back to clear TDS, as against a server without TLS', async () => {
    const encrypted = await new sql.ConnectionPool(config({ options: { encrypt: true, trustServerCertificate: true } })).connect();
    try {
      expect((await encrypted.request().query('SELECT 1 AS one')).recordset[0].one).toBe(1);
    } finally {
      await encrypted.close();
    }
  });

  test('a wrong database → 4060', async () => {
    const error = await new sql.ConnectionPool(config({ database: 'master2' })).connect().catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain('Cannot open database "master2"');
  });
});

describe('catalog and transactions', () => {
  test('INFORMATION_SCHEMA.TABLES / COLUMNS show the Spectrum tables as dbo', async () => {
    const tables = await pool.request().query(`SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'dbo' ORDER BY TABLE_NAME`);
    expect(tables.recordset.map((r) => r.TABLE_NAME)).toContain('CR_INVOICE_HEADER_MC');
    expect(tables.recordset.map((r) => r.TABLE_NAME)).not.toContain('ground_truth');
    const columns = await pool
      .request()
      .input('t', sql.NVarChar, 'CR_INVOICE_HEADER_MC')
      .query(
        `SELECT c.COLUMN_NAME, c.DATA_TYPE, c.NUMERIC_PRECISION, c.NUMERIC_SCALE FROM INFORMATION_SCHEMA.COLUMNS c WHERE c.TABLE_NAME = @t ORDER BY c.ORDINAL_POSITION`,
      );
    expect(columns.recordset[0]).toMatchObject({ COLUMN_NAME: 'Company_Code', DATA_TYPE: 'varchar' });
    expect(columns.recordset.find((c) => c.COLUMN_NAME === 'Invoice_Extension')).toMatchObject({
      DATA_TYPE: 'decimal',
      NUMERIC_PRECISION: 14,
      NUMERIC_SCALE: 2,
    });
  });

  test('sql.PreparedStatement: prepare, execute twice, unprepare', async () => {
    const ps = new sql.PreparedStatement(pool);
    ps.input('co', sql.VarChar(3));
    ps.input('min', sql.Decimal(14, 2));
    await ps.prepare('SELECT COUNT(*) AS n FROM CR_INVOICE_HEADER_MC WHERE Company_Code = @co AND Invoice_Extension > @min');
    expect((await ps.execute({ co: 'Z01', min: 0 })).recordset[0].n).toBe(2);
    expect((await ps.execute({ co: 'Z01', min: 1000 })).recordset[0].n).toBe(1);
    await ps.unprepare();
  });

  test('sql.Transaction: begin, read, commit; begin, rollback', async () => {
    const tx = new sql.Transaction(pool);
    await tx.begin();
    const r = await new sql.Request(tx).query('SELECT COUNT(*) AS n FROM CR_CUSTOMER_MASTER_MC');
    expect(r.recordset[0].n).toBe(3);
    await tx.commit();
    const tx2 = new sql.Transaction(pool);
    await tx2.begin();
    await tx2.rollback();
  });
});

describe('streaming', () => {
  test('request.stream = true delivers every row in order', async () => {
    const request = pool.request();
    request.stream = true;
    let count = 0;
    let last = -1;
    let ordered = true;
    await new Promise<void>((resolve, reject) => {
      request.on('row', (row: { a: number }) => {
        count++;
        const cents = Math.round(row.a * 100);
        if (cents <= last) ordered = false;
        last = cents;
      });
      request.on('error', reject);
      request.on('done', () => resolve());
      void request.query('SELECT Tran_Amount AS a, Job_Number, Tran_Date_Text FROM JC_TRANSACTION_HISTORY_MC ORDER BY Tran_Amount');
    });
    expect(count).toBe(ROWS);
    expect(ordered).toBe(true);
  });

  test('cancel (attention) stops a stream and the connection stays usable', async () => {
    const single = await new sql.ConnectionPool(config({ pool: { max: 1 } })).connect();
    try {
      const request = single.request();
      request.stream = true;
      let rows = 0;
      const ended = new Promise<void>((resolve) => {
        request.on('row', () => {
          if (++rows === 10) request.cancel();
        });
        request.on('error', () => {});
        request.on('done', () => resolve());
      });
      const started = Date.now();
      void request.query('SELECT * FROM JC_TRANSACTION_HISTORY_MC a CROSS JOIN (SELECT 1 AS k FROM range(100)) b');
      await ended;
      expect(rows).toBeLessThan(ROWS * 100);
      const after = await single.request().query('SELECT 42 AS x');
      expect(after.recordset[0].x).toBe(42);
      // Well under tedious' 5 s cancel timeout: the attention was acknowledged, not timed out.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await single.close();
    }
  });
});

describe('errors', () => {
  test('a missing table → 208 Invalid object name', async () => {
    const error = await pool
      .request()
      .query('SELECT * FROM dbo.AR_INVOICE_HEADER')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ number: 208, message: "Invalid object name 'AR_INVOICE_HEADER'." });
  });

  test('a missing column → 207 Invalid column name', async () => {
    const error = await pool
      .request()
      .query('SELECT Invoice_Number FROM CR_INVOICE_HEADER_MC')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ number: 207, message: "Invalid column name 'Invoice_Number'." });
  });

  test('a table whose SELECT is denied → 229 for any statement naming it; the others still read', async () => {
    sandbox.controls.denySelect(['CR_OPEN_ITEM_MC']);
    try {
      const denied = (text: string) =>
        pool
          .request()
          .query(text)
          .catch((e: unknown) => e);
      const message = "The SELECT permission was denied on the object 'CR_OPEN_ITEM_MC', database 'Spectrum', schema 'dbo'.";
      expect(await denied('SELECT TOP 1 * FROM [dbo].[CR_OPEN_ITEM_MC]')).toMatchObject({ number: 229, message });
      expect(await denied('SELECT c.Customer_Code FROM CR_CUSTOMER_MASTER_MC c WHERE EXISTS (SELECT 1 FROM dbo.cr_open_item_mc o)')).toMatchObject({
        number: 229,
      });
      expect((await pool.request().query('SELECT COUNT(*) AS n FROM CR_CUSTOMER_MASTER_MC')).recordset).toHaveLength(1);
      // CR_OPEN_ITEM_MC_OLD is another name: only whole names are denied.
      expect(await denied('SELECT * FROM CR_OPEN_ITEM_MC_OLD')).toMatchObject({ number: 208 });
    } finally {
      sandbox.controls.denySelect([]);
    }
    expect((await pool.request().query('SELECT COUNT(*) AS n FROM CR_OPEN_ITEM_MC')).recordset).toHaveLength(1);
  });

  test('other schemas of the store are invisible', async () => {
    const error = await pool
      .request()
      .query('SELECT * FROM sandbox.ground_truth')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ number: 208 });
  });

  test('a stored procedure that does not exist → 2812', async () => {
    const error = await pool
      .request()
      .execute('usp_not_here')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ number: 2812 });
    expect((await pool.request().query('SELECT 1 AS ok')).recordset[0].ok).toBe(1);
  });

  test('an undeclared variable → 137', async () => {
    const error = await pool
      .request()
      .query('SELECT * FROM CR_INVOICE_HEADER_MC WHERE Company_Code = @nope')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ number: 137 });
  });

  test('bad login → 18456 Login failed for user', async () => {
    const error = await new sql.ConnectionPool(config({ user: 'intruder', password: 'nope' })).connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain("Login failed for user 'intruder'.");
    const original = (error as { originalError?: { number?: number; errors?: Array<{ number?: number }> } }).originalError;
    expect(JSON.stringify(original ?? {}) + String((error as Error).message)).toMatch(/18456|Login failed/);
  });

  test('logins are counted, accepted and refused (a client must not retry a wrong password per table)', async () => {
    const before = { ...sandbox.stats.spectrumSql };
    const ok = await new sql.ConnectionPool(config({ pool: { max: 1, min: 0 } })).connect();
    await ok.request().query('SELECT 1 AS one');
    await ok.close();
    await new sql.ConnectionPool(config({ password: 'nope', options: { encrypt: false, trustServerCertificate: true, maxRetriesOnTransientErrors: 0 } }))
      .connect()
      .catch(() => undefined);
    await new sql.ConnectionPool(config({ database: 'master2', options: { encrypt: false, trustServerCertificate: true, maxRetriesOnTransientErrors: 0 } }))
      .connect()
      .catch(() => undefined);
    const after = sandbox.stats.spectrumSql;
    // The pool may open a connection to validate and another for the query: accepted logins are at least one.
    expect(after.failedLogins - before.failedLogins).toBe(2);
    expect(after.logins - before.logins - 2).toBeGreaterThanOrEqual(1);
  });

  test('faults: a SQL error and a dropped connection on demand', async () => {
    sandbox.faults.set([
      {
        target: 'spectrum-sql',
        sqlContains: 'CR_OPEN_ITEM_MC',
        nth: 1,
        action: { kind: 'sql-error', number: 1205, message: 'Transaction (Process ID 51) was deadlocked' },
      },
      { target: 'spectrum-sql', sqlContains: 'CR_OPEN_ITEM_MC', nth: 2, action: { kind: 'drop', when: 'before' } },
    ]);
    const first = await pool
      .request()
      .query('SELECT * FROM CR_OPEN_ITEM_MC')
      .catch((e: unknown) => e);
    expect(first).toMatchObject({ number: 1205 });
    const second = await pool
      .request()
      .query('SELECT * FROM CR_OPEN_ITEM_MC')
      .catch((e: unknown) => e);
    expect(second).toBeInstanceOf(Error);
    const third = await pool.request().query('SELECT COUNT(*) AS n FROM CR_OPEN_ITEM_MC');
    expect(third.recordset[0].n).toBe(0);
    sandbox.faults.clear();
  });

  test('faults: a slow query ends early when the client times out (attention)', async () => {
    sandbox.faults.set([{ target: 'spectrum-sql', sqlContains: 'VN_VENDOR_MASTER_MC', action: { kind: 'delay', ms: 5000 } }]);
    const quick = await new sql.ConnectionPool(config({ requestTimeout: 200, pool: { max: 1 } })).connect();
    try {
      const started = Date.now();
      const error = await quick
        .request()
        .query('SELECT * FROM VN_VENDOR_MASTER_MC')
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ETIMEOUT' });
      sandbox.faults.clear();
      expect((await quick.request().query('SELECT 7 AS x')).recordset[0].x).toBe(7);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      sandbox.faults.clear();
      await quick.close();
    }
  });

  test('faults: a connection reset mid-stream, after rows were sent', async () => {
    sandbox.faults.set([{ target: 'spectrum-sql', sqlContains: 'JC_TRANSACTION_HISTORY_MC', nth: 1, action: { kind: 'drop', when: 'mid-response' } }]);
    const request = pool.request();
    request.stream = true;
    let rows = 0;
    const outcome = await new Promise<string>((resolve) => {
      request.on('row', () => rows++);
      request.on('error', (e: Error) => resolve(`error: ${e.message}`));
      request.on('done', () => resolve('done'));
      void request.query('SELECT * FROM JC_TRANSACTION_HISTORY_MC');
    });
    expect(outcome).toMatch(/^error/);
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(ROWS);
    // The next request gets a fresh pooled connection.
    expect((await pool.request().query('SELECT COUNT(*) AS n FROM JC_TRANSACTION_HISTORY_MC')).recordset[0].n).toBe(ROWS);
    sandbox.faults.clear();
  });
});
