// Writes the store as the file-export layout of docs/export-folder.md: BuildOps records as JSON
// arrays, Spectrum tables as CSV (both companies, padding kept), the mapping files and the
// ground truth. Large tables stream chunk by chunk; every file is in a stable order, so the
// same seed gives byte-identical files.

import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { GROUND_TRUTH_FILE } from './ground-truth.ts';
import type { Store } from './store/open-store.ts';
import { BUILDOPS_ENDPOINTS, MAPPING_FILES, SPECTRUM_TABLES, SPECTRUM_TABLE_NAMES, buildOpsTable, quoteIdent, type SpectrumColumn } from './store/schema.ts';

/** One CSV field per RFC 4180; NULL is the empty field. Padded values are quoted so no reader trims them. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Stream the rows of `sql` (all VARCHAR) to `path` as text produced by `format`, with an optional header and footer. */
async function streamToFile(
  connection: DuckDBConnection,
  sql: string,
  path: string,
  format: (row: (string | null)[], first: boolean) => string,
  head: string,
  foot: string,
): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.write(head);
    const result = await connection.stream(sql);
    let first = true;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      let text = '';
      for (const row of chunk.getRows()) {
        text += format(row as (string | null)[], first);
        first = false;
      }
      await file.write(text);
    }
    await file.write(foot);
  } finally {
    await file.close();
  }
}

function spectrumSelect(column: SpectrumColumn): string {
  const c = quoteIdent(column.name);
  if (column.kind === 'datetime')
    return `CASE WHEN ${c} = date_trunc('day', ${c}) THEN strftime(${c}, '%Y-%m-%d') ELSE strftime(${c}, '%Y-%m-%d %H:%M:%S') END`;
  return `CAST(${c} AS VARCHAR)`;
}

/** Export the store to `dir` in the files.md layout (plus ground-truth.json). */
export async function exportContractor(store: Store, dir: string): Promise<void> {
  const { connection } = store;
  for (const sub of ['buildops', 'spectrum', 'mappings']) await mkdir(join(dir, sub), { recursive: true });
  for (const endpoint of BUILDOPS_ENDPOINTS) {
    const sql = `SELECT doc FROM buildops.${buildOpsTable(endpoint)} ORDER BY id`;
    await streamToFile(connection, sql, join(dir, 'buildops', `${endpoint}.json`), (row, first) => `${first ? '' : ',\n'}${row[0]}`, '[\n', '\n]\n');
  }
  for (const table of SPECTRUM_TABLE_NAMES) {
    const columns = SPECTRUM_TABLES[table] as readonly SpectrumColumn[];
    const sql = `SELECT ${columns.map(spectrumSelect).join(', ')} FROM spectrum.${quoteIdent(table)} ORDER BY ALL`;
    const header = `${columns.map((c) => c.name).join(',')}\r\n`;
    await streamToFile(connection, sql, join(dir, 'spectrum', `${table}.csv`), (row) => `${row.map(csvField).join(',')}\r\n`, header, '');
  }
  await exportMappings(store, join(dir, 'mappings'));
  await streamToFile(connection, 'SELECT doc FROM sandbox.ground_truth', join(dir, GROUND_TRUTH_FILE), (row) => String(row[0]), '', '');
}

/** Write the contractor's mapping files (cost_code_map.csv, ...) to `dir`, as a user keeps them. */
export async function exportMappings(store: Store, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, columns] of Object.entries(MAPPING_FILES)) {
    const sql = `SELECT ${columns.map((c) => `CAST(${c} AS VARCHAR)`).join(', ')} FROM sandbox.${name} ORDER BY ALL`;
    await streamToFile(store.connection, sql, join(dir, `${name}.csv`), (row) => `${row.map(csvField).join(',')}\r\n`, `${columns.join(',')}\r\n`, '');
  }
}
