// The paging order of the BuildOps tables, (updated_at, id), as an index the server keeps beside
// the store: the keys of a table sorted once, so a page is a binary search for where
// `updatedAfter` starts, a slice of ids, and one lookup of those ids over the store's primary-key
// index. Sorting and skipping (`ORDER BY … OFFSET`) for every page made a listing quadratic in
// the table's size; this makes a page cost the same wherever it is.
//
// The store can change under the server (the benchmark's nightly edits, tests saving a record
// again). Each page first reads the table's row count and the XOR of its updated_at values (a
// scan of one column, a few milliseconds at the large scale, against a sort of the whole table):
// when either differs from the order's, the order is built again. A page that finds one of its
// records gone or moved is built again too, before it answers.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** Connections a table's order keeps open between pages. */
const IDLE_CONNECTIONS = 4;

/** One page of a listing: the records' JSON in paging order, and how many records the listing has. */
export interface OrderedPage {
  docs: string[];
  total: number;
}

interface Order {
  /** `count|bit_xor(updated_at)` when it was built. */
  signature: string;
  ids: string[];
  /** updated_at in microseconds since the epoch, ascending, parallel to `ids`. */
  times: BigInt64Array;
}

/** The paging order of one store table, `buildops.<table>`. */
export class PagingOrder {
  private order: Promise<Order> | null = null;
  private readonly idle: DuckDBConnection[] = [];

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly table: string,
  ) {}

  /**
   * The records at positions [offset, offset + count) of those updated strictly after
   * `afterMicros` (every record when null), in (updated_at, id) order.
   */
  async page(afterMicros: bigint | null, offset: number, count: number): Promise<OrderedPage> {
    // A connection per page at once (pages are asked for concurrently), kept for the next ones:
    // connecting and closing cost about as much as the lookup itself.
    const connection = this.idle.pop() ?? (await this.instance.connect());
    try {
      for (let attempt = 0; ; attempt++) {
        const order = await this.current(connection);
        const start = afterMicros === null ? 0 : firstAfter(order.times, afterMicros);
        const from = Math.min(order.ids.length, start + offset);
        const to = Math.min(order.ids.length, start + offset + count);
        const docs = await this.docs(connection, order, from, to);
        if (docs) return { docs, total: order.ids.length - start };
        // A record of the page moved or went since the order was built: build it again, once.
        this.order = null;
        if (attempt > 0) throw new Error(`${this.table} keeps changing while it is paged`);
      }
    } finally {
      if (this.idle.length < IDLE_CONNECTIONS) this.idle.push(connection);
      else connection.closeSync();
    }
  }

  /** Closes the connections kept between pages. */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.closeSync();
  }

  /** The order, rebuilt when the table's size or any record's time changed. */
  private async current(connection: DuckDBConnection): Promise<Order> {
    const reader = await connection.runAndReadAll(`SELECT count(*), bit_xor(epoch_us(updated_at)) FROM ${this.table}`);
    const [n, times] = reader.getRows()[0] ?? [0, null];
    const signature = `${String(n)}|${String(times)}`;
    const cached = this.order ? await this.order.catch(() => null) : null;
    if (cached?.signature === signature) return cached;
    this.order = this.build(signature);
    return this.order;
  }

  private async build(signature: string): Promise<Order> {
    const connection = await this.instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT id, epoch_us(updated_at) FROM ${this.table} ORDER BY updated_at, id`);
      const rows = reader.getRows();
      const ids = new Array<string>(rows.length);
      const times = new BigInt64Array(rows.length);
      rows.forEach((row, i) => {
        ids[i] = String(row[0]);
        times[i] = BigInt(row[1] as bigint | number);
      });
      return { signature, ids, times };
    } finally {
      connection.closeSync();
    }
  }

  /** The docs of positions [from, to), or null when one of them is no longer where the order has it. */
  private async docs(connection: DuckDBConnection, order: Order, from: number, to: number): Promise<string[] | null> {
    if (to <= from) return [];
    const ids = order.ids.slice(from, to);
    // A list of literals is looked up over the primary-key index; a parameter list is not.
    const list = ids.map((id) => `'${id.replaceAll("'", "''")}'`).join(', ');
    const reader = await connection.runAndReadAll(`SELECT id, epoch_us(updated_at), doc FROM ${this.table} WHERE id IN (${list})`);
    const found = new Map(reader.getRows().map((row) => [String(row[0]), { time: BigInt(row[1] as bigint | number), doc: String(row[2]) }]));
    const docs: string[] = [];
    for (const [i, id] of ids.entries()) {
      const record = found.get(id);
      if (!record || record.time !== order.times[from + i]) return null;
      docs.push(record.doc);
    }
    return docs;
  }
}

/** The first position whose time is strictly after `micros` (binary search over the ascending times). */
export function firstAfter(times: BigInt64Array, micros: bigint): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid]! <= micros) low = mid + 1;
    else high = mid;
  }
  return low;
}
