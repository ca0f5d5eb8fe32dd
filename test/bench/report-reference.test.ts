/** The reports' reference in the benchmark: which marts a report read (noted from its SQL), copied whole by DuckDB's COPY. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyMartsWithDuckDb } from '../../bench/copy-limit.ts';
import { martsNamedIn, recordingMartReads } from '../../bench/mart-reads.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

describe('martsNamedIn', () => {
  it('finds every mart a statement names, quoted or not, and nothing else', () => {
    expect(martsNamedIn(`select * from marts.ar_aging a left join "marts"."customer_directory" d on true where x like 'marts.%'`)).toEqual([
      'ar_aging',
      'customer_directory',
    ]);
    expect(martsNamedIn('select * from meta.report_history')).toEqual([]);
  });
});

describeEachWarehouse('recordingMartReads', (factory) => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await factory.open();
    await warehouse.ensureReady();
    await warehouse.query('create table marts.one (n integer)');
    await warehouse.query('create table marts.two (n integer)');
    await warehouse.query('insert into marts.one values (1), (2)');
  });
  afterAll(async () => {
    await warehouse.close();
    await factory.cleanup();
  });

  it('notes the marts of queries, streams and transactions, and passes their results through', async () => {
    const marts = new Set<string>();
    const recording = recordingMartReads(warehouse, marts);
    expect(await recording.query<{ n: number }>('select count(*) as n from marts.one')).toEqual([{ n: 2 }]);
    expect(marts).toEqual(new Set(['one']));
    const streamed: unknown[] = [];
    for await (const batch of recording.stream('select n from marts.two')) streamed.push(...batch);
    expect(streamed).toEqual([]);
    await recording.transaction((tx) => tx.query('select count(*) from marts.one join marts.two on true'));
    expect([...marts].sort()).toEqual(['one', 'two']);
    // everything else is the warehouse's own
    expect(recording.kind).toBe(warehouse.kind);
    expect((await recording.listRelations('marts')).map((r) => r.name)).toEqual(['one', 'two']);
  });
});

describe('copyMartsWithDuckDb', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-copy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes each built mart to CSV and counts its rows; a mart not built is not read', async () => {
    const path = join(dir, 'w.duckdb');
    const warehouse = await openWarehouse(path);
    await warehouse.ensureReady();
    await warehouse.query(`create table marts.ar_aging as select i as n, 'x,' || i as label from range(3) t(i)`);
    await warehouse.close();
    const rows = await copyMartsWithDuckDb(path, ['ar_aging', 'never_built'], join(dir, 'out'));
    expect(rows).toBe(3);
    expect(
      readFileSync(join(dir, 'out', 'ar_aging.csv'), 'utf8')
        .trim()
        .split('\n'),
    ).toEqual(['n,label', '0,"x,0"', '1,"x,1"', '2,"x,2"']);
  });
});
