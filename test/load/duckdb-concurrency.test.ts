/** Readers of the DuckDB warehouse file never see a half-done load, in or across processes. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { newLoadId, openWarehouse } from '../../load/index.ts';
import type { LoadBatch, TableSpec } from '../../load/index.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'plumbline-conc-'));
const path = join(dir, 'w.duckdb');
const table: TableSpec = { schema: 'raw', name: 'things', primaryKey: ['id'], columns: [{ name: 'id', type: 'bigint' }] };

async function readInChild(): Promise<{ count?: number; error?: string }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/support/read-warehouse-child.ts', path, 'raw.things'], { cwd: process.cwd() });
  return JSON.parse(stdout) as { count?: number; error?: string };
}

describe('DuckDB file concurrency', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a reader in the same process sees the last committed state while a load is under way', async () => {
    const first = await openWarehouse(path);
    await first.load({
      loadId: newLoadId(),
      source: 's',
      resource: 'things',
      tables: [table],
      mode: 'merge',
      batches: [{ rows: { things: [{ id: 1 }] } }],
    });
    await first.close(); // a writer that lets the file go publishes it for readers
    const warehouse = await openWarehouse(path);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow(): AsyncIterable<LoadBatch> {
      yield { rows: { things: [{ id: 2 }, { id: 3 }] } };
      await gate;
      yield { rows: { things: [{ id: 4 }] } };
    }
    const loading = warehouse.load({ loadId: newLoadId(), source: 's', resource: 'things', tables: [table], mode: 'merge', batches: slow() });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await warehouse.query(`SELECT count(*) AS n FROM raw.things`)).toEqual([{ n: 1 }]);
    release();
    await loading;
    expect(await warehouse.query(`SELECT count(*) AS n FROM raw.things`)).toEqual([{ n: 4 }]);

    // While this process holds the file for writing, another process still reads, never refused:
    // the copy the last writer published, as of its last completed run.
    expect(await readInChild()).toEqual({ count: 1 });
    await warehouse.close();
  });

  it('several reader processes share the file at once', async () => {
    const [a, b] = await Promise.all([readInChild(), readInChild()]);
    expect(a).toEqual({ count: 4 });
    expect(b).toEqual({ count: 4 });
  });
});
