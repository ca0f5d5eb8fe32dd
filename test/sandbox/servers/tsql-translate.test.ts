import { describe, expect, test } from 'vitest';
import { translateBatch } from '../../../sandbox/servers/tsql-translate.ts';
import { createFaults } from '../../../sandbox/servers/faults.ts';

const one = (sql: string): string => {
  const [s] = translateBatch(sql);
  return s!.sql.replace(/\s+/g, ' ');
};

describe('translateBatch', () => {
  test('brackets, N strings, parameters, qualified names', () => {
    const [s] = translateBatch(`SELECT [Name] FROM [Spectrum].[dbo].[CR_CUSTOMER_MASTER_MC] WHERE Company_Code = @co AND Name = N'O''Brien [x] @y'`);
    expect(s!.sql).toContain('spectrum."CR_CUSTOMER_MASTER_MC"');
    expect(s!.sql).toContain(`'O''Brien [x] @y'`);
    expect(s!.params).toEqual(['co']);
  });

  test('TOP becomes LIMIT at the end of its own query, subqueries included', () => {
    expect(one('SELECT TOP 10 * FROM T ORDER BY a')).toBe('SELECT * FROM spectrum."T" ORDER BY a LIMIT 10');
    expect(one('SELECT DISTINCT TOP (@n) a FROM T')).toBe('SELECT DISTINCT a FROM spectrum."T" LIMIT $n');
    expect(one('SELECT * FROM (SELECT TOP 1 a FROM T ORDER BY a DESC) x')).toBe('SELECT * FROM ( SELECT a FROM spectrum."T" ORDER BY a DESC LIMIT 1 ) x');
  });

  test('functions and types', () => {
    expect(one('SELECT ISNULL(a, 0), LEN(b), GETDATE() FROM T')).toBe(
      'SELECT COALESCE ( a , 0 ) , length(rtrim( b )) , CAST(current_localtimestamp() AS TIMESTAMP) FROM spectrum."T"',
    );
    expect(one('SELECT CAST(x AS nvarchar(max)), CONVERT(varchar(10), y, 112), CAST(z AS datetime) FROM T')).toBe(
      'SELECT CAST ( x AS VARCHAR ) , CAST( y AS VARCHAR ) , CAST ( z AS TIMESTAMP ) FROM spectrum."T"',
    );
    expect(one('SELECT COUNT(*) FROM T')).toBe('SELECT CAST(count( * ) AS INTEGER) FROM spectrum."T"');
    expect(one('SELECT DATEDIFF(day, a, b) FROM T')).toBe('SELECT date_diff(\'day\', a , b ) FROM spectrum."T"');
  });

  test('hints removed, SET and comments ignored, statements split on ;', () => {
    expect(one('SELECT * FROM T WITH (NOLOCK) JOIN U (NOLOCK) ON 1=1')).toBe('SELECT * FROM spectrum."T" JOIN spectrum."U" ON 1 = 1');
    const batch = translateBatch('set textsize 2147483647\nset ansi_nulls on; -- hi\nSELECT 1; /* c */ SELECT 2');
    expect(batch.map((s) => s.kind)).toEqual(['ignored', 'query', 'query']);
  });

  test('another schema is an invalid object', () => {
    expect(() => translateBatch('SELECT * FROM sandbox.ground_truth')).toThrow(/Invalid object name 'sandbox.ground_truth'/);
  });
});

describe('faults', () => {
  test('nth counts per rule among matching requests; times caps; prefixes match', () => {
    const faults = createFaults([
      { path: '/v1/invoices', nth: [2, 3], action: { kind: 'status', status: 500 } },
      { path: '/v1/*', times: 1, action: { kind: 'delay', ms: 1 } },
      { target: 'data-exchange', action: { kind: 'lose-response' } },
    ]);
    const kinds = (path: string): string[] => faults.take('buildops', { path }).map((a) => a.kind);
    expect(kinds('/v1/jobs')).toEqual(['delay']);
    expect(kinds('/v1/invoices')).toEqual([]);
    expect(kinds('/v1/invoices')).toEqual(['status']);
    expect(kinds('/v1/invoices')).toEqual(['status']);
    expect(kinds('/v1/invoices')).toEqual([]);
    expect(faults.state().map((r) => [r.seen, r.applied])).toEqual([
      [4, 2],
      [5, 1],
      [0, 0],
    ]);
    faults.set([]);
    expect(faults.state()).toEqual([]);
  });
});
