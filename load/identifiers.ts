/** Safe SQL identifiers: source field names become snake_case column names, always quoted. */

const cache = new Map<string, string>();

/** A source field name as a warehouse column name: `invoiceNumber` → `invoice_number`. */
export function toColumnName(field: string): string {
  const cached = cache.get(field);
  if (cached !== undefined) return cached;
  const name =
    field
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .replace(/_+/g, '_') || 'column';
  const safe = /^[0-9]/.test(name) ? `c_${name}` : name;
  cache.set(field, safe);
  return safe;
}

/** A double-quoted identifier (the same quoting in DuckDB and Postgres). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
