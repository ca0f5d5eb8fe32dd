// The BuildOps server's paging order: every page is the slice `ORDER BY updated_at, id OFFSET …`
// would give, and it follows the store when records are saved again, added, moved or removed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Store } from '../../../sandbox/store/open-store.ts';
import { PagingOrder, firstAfter } from '../../../sandbox/servers/paging-order.ts';
import { fillBuildOps, openFixtureStore } from './fixture.ts';

let store: Store;
const TABLE = 'buildops.invoices';
const MINUTE = 60_000_000n;
const START = BigInt(Date.parse('2026-01-01T00:00:00Z')) * 1000n;

beforeAll(async () => {
  store = await openFixtureStore();
  await fillBuildOps(store, { invoices: 300 });
});
afterAll(() => store?.close());

/** What the sorting query gives for the same page: the reference. */
async function sortedPage(afterMicros: bigint | null, offset: number, count: number): Promise<{ ids: string[]; total: number }> {
  const filter = afterMicros === null ? '' : `WHERE epoch_us(updated_at) > ${afterMicros}`;
  const rows = await store.connection.runAndReadAll(`SELECT id FROM ${TABLE} ${filter} ORDER BY updated_at, id LIMIT ${count} OFFSET ${offset}`);
  const total = await store.connection.runAndReadAll(`SELECT count(*) FROM ${TABLE} ${filter}`);
  return { ids: rows.getRows().map((r) => String(r[0])), total: Number(total.getRows()[0]![0]) };
}

async function page(order: PagingOrder, afterMicros: bigint | null, offset: number, count: number): Promise<{ ids: string[]; total: number }> {
  const { docs, total } = await order.page(afterMicros, offset, count);
  return { ids: docs.map((d) => (JSON.parse(d) as { id: string }).id), total };
}

async function save(id: string, at: string): Promise<void> {
  await store.connection.run(`UPDATE ${TABLE} SET updated_at = '${at}'::TIMESTAMP, doc = json_merge_patch(doc, '{"version": 2}') WHERE id = '${id}'`);
}

describe('paging order', () => {
  test('firstAfter finds the first time strictly after, ties and ends included', () => {
    const times = BigInt64Array.from([1n, 2n, 2n, 2n, 5n, 9n]);
    expect([0n, 1n, 2n, 3n, 5n, 8n, 9n, 10n].map((t) => firstAfter(times, t))).toEqual([0, 1, 4, 4, 5, 5, 6, 6]);
    expect(firstAfter(new BigInt64Array(), 3n)).toBe(0);
  });

  test('every page, with and without updatedAfter, is the slice the sorting query gives, with its total', async () => {
    const order = new PagingOrder(store.instance, TABLE);
    for (const after of [null, START + 10n * MINUTE, START + 149n * MINUTE, START + 1000n * MINUTE]) {
      for (const [offset, count] of [
        [0, 50],
        [37, 49],
        [250, 100],
        [299, 10],
        [400, 10],
      ] as const) {
        expect(await page(order, after, offset, count), `after ${after} offset ${offset}`).toEqual(await sortedPage(after, offset, count));
      }
    }
  });

  test('a record saved again moves to the end; an added record appears; a record moved back in time or removed is followed', async () => {
    const order = new PagingOrder(store.instance, TABLE);
    const check = async () => {
      for (const [offset, count] of [
        [0, 100],
        [100, 100],
        [200, 150],
      ] as const)
        expect(await page(order, null, offset, count)).toEqual(await sortedPage(null, offset, count));
      expect(await page(order, START + 100n * MINUTE, 0, 400)).toEqual(await sortedPage(START + 100n * MINUTE, 0, 400));
    };
    await check();
    await save('invoices-00003', '2026-03-01 00:00:00');
    await check();
    await store.connection.run(
      `INSERT INTO ${TABLE} VALUES ('invoices-new', '2026-01-01 00:30:00'::TIMESTAMP, json_object('id', 'invoices-new', 'version', 1)::VARCHAR)`,
    );
    await check();
    // Back in time: the count and the latest time stay as they were; the page holding it notices.
    await save('invoices-00200', '2026-01-01 00:01:00');
    await check();
    await store.connection.run(`DELETE FROM ${TABLE} WHERE id = 'invoices-00010'`);
    await check();
  });
});
