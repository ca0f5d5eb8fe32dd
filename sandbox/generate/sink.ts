// Streams generated rows into the store through DuckDB Appenders (never row-by-row INSERT).
// Spectrum rows are plain objects keyed by column name holding unpadded codes, integer cents,
// and day numbers; the sink pads codes and formats values per the column kinds of schema.ts.

import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import {
  BUILDOPS_ENDPOINTS,
  SPECTRUM_TABLES,
  SPECTRUM_TABLE_NAMES,
  buildOpsTable,
  type BuildOpsEndpoint,
  type SpectrumColumn,
  type SpectrumTable,
} from '../store/schema.ts';
import { compactDay, isoDay } from './calendar.ts';
import { cents } from './money.ts';

/** A Spectrum row: codes unpadded, money in cents, dates as day numbers, rates as text. */
export type SpectrumRow = Record<string, string | number | null | undefined>;

/** A BuildOps record as the API returns it (must hold `id` and `audit.lastUpdatedDate`). */
export interface BuildOpsDoc {
  id: string;
  audit: { lastUpdatedDate: string };
  [key: string]: unknown;
}

/** Where generated rows go. */
export interface Sink {
  spectrum(table: SpectrumTable, row: SpectrumRow): void;
  buildops(endpoint: BuildOpsEndpoint, doc: BuildOpsDoc): void;
  mapping(table: 'cost_code_map' | 'department_cost_centers' | 'labor_rates' | 'customer_requirements', values: string[]): void;
  close(): void;
}

function formatValue(column: SpectrumColumn, value: string | number): string {
  switch (column.kind) {
    case 'code':
      return String(value).padEnd(column.width ?? 0, ' ');
    case 'money':
      return cents(Number(value));
    case 'qty':
      return cents(Number(value)); // hundredths, like cents
    case 'datetime':
      return typeof value === 'number' ? `${isoDay(value)} 00:00:00` : value;
    case 'date_text':
      return typeof value === 'number' ? compactDay(value) : value;
    default:
      return String(value);
  }
}

/** A sink appending to the store's tables on `connection`. */
export async function createStoreSink(connection: DuckDBConnection): Promise<Sink> {
  const spectrumAppenders = new Map<SpectrumTable, DuckDBAppender>();
  for (const table of SPECTRUM_TABLE_NAMES) spectrumAppenders.set(table, await connection.createAppender(table, 'spectrum'));
  const buildopsAppenders = new Map<BuildOpsEndpoint, DuckDBAppender>();
  for (const endpoint of BUILDOPS_ENDPOINTS) {
    buildopsAppenders.set(endpoint, await connection.createAppender(buildOpsTable(endpoint), 'buildops'));
  }
  const mappingAppenders = new Map<string, DuckDBAppender>();
  for (const table of ['cost_code_map', 'department_cost_centers', 'labor_rates', 'customer_requirements']) {
    mappingAppenders.set(table, await connection.createAppender(table, 'sandbox'));
  }
  return {
    spectrum(table, row) {
      const appender = spectrumAppenders.get(table)!;
      for (const column of SPECTRUM_TABLES[table] as readonly SpectrumColumn[]) {
        const value = row[column.name];
        if (value === null || value === undefined) appender.appendNull();
        else appender.appendVarchar(formatValue(column, value));
      }
      appender.endRow();
    },
    buildops(endpoint, doc) {
      const appender = buildopsAppenders.get(endpoint)!;
      appender.appendVarchar(doc.id);
      appender.appendVarchar(doc.audit.lastUpdatedDate.replace('T', ' ').replace('Z', ''));
      appender.appendVarchar(JSON.stringify(doc));
      appender.endRow();
    },
    mapping(table, values) {
      const appender = mappingAppenders.get(table)!;
      for (const value of values) appender.appendVarchar(value);
      appender.endRow();
    },
    close() {
      for (const appender of [...spectrumAppenders.values(), ...buildopsAppenders.values(), ...mappingAppenders.values()]) {
        appender.flushSync();
        appender.closeSync();
      }
    },
  };
}
