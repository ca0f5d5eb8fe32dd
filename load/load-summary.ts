/**
 * A resource's load said plainly: its records (rows of its main table: one per customer,
 * invoice, Spectrum row) apart from the child rows its nested arrays became (an invoice's
 * items and payments), so "54 customers" never sits beside "168 rows" unexplained.
 */
import type { TableSpec } from './types.ts';

/** The rows of one resource's load, split into records and child rows per child table. */
export interface LoadRows {
  records: number;
  /** Child table → rows, named by what they hold (`items`, `payments`), in the resource's table order. */
  childRows: Record<string, number>;
}

/**
 * Splits a load's rows per table into records and child rows. The main table is the one every
 * other table's name extends (`buildops__invoices` → `buildops__invoices__items`); a `__days`
 * table is a Spectrum window table's bookkeeping of the days it holds in full, not data.
 */
export function splitLoadRows(tables: readonly TableSpec[], rowsByTable: Readonly<Record<string, number>>): LoadRows {
  const main = [...tables].sort((a, b) => a.name.length - b.name.length)[0];
  if (!main) return { records: 0, childRows: {} };
  const childRows: Record<string, number> = {};
  for (const table of tables) {
    if (table === main || !table.name.startsWith(`${main.name}__`) || table.name.endsWith('__days')) continue;
    childRows[table.name.slice(main.name.length + 2).replace(/_/g, ' ')] = rowsByTable[table.name] ?? 0;
  }
  return { records: rowsByTable[main.name] ?? 0, childRows };
}

/** The child rows as text for a table cell: `84 addresses`, `1520 items, 300 payments`; '' when none. */
export function childRowsText(childRows: Readonly<Record<string, number>>): string {
  return Object.entries(childRows)
    .map(([name, rows]) => `${rows} ${name}`)
    .join(', ');
}
