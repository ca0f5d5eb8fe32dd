/**
 * The load limit: DuckDB's own readers of the export files (read_json_auto, read_csv_auto),
 * each file into a table of one fresh DuckDB file, no validation, quarantine or state.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** Reads every export file into a table of the DuckDB file at `path`; returns the rows read. */
export async function loadWithDuckDbReaders(exportDir: string, path: string): Promise<number> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  let rows = 0;
  try {
    const files = [
      ...readdirSync(join(exportDir, 'buildops')).map((f) => ({ file: join(exportDir, 'buildops', f), reader: 'read_json_auto' })),
      ...readdirSync(join(exportDir, 'spectrum')).map((f) => ({ file: join(exportDir, 'spectrum', f), reader: 'read_csv_auto' })),
    ];
    for (const [i, { file, reader }] of files.entries()) {
      // The whole file sampled for its CSV types: a code column can hold digits for 240,000 rows and then a letter.
      const options = reader === 'read_json_auto' ? ', maximum_object_size = 1073741824' : ', sample_size = -1';
      await conn.run(`CREATE TABLE t${i} AS SELECT * FROM ${reader}('${file.replaceAll("'", "''")}'${options})`);
      rows += Number((await conn.runAndReadAll(`SELECT count(*) FROM t${i}`)).getRows()[0]![0]);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return rows;
}
