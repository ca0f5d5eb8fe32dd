/**
 * The Spectrum CSV fast path (DuckDB reads and types the file in SQL, extract/spectrum/csv-sql.ts)
 * against the record-by-record path it stands in for: the byte scan lets through only files both
 * read alike; the SQL typing never vouches for a value rows.ts would refuse, and types every value
 * it vouches for as rows.ts does; a whole export loads into the same tables either way, on DuckDB
 * (which reads the file itself) and on Postgres (fed from a private DuckDB).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scanCsvShape } from '../../../extract/csv-shape.ts';
import { spectrumCsvSqlRead } from '../../../extract/spectrum/csv-sql.ts';
import { normalizeRecord } from '../../../extract/spectrum/rows.ts';
import type { SpectrumColumnKind, SpectrumTableDef } from '../../../extract/spectrum/tables.ts';
import { SPECTRUM_TABLE_NAMES, createSpectrumFileResources, rawTableName } from '../../../extract/spectrum/index.ts';
import type { LoadBatch, Resource } from '../../../extract/types.ts';
import { typeFileInDuckDb } from '../../../load/duckdb/file-reader.ts';
import { loadResource, newLoadId } from '../../../load/index.ts';
import type { Warehouse } from '../../../load/index.ts';
import { exportContractor, generateContractor, openStore } from '../../../sandbox/index.ts';
import { describeEachWarehouse } from '../../support/warehouses.ts';
import { recordByRecord } from '../../support/record-by-record.ts';
import { AS_OF } from './helpers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-csv-sql-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('the byte scan', () => {
  test.each([
    ['LF line breaks', 'a,b\n1,2\n3,4\n', 2],
    ['CRLF line breaks, a BOM and empty lines', '\uFEFFa,b\r\n1,2\r\n\r\n3,4\r\n', 2],
    ['quoted commas, doubled quotes and line breaks inside quotes', 'a,b\n"x,y","say ""hi"""\n"two\nlines",2\n', 2],
    ['a header alone', 'a,b\n', 0],
  ])('%s is plain', async (_name, content, records) => {
    expect(await scanCsvShape(file('plain.csv', content))).toEqual({ plain: true, records });
  });

  test('a character cut by a chunk boundary is still UTF-8', async () => {
    const line = `${'x'.repeat((1 << 20) - 5)},é\n`;
    expect(await scanCsvShape(file('boundary.csv', `a,b\n${line}`))).toEqual({ plain: true, records: 1 });
  });

  test.each([
    ['a quote inside an unquoted field', 'a,b\n1,2"3\n', 'a quote inside an unquoted field'],
    ['a space before an opening quote', 'a,b\n1, "2"\n', 'a quote inside an unquoted field'],
    ['text after a closing quote', 'a,b\n1,"2"x\n', 'a character after a closing quote'],
    ['a NUL byte', 'a,b\n1,2\u00003\n', 'a NUL byte'],
    ['a lone carriage return', 'a,b\r1,2\r', 'a carriage return without a line feed'],
    ['mixed line breaks', 'a,b\r\n1,2\n', 'mixed line breaks'],
    ['a last record without its line break', 'a,b\n1,2', 'a last record without a line break'],
    ['an unclosed quote', 'a,b\n1,"2\n', 'a quoted field not closed by a line break'],
    ['an empty file', '', 'no header row'],
  ])('%s is not plain', async (_name, content, why) => {
    expect(await scanCsvShape(file('odd.csv', content))).toEqual({ plain: false, why });
  });

  test('bytes that are not UTF-8 are not plain', async () => {
    expect(await scanCsvShape(file('latin1.csv', Buffer.from('a,b\n1,caf\xe9\n', 'latin1')))).toEqual({ plain: false, why: 'not valid UTF-8' });
  });
});

/** Values of every kind, good and bad, as they may stand in an export. */
const VALUES: Record<Exclude<SpectrumColumnKind, 'timestamp'>, string[]> = {
  code: ['A', '  A  ', 'P20001     ', 'a b', '', ' ', 'A\t', '\u00a0A', 'A\u3000', '\nA'],
  text: ['hello', ' padded ', 'a,b', 'two\nlines', 'say "hi"', '', '\u00a0'],
  money: [
    '12.5',
    '12.50',
    '12.500',
    '-3',
    '+4.1',
    ' 7.25 ',
    '-0',
    '0000000000000000012.34',
    '1234567890123456.00',
    '12.505',
    '12345678901234567.00',
    '1.',
    '.5',
    'abc',
    '1e3',
    '1,000.00',
    '\u00a012.5',
    '١٢',
    '',
  ],
  rate: ['0.1', '0.1234', '0.12340', '12345.0001', '0.12345', '123456.0', '5'],
  qty: ['1.5', '12345678901234.0000', '123456789012345.0', '0.00001'],
  int: ['1', '-2', '+3', ' 5 ', '123456789012345', '1234567890123456', '1.0', 'x', '０', ''],
  date: [
    '2026-01-31',
    '2024-02-29',
    ' 2026-01-31 ',
    '2026-01-31 00:00:00',
    '2026-01-31T10:11',
    '2026-01-31 10:11:12.123',
    '1000-01-01',
    '2026-02-30',
    '2026-02-29',
    '2026-13-01',
    '2026-1-5',
    '0999-01-01',
    '0050-01-01',
    '2026-01-31Z',
    '20260131',
    '2026-01-31 25:99',
    '',
  ],
  date_text: ['20260131', ' 20260131 ', '10000101', '20260230', '2026013', '202601311', '00500101', '09990101', '2026-01-31', ''],
};

/** Values of each kind the fast path must take (else it would never run on real exports). */
const MUST_BE_TAKEN: Record<string, string[]> = {
  code: ['A', '  A  ', 'P20001     ', ''],
  money: ['12.5', '12.50', '-3', ' 7.25 ', '1234567890123456.00'],
  int: ['1', '-2', ' 5 '],
  date: ['2026-01-31', '2026-01-31 00:00:00'],
  date_text: ['20260131'],
};

describe('the SQL typing', () => {
  let instance: DuckDBInstance;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => instance.closeSync());

  test.each(Object.keys(VALUES) as (keyof typeof VALUES)[])('%s: never vouches for what rows.ts refuses, and types what it takes the same', async (kind) => {
    const def: SpectrumTableDef = {
      table: 'CR_OPEN_ITEM_MC',
      purpose: 'a test',
      columns: [
        { source: 'Company_Code', name: 'company_code', kind: 'code' },
        // A date_text column's parsed DATE column drops its _text.
        { source: 'Value', name: kind === 'date_text' ? 'value_text' : 'value', kind },
      ],
      strategy: 'snapshot',
      key: ['company_code'],
    };
    const values = VALUES[kind];
    const path = file(`${kind}.csv`, stringify([['Company_Code', 'Value'], ...values.map((v) => ['1', v])], { record_delimiter: '\n' }));
    const shape = await scanCsvShape(path);
    expect(shape.plain).toBe(true);
    const read = await spectrumCsvSqlRead({
      def,
      path,
      records: values.length,
      companyCodes: ['1'],
      checkRecords: () => undefined,
      fallback: async function* () {},
    });
    expect(read).not.toBeNull();
    const conn = await instance.connect();
    const valueColumns = kind === 'date_text' ? ['value_text', 'value'] : ['value'];
    const rows = (
      await conn.runAndReadAll(`SELECT _keep, _regular, ${valueColumns.map((c) => `CAST("${c}" AS VARCHAR) AS "${c}"`).join(', ')} FROM (${read!.typedSql})`)
    ).getRowObjectsJson();
    conn.closeSync();
    expect(rows).toHaveLength(values.length);
    rows.forEach((row, i) => {
      const text = values[i]!;
      const record = normalizeRecord(def, { Company_Code: '1', Value: text === '' ? null : text });
      const label = `${kind} ${JSON.stringify(text)}`;
      expect(row._keep, label).toBe(true);
      if (!record.ok) expect(row._regular, `${label}: rows.ts refuses it (${record.reasons.join('; ')})`).toBe(false);
      if (row._regular) {
        expect(record.ok, label).toBe(true);
        const typed = record.ok ? record.row : {};
        for (const column of valueColumns) {
          const expected = typed[column];
          expect(row[column], `${label} ${column}`).toBe(expected === null || expected === undefined ? null : String(expected));
        }
      }
      if ((MUST_BE_TAKEN[kind] ?? []).includes(text)) expect(row._regular, `${label} is taken`).toBe(true);
    });
  });
});

describe('files the SQL read leaves to the record path', () => {
  const def: SpectrumTableDef = {
    table: 'CR_OPEN_ITEM_MC',
    purpose: 'a test',
    columns: [
      { source: 'Company_Code', name: 'company_code', kind: 'code' },
      { source: 'Amount', name: 'amount', kind: 'money' },
    ],
    strategy: 'snapshot',
    key: ['company_code'],
  };
  test.each([
    ['a field named twice', 'Company_Code,Amount,AMOUNT\n'],
    ['a field named like the SQL own names', 'Company_Code,Amount,C1\n'],
    ['a field whose column name is normalised', 'Company_Code,Amount,Extra Field\n'],
    ['a header without a contract column', 'Company_Code\n'],
    ['a header cut by a quoted line break', 'Company_Code,"Amo\nunt"\n'],
  ])('%s', async (_name, header) => {
    const path = file('header.csv', header);
    const read = await spectrumCsvSqlRead({ def, path, records: 0, companyCodes: ['1'], checkRecords: () => undefined, fallback: async function* () {} });
    expect(read).toBeNull();
  });
  test('an undeclared field loads as its own column', async () => {
    const path = file('header.csv', 'Company_Code,Amount,Extra_Note\n');
    const read = await spectrumCsvSqlRead({ def, path, records: 0, companyCodes: ['1'], checkRecords: () => undefined, fallback: async function* () {} });
    expect(read?.extraColumns).toEqual(['extra_note']);
  });
});

async function firstBatch(resource: Resource): Promise<LoadBatch> {
  for await (const batch of resource.extract(undefined, { fullRefresh: false, asOf: AS_OF })) return batch;
  throw new Error('no batch');
}

describeEachWarehouse('a whole export', (factory) => {
  let exportDir: string;
  const warehouses: Warehouse[] = [];
  beforeAll(async () => {
    const store = await openStore();
    try {
      await generateContractor(store, { seed: 5, scale: 'tiny' });
      exportDir = join(dir, `export-${factory.kind}`);
      await exportContractor(store, exportDir);
    } finally {
      store.close();
    }
    // A window table with LF line breaks, a BOM, an undeclared field and a repeated record.
    const path = join(exportDir, 'spectrum', 'JC_TRANSACTION_HISTORY_MC.csv');
    const lines = readFileSync(path, 'utf8').split('\r\n').filter(Boolean);
    const edited = [`${lines[0]},Extra_Note`, ...lines.slice(1).map((l, i) => `${l},${i % 3 === 0 ? `note ${i}` : ''}`), `${lines[1]},again`];
    writeFileSync(path, `\uFEFF${edited.join('\n')}\n`);
    // A snapshot table whose key comes twice: the later record wins, counted.
    const items = join(exportDir, 'spectrum', 'CR_OPEN_ITEM_MC.csv');
    const itemLines = readFileSync(items, 'utf8').split('\r\n').filter(Boolean);
    writeFileSync(items, `${[...itemLines, itemLines[1]!.replace(/,[^,]*$/, ',1.25')].join('\r\n')}\r\n`);
  });
  afterAll(async () => {
    for (const warehouse of warehouses) await warehouse.close();
    await factory.cleanup();
  });

  async function loadEvery(transform: (r: Resource) => Resource): Promise<{ warehouse: Warehouse; results: Map<string, unknown> }> {
    const warehouse = await factory.open();
    warehouses.push(warehouse);
    const results = new Map<string, unknown>();
    for (const resource of createSpectrumFileResources({ dir: exportDir, companyCodes: ['1'] })) {
      const result = await loadResource(warehouse, transform(resource), newLoadId(), { fullRefresh: false, asOf: AS_OF });
      results.set(resource.name, {
        rowsByTable: result.rowsByTable,
        quarantined: result.rowsQuarantined,
        duplicates: result.duplicatesReplaced,
        newColumns: result.newColumns,
        state: result.state,
      });
    }
    return { warehouse, results };
  }

  test('the fast read is offered for the plain files, and loads the same tables as record by record', async () => {
    const offered = [];
    for (const resource of createSpectrumFileResources({ dir: exportDir, companyCodes: ['1'] })) {
      const { sqlRead } = await firstBatch(resource);
      if (!sqlRead) continue;
      offered.push(resource.name);
      // What a warehouse that does not read files (Postgres) types the file with: it vouches for every record.
      const typed = await typeFileInDuckDb(sqlRead);
      expect(typed, resource.name).not.toBeNull();
      expect([typed!.records, typed!.irregular], resource.name).toEqual([sqlRead.records, 0]);
      typed!.close();
    }
    // Every table but the one with an instant column.
    expect(offered).toEqual(SPECTRUM_TABLE_NAMES.filter((t) => t !== 'CR_UNPOSTED_INVOICE_MC'));

    const fast = await loadEvery((r) => r);
    const slow = await loadEvery(recordByRecord);
    expect(fast.results).toEqual(slow.results);
    expect((fast.results.get('CR_OPEN_ITEM_MC') as { duplicates: number }).duplicates).toBe(1);
    expect((fast.results.get('JC_TRANSACTION_HISTORY_MC') as { newColumns: string[] }).newColumns).toEqual(['spectrum__jc_transaction_history_mc.extra_note']);
    for (const table of SPECTRUM_TABLE_NAMES) {
      const name = rawTableName(table);
      const columns = (await fast.warehouse.describe('raw', name)).map((c) => c.name).filter((c) => !c.startsWith('_load'));
      expect(columns, name).toEqual((await slow.warehouse.describe('raw', name)).map((c) => c.name).filter((c) => !c.startsWith('_load')));
      const select = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM raw."${name}" ORDER BY ${columns.map((c) => `"${c}"`).join(', ')}`;
      expect(await fast.warehouse.query(select), name).toEqual(await slow.warehouse.query(select));
    }
    const [extra] = await fast.warehouse.query<{ n: number }>(`SELECT count(extra_note) AS n FROM raw.spectrum__jc_transaction_history_mc`);
    expect(Number(extra?.n)).toBeGreaterThan(0);
  });

  test('a file with one value rows.ts refuses loads record by record: the value quarantined with its line, the rest loaded', async () => {
    const openItems = () => createSpectrumFileResources({ dir: exportDir, companyCodes: ['1'] }).find((r) => r.name === 'CR_OPEN_ITEM_MC')!;
    const clean = await factory.open();
    warehouses.push(clean);
    const before = await loadResource(clean, openItems(), newLoadId(), { fullRefresh: false, asOf: AS_OF });
    const path = join(exportDir, 'spectrum', 'CR_OPEN_ITEM_MC.csv');
    const original = readFileSync(path, 'utf8');
    const lines = original.split('\r\n');
    lines[3] = lines[3]!.replace(/,[^,]*$/, ',12.3x');
    writeFileSync(path, lines.join('\r\n'));
    try {
      const warehouse = await factory.open();
      warehouses.push(warehouse);
      expect((await firstBatch(openItems())).sqlRead).toBeDefined();
      const result = await loadResource(warehouse, openItems(), newLoadId(), { fullRefresh: false, asOf: AS_OF });
      expect(result.rowsQuarantined).toBe(1);
      const [row] = await warehouse.query<{ reasons: string }>(`SELECT reasons FROM meta.quarantine`);
      expect(JSON.parse(row!.reasons)).toEqual(['invoice_balance: "12.3x" is not a decimal amount (CR_OPEN_ITEM_MC.csv line 4)']);
      expect(result.rowsLoaded).toBe(before.rowsLoaded - 1);
    } finally {
      writeFileSync(path, original);
    }
  });
});
