/**
 * Every mart's rows, without the values that differ from run to run (timestamps, run ids),
 * sorted: what two runs that should converge are compared by.
 */
import type { Warehouse } from '../../load/index.ts';

/** Every mart's rows as sorted JSON lines, run ids and timestamps left out. */
export async function martContents(warehouse: Warehouse): Promise<Record<string, string[]>> {
  const contents: Record<string, string[]> = {};
  for (const { name } of await warehouse.listRelations('marts')) {
    const rows = await warehouse.query<Record<string, unknown>>(`select * from marts."${name}"`);
    contents[name] = rows
      .map((row) => JSON.stringify(Object.entries(row).filter(([column, value]) => !(value instanceof Date) && !/(^|_)(run|load)_id$/.test(column))))
      .sort();
  }
  return contents;
}
