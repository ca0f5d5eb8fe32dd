/**
 * The report limit: the marts a report reads, each written whole to a CSV file by DuckDB's own
 * `COPY (SELECT …) TO`, in one connection — no formatting, styles, formulas or history. What a
 * report takes beyond this is what it adds to reading its marts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** Copies each of `marts` from the DuckDB file at `path` to `<outDir>/<mart>.csv`; returns the rows written. */
export async function copyMartsWithDuckDb(path: string, marts: readonly string[], outDir: string): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  let rows = 0;
  try {
    const existing = new Set(
      (await conn.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'`)).getRows().map((r) => String(r[0])),
    );
    // A mart the report looks for but the run did not build is not read by the report either.
    for (const mart of marts.filter((m) => existing.has(m))) {
      const file = join(outDir, `${mart}.csv`).replaceAll("'", "''");
      const result = await conn.runAndReadAll(`COPY (SELECT * FROM marts."${mart}") TO '${file}' (HEADER)`);
      // COPY answers with the count of rows it wrote.
      rows += Number(result.getRows()[0]?.[0] ?? 0);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return rows;
}
