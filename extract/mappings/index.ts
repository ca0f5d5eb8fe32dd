/**
 * The user-maintained mapping files (docs/marts.md) as resources, loaded like seeds:
 * `cost_code_map.csv`, `department_cost_centers.csv`, `labor_rates.csv` and `customer_requirements.csv` from the mappings
 * folder, each replacing its raw table whole on every run. A missing file loads as an empty
 * table (nothing mapped yet), so the models that read it still run and report what is unmapped.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileFingerprint } from '../file-fingerprint.ts';
import { parse } from 'csv-parse';
import type { ColumnSpec, LoadBatch, QuarantineRecord, Resource, Row } from '../types.ts';

/** How one column of a mapping file is read. */
interface MappingColumn extends ColumnSpec {
  /** Whether a blank value sends the row to quarantine. */
  required: boolean;
}

interface MappingFile {
  /** The resource and table name (`raw.mappings__<name>`) and the file name without `.csv`. */
  name: string;
  columns: readonly MappingColumn[];
  /** The column whose value may appear once only. */
  key: string;
  /** More key columns, when one row per combination is the rule (customer + compliance type). */
  moreKeys?: readonly string[];
}

export const MAPPING_FILES: readonly MappingFile[] = [
  {
    name: 'cost_code_map',
    key: 'item_code',
    columns: [
      { name: 'item_code', type: 'varchar', required: true },
      { name: 'phase_code', type: 'varchar', required: true },
      { name: 'cost_type', type: 'varchar', required: true },
    ],
  },
  {
    name: 'department_cost_centers',
    key: 'department_name',
    columns: [
      { name: 'department_name', type: 'varchar', required: true },
      { name: 'cost_center', type: 'varchar', required: true },
    ],
  },
  {
    name: 'labor_rates',
    key: 'item_code',
    columns: [
      { name: 'item_code', type: 'varchar', required: true },
      { name: 'burdened_rate', type: 'decimal(18,4)', required: true },
    ],
  },
  {
    name: 'customer_requirements',
    key: 'customer_code',
    moreKeys: ['compliance_type'],
    columns: [
      { name: 'customer_code', type: 'varchar', required: true },
      { name: 'compliance_type', type: 'varchar', required: true },
      { name: 'minimum_amount', type: 'decimal(18,2)', required: true },
    ],
  },
];

/** Options of createMappingResources. */
export interface MappingOptions {
  /** The folder holding the mapping CSV files. */
  dir: string;
}

/** One resource per mapping file of docs/marts.md. */
export function createMappingResources(options: MappingOptions): Resource[] {
  return MAPPING_FILES.map((file): Resource => {
    const path = join(options.dir, `${file.name}.csv`);
    return {
      source: 'mappings',
      name: file.name,
      mode: 'replace',
      tables: [
        {
          schema: 'raw',
          name: `mappings__${file.name}`,
          columns: file.columns.map(({ name, type }) => ({ name, type })),
          primaryKey: [file.key, ...(file.moreKeys ?? [])],
        },
      ],
      // The file's bytes and its columns: the same hash means the same rows (load/fingerprints.ts).
      fingerprint: () => fileFingerprint([path], { columns: file.columns, key: file.key, moreKeys: file.moreKeys ?? [] }),
      async *extract(): AsyncIterable<LoadBatch> {
        const table = `mappings__${file.name}`;
        if (!(await exists(path))) {
          yield { rows: { [table]: [] } };
          return;
        }
        const { rows, quarantine } = await readMappingFile(path, file);
        yield { rows: { [table]: rows }, quarantine };
      },
    };
  });
}

/**
 * Reads and checks one mapping file. Mapping files are small (one row per item or department),
 * so they are read whole. Codes are trimmed; header names are matched case-insensitively.
 */
async function readMappingFile(path: string, file: MappingFile): Promise<{ rows: Row[]; quarantine: QuarantineRecord[] }> {
  const fileName = `${file.name}.csv`;
  const rows: Row[] = [];
  const quarantine: QuarantineRecord[] = [];
  const seen = new Map<string, number>();
  const parser = createReadStream(path).pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }),
  );
  let headerChecked = false;
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string | undefined>; info: { lines: number } }>) {
    if (!headerChecked) {
      const missing = file.columns.map((c) => c.name).filter((name) => !(name in record));
      if (missing.length > 0) {
        // Without its key columns no row of the file can be read: quarantine the file whole.
        quarantine.push({
          recordKey: fileName,
          rawRecord: { file: path, header: Object.keys(record) },
          reasons: [`${fileName}: the header lacks ${missing.join(', ')} (expected ${file.columns.map((c) => c.name).join(', ')})`],
        });
        return { rows: [], quarantine };
      }
      headerChecked = true;
    }
    const origin = `${fileName} line ${info.lines}`;
    const row: Row = {};
    const reasons: string[] = [];
    for (const column of file.columns) {
      const value = (record[column.name] ?? '').trim();
      if (value === '') {
        if (column.required) reasons.push(`${origin}: ${column.name} is blank`);
        row[column.name] = null;
      } else if (column.type.startsWith('decimal')) {
        if (!/^\d+(\.\d+)?$/.test(value)) reasons.push(`${origin}: ${column.name} = "${value}" is not a non-negative number`);
        row[column.name] = value;
      } else {
        row[column.name] = value;
      }
    }
    const keyColumns = [file.key, ...(file.moreKeys ?? [])];
    const key = keyColumns.map((c) => String(row[c] ?? '')).join(' + ');
    const firstLine = seen.get(key);
    if (row[file.key] && firstLine !== undefined)
      reasons.push(`${origin}: ${keyColumns.join(' + ')} "${key}" is already mapped on line ${firstLine}; one row per ${keyColumns.join(' + ')}`);
    if (reasons.length > 0) {
      quarantine.push({ recordKey: `${fileName}:${key || `line ${info.lines}`}`, rawRecord: record, reasons });
      continue;
    }
    seen.set(key, info.lines);
    rows.push(row);
  }
  return { rows, quarantine };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
