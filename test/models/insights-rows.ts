/**
 * Reads an insight mart in its ground truth's shape: every column as text (money to the cent,
 * ratios to their decimals, dates YYYY-MM-DD), counts as numbers, flags as booleans, so a
 * comparer can `toEqual` the mart with the truth.
 */
import type { Warehouse } from '../../load/index.ts';

/** How a column is read: text (cast to varchar), a count, or a flag. */
export type ColumnKind = 'text' | 'count' | 'flag';

/** The rows of `marts.<mart>` with the given columns, in the given order. */
export async function martRows<T>(warehouse: Warehouse, mart: string, columns: Record<string, ColumnKind>, orderBy: string): Promise<T[]> {
  const select = Object.entries(columns)
    .map(([name, kind]) => (kind === 'text' ? `cast(${name} as varchar) as ${name}` : name))
    .join(', ');
  const rows = await warehouse.query<Record<string, unknown>>(`select ${select} from marts.${mart} order by ${orderBy}`);
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [name, kind] of Object.entries(columns)) {
      const value = row[name];
      if (kind === 'count') out[name] = value === null ? null : Number(value);
      else if (kind === 'flag') out[name] = value === true || value === 'true';
      else out[name] = value === null || value === undefined ? null : String(value);
    }
    return out as T;
  });
}
