/**
 * An export file read and typed by a private in-memory DuckDB (not the warehouse): the SQL read
 * of a file (extract/types.ts SqlFileRead) for a warehouse that cannot read files itself
 * (Postgres), whose rows then go in by its own bulk path (COPY).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SqlFileRead } from '../types.ts';
import { quoteIdent } from '../identifiers.ts';
import { canonicalConverter } from './values.ts';

/** A file typed in a private DuckDB. */
export interface TypedFile {
  /** The records read. */
  records: number;
  /** The records the load keeps that the SQL does not vouch for (or cannot tell whether to keep). */
  irregular: number;
  /** One table's rows in slices: canonical values, `_ord` first, then `columns`. */
  rows(sql: string, columns: readonly string[]): AsyncIterable<unknown[][]>;
  close(): void;
}

/** Reads and types `read`'s file in a private DuckDB; null when DuckDB cannot read it (the file then goes record by record). */
export async function typeFileInDuckDb(read: SqlFileRead): Promise<TypedFile | null> {
  // One thread and a bounded memory (spilling to a folder of its own): it sits beside the warehouse's own work.
  const temporary = mkdtempSync(join(tmpdir(), 'plumbline-read-'));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB', temp_directory: temporary });
  const conn = await instance.connect();
  const close = () => {
    conn.closeSync();
    instance.closeSync();
    rmSync(temporary, { recursive: true, force: true });
  };
  try {
    await conn.run(`CREATE TEMP TABLE typed AS ${read.typedSql}`);
    const [check] = (await conn.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE _keep IS NULL OR (_keep AND NOT _regular)) FROM typed`)).getRows();
    return {
      records: Number(check?.[0] ?? 0),
      irregular: Number(check?.[1] ?? 0),
      async *rows(sql, columns) {
        const result = await conn.stream(`SELECT _ord, ${columns.map(quoteIdent).join(', ')} FROM (${sql.replaceAll('{typed}', 'typed')}) AS s`);
        for await (const rows of result.yieldConvertedRows(canonicalConverter)) if (rows.length > 0) yield rows;
      },
      close,
    };
  } catch {
    close();
    return null;
  }
}
