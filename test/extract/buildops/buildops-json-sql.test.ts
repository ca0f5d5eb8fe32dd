/**
 * The BuildOps JSON fast path (DuckDB reads and types an export file in SQL,
 * extract/buildops/json-sql.ts) against the record-by-record path it stands in for: the byte scan
 * lets through only files whose JSON types match the declarations; the SQL typing never vouches
 * for a value records.ts or the loader would refuse, note or read otherwise, and types every value
 * it vouches for as they do; whole exports (every endpoint of the small sandbox, plus hand-made
 * files with duplicates in every order, nested children, null and missing fields) load into the
 * same tables either way, on DuckDB (which reads the file itself) and on Postgres (fed from a
 * private DuckDB).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUILDOPS_ENDPOINT_SPECS, STANDARD_PAGING } from '../../../extract/buildops/endpoints.ts';
import type { EndpointSpec, FieldKind } from '../../../extract/buildops/endpoints.ts';
import { scanJsonShape } from '../../../extract/buildops/json-shape.ts';
import { buildOpsJsonSqlRead } from '../../../extract/buildops/json-sql.ts';
import { conformsToSpec, endpointTables, recordSchema, recordToRows } from '../../../extract/buildops/records.ts';
import { createBuildOpsFileResources } from '../../../extract/buildops/index.ts';
import type { LoadBatch, Resource } from '../../../extract/types.ts';
import { typeFileInDuckDb } from '../../../load/duckdb/file-reader.ts';
import { coerceValue, storableText } from '../../../load/row-values.ts';
import { loadResource, newLoadId } from '../../../load/index.ts';
import type { Warehouse } from '../../../load/index.ts';
import { removeSandboxExports, sandboxExport } from '../../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../../support/warehouses.ts';
import { recordByRecord } from '../../support/record-by-record.ts';

const TIME_ZONE = 'America/Chicago';
const AS_OF = '2026-06-30';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-json-sql-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  removeSandboxExports();
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** An endpoint of one field of `kind` beside its id, with a child list of the same field. */
function oneFieldSpec(kind: FieldKind): EndpointSpec {
  return {
    endpoint: 'test',
    paging: STANDARD_PAGING,
    table: 'test__records',
    parentKey: 'record_id',
    fields: [
      { source: 'id', column: 'id', kind: 'text', required: true },
      { source: 'v', column: 'v', kind },
    ],
    objects: [{ source: 'audit', prefix: 'audit_', fields: [{ source: 'lastUpdatedDate', column: 'audit_last_updated_date', kind: 'instant' }] }],
    children: [{ source: 'items', table: 'test__records__items', fields: [{ source: 'w', column: 'w', kind }] }],
  };
}

describe('the byte scan', () => {
  const spec = oneFieldSpec('money');
  test.each([
    ['an empty array', '[]', 0],
    [
      'records on lines, nulls, missing fields, empty and nested lists',
      '[\n{"id":"a","v":1.5,"items":[{"w":2},{}]},\n{"id":"b","v":null,"audit":null,"items":[]},\n{"id":"c"}\n]\n',
      3,
    ],
    ['escapes in strings', '[{"id":"a\\"b\\\\c\\u00e9\\n"}]', 1],
    ['exponents and negative numbers', '[{"id":"a","v":-1.5e-7,"items":[{"w":1E+3}]}]', 1],
  ])('%s is plain', async (_name, content, records) => {
    expect(await scanJsonShape(file('plain.json', content), spec)).toMatchObject({ plain: true, records });
  });

  test('a character cut by a chunk boundary is still UTF-8', async () => {
    const content = `[{"id":"${'x'.repeat((1 << 20) - 10)}é"}]`;
    expect(await scanJsonShape(file('boundary.json', content), spec)).toMatchObject({ plain: true, records: 1 });
  });

  test.each([
    ['a field no one declared', '[{"id":"a","extra":1}]', 'a field no one declared'],
    ['an undeclared field in a child element', '[{"id":"a","items":[{"w":1,"x":2}]}]', 'a field no one declared'],
    ['an undeclared field in a flattened object', '[{"id":"a","audit":{"createdBy":"x"}}]', 'a field no one declared'],
    ['a declared field written with an escape', '[{"\\u0069d":"a"}]', 'a field no one declared'],
    ['a field twice', '[{"id":"a","id":"b"}]', 'a field twice in one object'],
    ['a required field missing', '[{"v":1}]', 'a required field missing'],
    ['a required field null', '[{"id":null}]', 'a required field or a list element that is null'],
    ['an element that is not an object', '[{"id":"a"},5]', 'a number where the field holds no number'],
    ['a null element', '[null]', 'a required field or a list element that is null'],
    ['a null child element', '[{"id":"a","items":[null]}]', 'a required field or a list element that is null'],
    ['a number as text', '[{"id":"a","v":"1.5"}]', 'a string where the field holds no string'],
    ['text as a number', '[{"id":1}]', 'a number where the field holds no number'],
    ['an object for a child list', '[{"id":"a","items":{}}]', 'an object where the field holds none'],
    ['a list for a scalar', '[{"id":"a","v":[1]}]', 'a list where the field holds no list'],
    ['a NUL escape', '[{"id":"a\\u0000"}]', 'a NUL or surrogate escape'],
    ['a surrogate escape', '[{"id":"\\ud83d\\ude00"}]', 'a NUL or surrogate escape'],
    ['a control character', '[{"id":"a\tb"}]', 'not valid JSON (a control character in a string)'],
    ['a trailing comma', '[{"id":"a"},]', 'not valid JSON (a value expected)'],
    ['a leading zero', '[{"id":"a","v":01}]', 'not valid JSON (a comma or the end of a list expected)'],
    ['NaN', '[{"id":"a","v":NaN}]', 'not valid JSON (a value expected)'],
    ['a cut file', '[{"id":"a"}', 'an array that does not end'],
    ['something after the array', '[]\n[]', 'something after the array'],
    ['not an array', '{"id":"a"}', 'not a JSON array'],
    ['a byte-order mark', '\uFEFF[]', 'not a JSON array'],
    ['an empty file', '', 'an empty file'],
  ])('%s is not plain', async (_name, content, why) => {
    expect(await scanJsonShape(file('odd.json', content), spec)).toEqual({ plain: false, why });
  });

  test('an integer field holds only plain safe integers', async () => {
    const ints = oneFieldSpec('integer');
    expect(await scanJsonShape(file('int.json', '[{"id":"a","v":-123456789012345}]'), ints)).toMatchObject({ plain: true });
    for (const v of ['1.0', '1e3', '1234567890123456']) expect((await scanJsonShape(file('int.json', `[{"id":"a","v":${v}}]`), ints)).plain, v).toBe(false);
  });

  test('bytes that are not UTF-8 are not plain', async () => {
    expect(await scanJsonShape(file('latin1.json', Buffer.from('[{"id":"caf\xe9"}]', 'latin1')), spec)).toEqual({ plain: false, why: 'not valid UTF-8' });
  });
});

/** JSON values of every kind the scan lets through, good and bad for the SQL. */
const VALUES: Record<FieldKind, string[]> = {
  text: ['"a"', '""', '"caf\\u00e9 \\"x\\""', '"  padded "', 'null'],
  boolean: ['true', 'false', 'null'],
  integer: ['0', '-0', '7', '-123456789012345', '999999999999999', 'null'],
  'epoch-millis': ['1767293683000', '0', '-1', '-2208988800001', '4102444800001', '99999999999999', 'null'],
  money: [
    ...['0.125', '2.675', '1.005', '-0.125', '-2.675', '0.005', '0.0049999', '1.115', '8.345', '1424.82', '0', '-0', '100', '1.0', '0.1', '0.3'],
    ...['1e2', '1.5E2', '1e-7', '-1e-7', '5e-324', '0.00001', '0.00005', '0.000149', '0.0001', '1e15', '1.2345e3'],
    ...['9999999999999999.99', '9999999999999999.994', '9999999999999999.995', '1e16', '1e21', '1e400', '-1e400', '12345678901234567890', '9007199254740993'],
    ...['123456789012.345', '1234567890123456.7', '0.1e1', 'null'],
  ],
  rate: ['8.25', '0.12345', '0.00005', '0.00004999', '99999.99994', '99999.99995', '100000', '12.5', '1e-5', 'null'],
  quantity: ['4', '0.5', '1.23456', '1.00005', '99999999999999.9999', '99999999999999.99995', '1e14', 'null'],
  'unit-price': ['17.25', '962', '0.00015', '0.0000500001', 'null'],
  date: [
    ...['"2026-03-08"', '"2024-02-29"', '"2026-02-29"', '"2026-02-30"', '"2026-13-01"', '"0099-01-01"', '"0100-01-01"', '"1000-01-01"', '"9999-12-31"'],
    ...['"2026-03-08T05:30:00Z"', '"2026-03-08T05:59:59.999Z"', '"2026-03-08T06:00:00.000Z"', '"2026-11-01T05:30:00Z"', '"2026-11-01T06:30:00Z"'],
    ...['"2026-03-08T02:30:00-06:00"', '"2026-03-08T23:30:00-0600"', '"2026-03-08T02:30Z"', '"2026-03-08T02:30:00.1234Z"', '"2026-03-08T24:00:00Z"'],
    ...['"2026-03-08 05:30:00Z"', '"2026-03-08T05:30:00"', '"1899-12-31T23:00:00Z"', '"x"', '""', '" 2026-03-08"', '"2026-3-8"', 'null'],
  ],
  instant: [
    ...['"2026-01-01T18:54:43.000Z"', '"2026-01-01T18:54:43Z"', '"2026-01-01T18:54:43.1Z"', '"2026-01-01T18:54:43.123456Z"', '"2026-01-01T12:54:43-06:00"'],
    ...[
      '"2026-01-01T23:54:43+0530"',
      '"2026-01-01T18:54Z"',
      '"2026-02-30T00:00:00Z"',
      '"2026-01-01T18:54:60Z"',
      '"2026-01-01T18:54:43+24:00"',
      '"2026-01-01"',
      '"x"',
      'null',
    ],
  ],
  'epoch-seconds': [
    ...['"1754847565"', '1754847565', '"-5"', '-5', '"0"', '"1772960400"', '"1772956799"', '"1793512800"', '" 1754847565"', '"1754847565 "', '"+5"', '"1.5"'],
    ...['"123456789012"', '"1234567890123"', '123456789012345', '"-2208988801"', '"4102444801"', '""', 'null'],
  ],
};

/** Values of each kind the fast path must take (else it would never run on real exports). */
const MUST_BE_TAKEN: Partial<Record<FieldKind, string[]>> = {
  text: ['"a"', '""', 'null'],
  integer: ['7', 'null'],
  'epoch-millis': ['1767293683000'],
  money: ['0.125', '2.675', '1424.82', '0', '100', '1e2', '1e-7', '123456789012.345'],
  rate: ['8.25', '0.12345'],
  quantity: ['4', '0.5'],
  date: ['"2026-03-08"', '"2026-03-08T05:30:00Z"', '"2026-03-08T02:30:00-06:00"'],
  instant: ['"2026-01-01T18:54:43.000Z"', '"2026-01-01T12:54:43-06:00"'],
  'epoch-seconds': ['"1754847565"', '1754847565', '"1772960400"'],
};

/**
 * What the record path makes of one record: null when it would quarantine, note or fail it, else
 * each column's value as canonical text (a timestamp as epoch milliseconds).
 */
function recordPath(spec: EndpointSpec, json: string): Map<string, Record<string, string | null>[]> | null {
  const raw: unknown = JSON.parse(json);
  if (!conformsToSpec(spec, raw) && !recordSchema(spec).safeParse(raw).success) return null;
  let rows: Map<string, Record<string, unknown>[]>;
  try {
    rows = recordToRows(spec, endpointTables(spec), raw as Record<string, unknown>, TIME_ZONE);
  } catch {
    return null;
  }
  const out = new Map<string, Record<string, string | null>[]>();
  for (const table of endpointTables(spec)) {
    const typed: Record<string, string | null>[] = [];
    for (const row of rows.get(table.name) ?? []) {
      const canonical: Record<string, string | null> = {};
      for (const column of table.columns) {
        const coerced = coerceValue(row[column.name], column.type);
        if (!coerced.ok) return null;
        const value = coerced.value;
        if (typeof value === 'string' && storableText(value).changes.length > 0) return null;
        canonical[column.name] = value === null ? null : value instanceof Date ? String(value.getTime()) : String(value);
      }
      typed.push(canonical);
    }
    out.set(table.name, typed);
  }
  return out;
}

describe('the SQL typing', () => {
  let instance: DuckDBInstance;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => instance.closeSync());

  test.each(Object.keys(VALUES) as FieldKind[])('%s: never vouches for what the record path refuses, and types what it takes the same', async (kind) => {
    const spec = oneFieldSpec(kind);
    const values = VALUES[kind];
    // Each value once as the record's field (and missing once), and once in a child element.
    const records = [
      ...values.map((v, i) => `{"id":"r${i}","v":${v},"audit":{"lastUpdatedDate":"2026-01-01T00:00:00Z"}}`),
      `{"id":"missing"}`,
      ...values.map((v, i) => `{"id":"c${i}","items":[{"w":${v}}]}`),
    ];
    const path = file(`${kind}.json`, `[\n${records.join(',\n')}\n]\n`);
    const shape = await scanJsonShape(path, spec);
    expect(shape).toMatchObject({ plain: true, records: records.length });
    const read = buildOpsJsonSqlRead({
      spec,
      path,
      records: records.length,
      timeZone: TIME_ZONE,
      checkRecords: () => undefined,
      fallback: async function* () {},
    });
    expect(read).not.toBeNull();
    const conn = await instance.connect();
    try {
      await conn.run(`CREATE OR REPLACE TEMP TABLE typed AS ${read!.typedSql}`);
      const typed = (await conn.runAndReadAll(`SELECT id, _regular FROM typed ORDER BY rowid`)).getRowObjectsJson();
      expect(typed).toHaveLength(records.length);
      const tables = new Map<string, Record<string, unknown>[]>();
      for (const table of read!.tables) {
        const columns = endpointTables(spec).find((t) => t.name === table.table)!.columns;
        const select = columns.map(
          (c) => (c.type === 'timestamp' ? `CAST(epoch_ms("${c.name}") AS VARCHAR)` : `CAST("${c.name}" AS VARCHAR)`) + ` AS "${c.name}"`,
        );
        const sql = `SELECT ${select.join(', ')} FROM (${table.sql.replaceAll('{typed}', 'typed')})`;
        tables.set(table.table, (await conn.runAndReadAll(sql)).getRowObjectsJson());
      }
      records.forEach((json, i) => {
        const { id, _regular: regular } = typed[i]!;
        const value = i < values.length ? values[i]! : i === values.length ? '(missing)' : values[i - values.length - 1]!;
        const label = `${kind} ${value} (${String(id)})`;
        const expected = recordPath(spec, json);
        if (!expected) expect(regular, `${label}: the record path refuses or changes it`).toBe(false);
        if (regular) {
          expect(expected, label).not.toBeNull();
          for (const [table, rows] of expected!) {
            const key = table === spec.table ? 'id' : 'record_id';
            expect(
              tables.get(table)!.filter((r) => r[key] === id),
              `${label} ${table}`,
            ).toEqual(rows);
          }
        }
        if ((MUST_BE_TAKEN[kind] ?? []).includes(value)) expect(regular, `${label} is taken`).toBe(true);
      });
    } finally {
      conn.closeSync();
    }
  });
});

/** The resource, noting in `fellBack` when the load left its fast read for the record path. */
function fastNoting(resource: Resource, fellBack: Set<string>): Resource {
  return {
    ...resource,
    async *extract(state, context) {
      for await (const batch of resource.extract(state, context)) {
        const read = batch.sqlRead;
        if (!read) {
          fellBack.add(resource.name);
          yield batch;
          continue;
        }
        yield {
          ...batch,
          sqlRead: {
            ...read,
            fallback: () => {
              fellBack.add(resource.name);
              return read.fallback();
            },
          },
        };
      }
    },
  };
}

async function firstBatch(resource: Resource): Promise<LoadBatch> {
  for await (const batch of resource.extract(undefined, { fullRefresh: false, asOf: AS_OF })) return batch;
  throw new Error('no batch');
}

/** Rewrites the records of one export file (one record a line, as the sandbox writes it). */
function editRecords(exportDir: string, endpoint: string, edit: (records: Record<string, any>[]) => Record<string, any>[]): void {
  const path = join(exportDir, 'buildops', `${endpoint}.json`);
  const records = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>[];
  writeFileSync(
    path,
    `[\n${edit(records)
      .map((r) => JSON.stringify(r))
      .join(',\n')}\n]\n`,
  );
}

const audit = (ms: number | null) => (ms === null ? { createdBy: 'x' } : { lastUpdatedDate: new Date(ms).toISOString(), lastUpdatedDateTime: ms });

describeEachWarehouse('whole exports', (factory) => {
  let smallDir: string;
  let editedDir: string;
  const warehouses: Warehouse[] = [];
  beforeAll(async () => {
    smallDir = (await sandboxExport(7, 'small')).dir;
    editedDir = join(dir, `edited-${factory.kind}`);
    cpSync(smallDir, editedDir, { recursive: true });
    const t = Date.parse('2026-01-10T00:00:00Z');
    editRecords(editedDir, 'invoices', (records) => {
      const [a, b, c, d, e, f, ...rest] = records as [
        Record<string, any>,
        Record<string, any>,
        Record<string, any>,
        Record<string, any>,
        Record<string, any>,
        Record<string, any>,
      ];
      const version = (r: Record<string, any>, ms: number | null, change: Record<string, any> = {}) => ({ ...r, ...change, audit: audit(ms) });
      return [
        // Older after newer (dropped), newer after older (replaces), equal (replaces), untimed ones between.
        version(a, t + 2000),
        version(a, t + 1000, { totalAmount: 1 }),
        version(a, t + 3000, { totalAmount: 2, invoiceItems: [] }),
        version(b, t),
        version(b, t, { totalAmount: 3 }),
        version(c, null),
        version(c, t - 5000, { totalAmount: 4 }),
        version(c, t - 6000, { totalAmount: 5 }),
        version(c, null, { totalAmount: 6 }),
        version(c, t - 9000, { totalAmount: 7, invoiceItems: null }),
        version(d, t + 1, { payments: [], invoiceItems: [{}] }),
        version(d, t, { totalAmount: 8 }),
        // Null against missing fields, exponents, ties in rounding, huge but fitting amounts, epoch seconds as a number.
        { ...e, subtotal: null, taxAmount: undefined, retainageAmount: 1.5e2, salesTaxRate: 0.12345, totalAmount: 2.675, issuedDate: 1772960400 },
        { ...f, totalAmount: 1234567890.125, retainageAmount: 0.005, dueDate: '1793512800', issuedDate: null },
        ...rest,
      ];
    });
    // Nested children: receipts with several lines, an empty receipt, a receipt without lines.
    editRecords(editedDir, 'purchase-orders', (records) => {
      const [a, b, ...rest] = records as [Record<string, any>, Record<string, any>, ...Record<string, any>[]];
      const receipt = a.receipts[0] ?? { id: 'r', receiptNumber: 'RC1', receivedDate: '2026-01-05', lines: [] };
      return [
        {
          ...a,
          receipts: [
            receipt,
            { ...receipt, id: null, lines: [{ poLineIndex: 0, quantity: 1.00005, amount: 0.125 }, { poLineIndex: 1 }] },
            { ...receipt, lines: null },
          ],
        },
        { ...b, receipts: [], lines: null },
        ...rest,
      ];
    });
  });
  afterAll(async () => {
    for (const warehouse of warehouses) await warehouse.close();
    await factory.cleanup();
  });

  async function loadEvery(exportDir: string, transform: (r: Resource) => Resource): Promise<{ warehouse: Warehouse; results: Map<string, unknown> }> {
    const warehouse = await factory.open();
    warehouses.push(warehouse);
    const results = new Map<string, unknown>();
    for (const resource of createBuildOpsFileResources({ dir: exportDir, timeZone: TIME_ZONE })) {
      const result = await loadResource(warehouse, transform(resource), newLoadId(), { fullRefresh: false, asOf: AS_OF });
      results.set(resource.name, {
        rowsByTable: result.rowsByTable,
        quarantined: result.rowsQuarantined,
        duplicates: result.duplicatesReplaced,
        noted: result.valuesNoted,
        newColumns: result.newColumns,
        state: result.state,
      });
    }
    return { warehouse, results };
  }

  async function expectSameTables(fast: Warehouse, slow: Warehouse): Promise<void> {
    for (const table of BUILDOPS_ENDPOINT_SPECS.flatMap((s) => endpointTables(s))) {
      const columns = (await fast.describe('raw', table.name)).map((c) => c.name).filter((c) => !c.startsWith('_load'));
      expect(columns, table.name).toEqual((await slow.describe('raw', table.name)).map((c) => c.name).filter((c) => !c.startsWith('_load')));
      const select = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM raw."${table.name}" ORDER BY ${columns.map((c) => `"${c}"`).join(', ')}`;
      const rows = await fast.query(select);
      expect(rows, table.name).toEqual(await slow.query(select));
    }
  }

  test.each(['small', 'edited'] as const)('the %s export: every file read in SQL, the same tables as record by record', async (which) => {
    const exportDir = which === 'small' ? smallDir : editedDir;
    for (const resource of createBuildOpsFileResources({ dir: exportDir, timeZone: TIME_ZONE })) {
      const { sqlRead } = await firstBatch(resource);
      expect(sqlRead, resource.name).toBeDefined();
      // What a warehouse that does not read files (Postgres) types the file with: it vouches for every record.
      const typed = await typeFileInDuckDb(sqlRead!);
      expect(typed, resource.name).not.toBeNull();
      expect([typed!.records, typed!.irregular], resource.name).toEqual([sqlRead!.records, 0]);
      typed!.close();
    }
    const fellBack = new Set<string>();
    const fast = await loadEvery(exportDir, (r) => fastNoting(r, fellBack));
    expect([...fellBack]).toEqual([]);
    const slow = await loadEvery(exportDir, recordByRecord);
    expect(fast.results).toEqual(slow.results);
    await expectSameTables(fast.warehouse, slow.warehouse);
    if (which === 'edited') {
      const invoices = fast.results.get('invoices') as { duplicates: number };
      // Replaced: a once (its older second version dropped), b once, c three times; d's older second version dropped.
      expect(invoices.duplicates).toBe(5);
      const [row] = await fast.warehouse.query<{ n: number | string }>(`SELECT count(*) AS n FROM raw.buildops__purchase_orders__receipt_lines`);
      expect(Number(row!.n)).toBeGreaterThan(0);
    }
  });

  test('a file with one value the record path refuses loads record by record: the record quarantined, the rest loaded', async () => {
    const badDir = join(dir, `bad-${factory.kind}`);
    cpSync(smallDir, badDir, { recursive: true });
    editRecords(badDir, 'payments', (records) => records.map((r, i) => (i === 3 ? { ...r, paymentDate: '2026-02-30' } : r)));
    const payments = () => createBuildOpsFileResources({ dir: badDir, timeZone: TIME_ZONE }).find((r) => r.name === 'payments')!;
    expect((await firstBatch(payments())).sqlRead).toBeDefined();
    const fellBack = new Set<string>();
    const warehouse = await factory.open();
    warehouses.push(warehouse);
    const result = await loadResource(warehouse, fastNoting(payments(), fellBack), newLoadId(), { fullRefresh: false, asOf: AS_OF });
    expect([...fellBack]).toEqual(['payments']);
    expect(result.rowsQuarantined).toBe(1);
    const [row] = await warehouse.query<{ reasons: string }>(`SELECT reasons FROM meta.quarantine`);
    expect(JSON.parse(row!.reasons)).toEqual(['paymentDate: expected a date (YYYY-MM-DD)']);
  });
});
