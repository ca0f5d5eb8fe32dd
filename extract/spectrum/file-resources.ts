/**
 * Spectrum from a file export (docs/export-folder.md): `<dir>/spectrum/<TABLE>.csv`, a header row,
 * RFC 4180, UTF-8, empty field = NULL. The same columns, trimming, validation and write modes
 * as over SQL. A missing file means no records on a first load; the loader refuses it for a
 * table that holds rows. A file that is cut, empty, undecodable or off its manifest count fails.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { PlumblineError, errorMessage } from '../../lib/errors.ts';
import { checkManifestCount, checkManifestListsMissing, decodingStream, readExportManifest } from '../export-files.ts';
import { fileFingerprint } from '../file-fingerprint.ts';
import type { ExtractContext, LoadBatch, QuarantineRecord, Resource } from '../types.ts';
import { scanCsvShape } from '../csv-shape.ts';
import { batchRecords, resourceTables } from './batches.ts';
import { spectrumCsvSqlRead } from './csv-sql.ts';
import type { SpectrumTableDef } from './tables.ts';
import { SPECTRUM_TABLE_NAMES, tableDef, writeMode } from './tables.ts';

/** Options of createSpectrumFileResources. */
export interface SpectrumFileOptions {
  /** The export folder (the one holding `spectrum/`). */
  dir: string;
  /** The Spectrum companies to keep; rows of others are left out. */
  companyCodes: readonly string[];
  /** Rows per load batch (default 5,000). */
  batchRows?: number;
  /** The files' encoding (a WHATWG label; default utf-8). */
  encoding?: string;
}

const LINE = Symbol('line');

/** One resource per contract table, read from `<dir>/spectrum/<TABLE>.csv`. */
export function createSpectrumFileResources(options: SpectrumFileOptions): Resource[] {
  const companies = [...new Set(options.companyCodes.map((c) => c.trim()).filter((c) => c !== ''))];
  if (companies.length === 0)
    throw new PlumblineError('No Spectrum company code given for the file export: pass --company (detectFileCompanies lists the ones present).');
  return SPECTRUM_TABLE_NAMES.map((table): Resource => {
    const def = tableDef(table);
    const path = spectrumFilePath(options.dir, table);
    return {
      source: 'spectrum',
      name: table,
      tables: resourceTables(def),
      mode: writeMode(def.strategy),
      // The file's bytes and what shapes its rows: the same hash means the same rows.
      fingerprint: () =>
        fileFingerprint([path], {
          tables: resourceTables(def),
          companies,
          encoding: options.encoding ?? 'utf-8',
          manifestRows: readExportManifest(options.dir).get(`spectrum/${table}.csv`) ?? null,
        }),
      async *extract(_state: unknown, context: ExtractContext): AsyncIterable<LoadBatch> {
        const manifest = readExportManifest(options.dir);
        const relative = `spectrum/${table}.csv`;
        if (!(await exists(path))) {
          checkManifestListsMissing(manifest, relative, path);
          // No file = no records on a first load; the loader refuses it for a table that holds rows.
          yield { rows: Object.fromEntries(resourceTables(def).map((t) => [t.name, []])), missingFile: path };
          return;
        }
        const onEnd = (count: number) => checkManifestCount(manifest, relative, path, count);
        const recordBatches = () => readRecordBatches(path, def, companies, context.asOf, { ...options, onEnd });
        // A plain UTF-8 file can be read and typed by the warehouse itself (csv-sql.ts); anything else goes record by record.
        const shape = isUtf8Label(options.encoding) ? await scanCsvShape(path) : null;
        const sqlRead = shape?.plain
          ? await spectrumCsvSqlRead({ def, path, records: shape.records, companyCodes: companies, checkRecords: onEnd, fallback: recordBatches })
          : null;
        if (sqlRead) {
          yield { rows: {}, sqlRead };
          return;
        }
        yield* recordBatches();
      },
    };
  });
}

/** Reads a file record by record: parsed, normalized and batched in TypeScript (rows.ts, batches.ts). */
async function* readRecordBatches(
  path: string,
  def: SpectrumTableDef,
  companies: readonly string[],
  asOf: string,
  options: { encoding?: string; batchRows?: number; onEnd: (count: number) => void },
): AsyncGenerator<LoadBatch> {
  const skipped: QuarantineRecord[] = [];
  const records = readCsv(path, def, skipped, { encoding: options.encoding, onEnd: options.onEnd });
  for await (const batch of batchRecords(records, {
    def,
    companyCodes: companies,
    asOf,
    batchRows: options.batchRows,
    origin: (record) => `${def.table}.csv line ${(record as Record<symbol, number>)[LINE] ?? '?'}`,
  })) {
    // Records the CSV parser could not read ride with the next batch.
    const quarantine = [...(batch.quarantine ?? []), ...skipped.splice(0)];
    // A file export carries no cursor: each file is read whole.
    yield { rows: batch.rows, quarantine };
  }
}

function isUtf8Label(encoding: string | undefined): boolean {
  return encoding === undefined || /^utf-?8$/i.test(encoding.trim());
}

/** The path of a table's file in an export folder. */
export function spectrumFilePath(dir: string, table: string): string {
  return join(dir, 'spectrum', `${table}.csv`);
}

/** The distinct Company_Code values across the Spectrum files of an export, sorted. */
export async function detectFileCompanies(dir: string): Promise<string[]> {
  const found = new Set<string>();
  for (const table of SPECTRUM_TABLE_NAMES) {
    const path = spectrumFilePath(dir, table);
    if (!(await exists(path))) continue;
    for await (const record of readCsv(path, tableDef(table), [])) {
      const code = Object.entries(record).find(([k]) => k.toLowerCase() === 'company_code')?.[1];
      if (typeof code === 'string' && code.trim() !== '') found.add(code.trim());
    }
  }
  return [...found].sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Streams a CSV file's records as `{ header: value }` with empty fields as NULL. A record the
 * parser cannot read (wrong field count, bad quoting) goes to `skipped` for quarantine.
 */
async function* readCsv(
  path: string,
  def: SpectrumTableDef,
  skipped: QuarantineRecord[],
  options: { encoding?: string; onEnd?: (records: number) => void } = {},
): AsyncGenerator<Record<string, unknown>> {
  const file = `${def.table}.csv`;
  let header: string[] | undefined;
  let records = 0;
  const bytes = createReadStream(path);
  const text = bytes.pipe(decodingStream(path, options.encoding));
  const parser = text.pipe(
    parse({
      bom: true,
      relax_quotes: false,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
      on_skip: (error: Error | undefined, raw?: string) => {
        records++;
        const line = (error as { lines?: number } | undefined)?.lines;
        skipped.push({ recordKey: null, rawRecord: { file, line, raw: raw ?? null }, reasons: [`${file} line ${line ?? '?'}: ${errorMessage(error)}`] });
      },
    }),
  );
  // A decoding error (wrong encoding, a file cut short) ends the parse with that error.
  bytes.on('error', (error) => parser.destroy(error));
  text.on('error', (error) => parser.destroy(error));
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (!header) {
        header = record.map((h) => h.trim());
        const have = new Set(header.map((h) => h.toLowerCase()));
        const missing = def.columns.filter((c) => !have.has(c.source.toLowerCase())).map((c) => c.source);
        if (missing.length > 0) {
          throw new PlumblineError(
            `${path}: the header lacks the columns ${missing.join(', ')} of ${def.table}. Export the table with its Spectrum column names (docs/export-folder.md).`,
          );
        }
        continue;
      }
      const out: Record<string | symbol, unknown> = {};
      header.forEach((name, i) => {
        const value = record[i];
        out[name] = value === undefined || value === '' ? null : value;
      });
      out[LINE] = info.lines;
      records++;
      yield out as Record<string, unknown>;
    }
  } catch (error) {
    if (error instanceof PlumblineError) throw error;
    // A file that stops parsing (an unclosed quote) lost its end: loading the part read would
    // shrink the table quietly, so the file fails.
    throw new PlumblineError(`${path} cannot be read to its end (${errorMessage(error)}): the file looks cut or damaged. Export it again.`, { cause: error });
  }
  if (!header) throw new PlumblineError(`${path} has no header row: the export was cut or failed. Export it again.`);
  options.onEnd?.(records);
}
