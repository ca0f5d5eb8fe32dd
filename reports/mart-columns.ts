/**
 * Which marts exist and their columns, read in one catalog query: the reports decide what to show
 * (a section, a sheet, a column) from it, instead of asking for each mart's columns in turn.
 */
import type { Warehouse } from '../load/index.ts';

/** Every mart (table or view) by name, with its column names in order. */
export async function readMartColumns(warehouse: Warehouse): Promise<Map<string, Set<string>>> {
  const rows = await warehouse.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns where table_schema = 'marts' order by table_name, ordinal_position`,
  );
  const marts = new Map<string, Set<string>>();
  for (const row of rows) {
    let columns = marts.get(row.table_name);
    if (!columns) marts.set(row.table_name, (columns = new Set()));
    columns.add(row.column_name);
  }
  return marts;
}
