/**
 * Which marts a report reads, found by running it: a warehouse that passes every call through and
 * notes each `marts.<name>` its SQL names (queries, streams, statements in a transaction). The
 * reports' own code is the list, so the reference can never drift from what the reports read.
 */
import type { Warehouse, WarehouseTransaction } from '../load/index.ts';

/** A mart named in SQL text: `marts.ar_aging`, `"marts"."ar_aging"`. */
const MART_NAME = /"?marts"?\."?([a-z_][a-z0-9_]*)"?/gi;

/** The mart names `sqlText` reads. */
export function martsNamedIn(sqlText: string): string[] {
  return [...sqlText.matchAll(MART_NAME)].map((m) => m[1]!.toLowerCase());
}

/** `warehouse` with every SQL text it runs noted in `marts` (the marts it names). */
export function recordingMartReads(warehouse: Warehouse, marts: Set<string>): Warehouse {
  const note = (sqlText: string) => {
    for (const name of martsNamedIn(sqlText)) marts.add(name);
  };
  return new Proxy(warehouse, {
    get(target, property, receiver) {
      if (property === 'query' || property === 'stream') {
        return (sqlText: string, parameters?: readonly unknown[]) => {
          note(sqlText);
          return property === 'query' ? target.query(sqlText, parameters) : target.stream(sqlText, parameters);
        };
      }
      if (property === 'transaction') {
        return <T>(work: (tx: WarehouseTransaction) => Promise<T>) =>
          target.transaction((tx) =>
            work({
              query: (sqlText, parameters) => {
                note(sqlText);
                return tx.query(sqlText, parameters);
              },
            }),
          );
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
