/**
 * Turns a stream of Spectrum records into load batches, the same way for SQL and files:
 * normalize, quarantine, number window rows within their day, list the days read, and carry
 * the cursor.
 */
import { epochDaysToIsoDate, isIsoDate, isoDateToEpochDays } from '../../lib/dates.ts';
import type { LoadBatch, QuarantineRecord, Row, TableSpec } from '../types.ts';
import { normalizeRecord, recordKeyOf, recordValue } from './rows.ts';
import type { SpectrumTableDef } from './tables.ts';
import { daysTableName, rawTableName, warehouseColumns, windowDateColumn } from './tables.ts';

/** Rows per batch: enough for bulk loading, small enough to never hold a table in memory. */
export const DEFAULT_BATCH_ROWS = 5000;

/** The extraction state of an incremental (merge or window) table. */
export interface SpectrumCursorState {
  /** The latest business date read (never after the run's as-of date); the next window starts lookback days before it. */
  cursor: string;
}

/** The committed cursor of an incremental table, when the stored JSON has its shape. */
export function readCursorState(stored: unknown): SpectrumCursorState | undefined {
  const cursor = stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>).cursor : undefined;
  return typeof cursor === 'string' && isIsoDate(cursor) ? { cursor } : undefined;
}

/** The tables a Spectrum resource writes: the days table first for window tables (it is their parent). */
export function resourceTables(def: SpectrumTableDef): TableSpec[] {
  const main: TableSpec = { schema: 'raw', name: rawTableName(def.table), columns: warehouseColumns(def), primaryKey: def.key };
  if (def.strategy !== 'window') return [main];
  const days: TableSpec = {
    schema: 'raw',
    name: daysTableName(def.table),
    columns: [
      { name: 'company_code', type: 'varchar' },
      { name: 'day', type: 'date' },
    ],
    primaryKey: ['company_code', 'day'],
  };
  return [days, main];
}

/** What batchRecords needs to know about the read. */
export interface BatchOptions {
  def: SpectrumTableDef;
  /** Records of other companies are dropped (a file export may hold several). */
  companyCodes: readonly string[];
  asOf: string;
  /** The first day of the window read (undefined: everything was read). */
  windowFrom?: string;
  previous?: SpectrumCursorState;
  batchRows?: number;
  /** Where the records came from, for quarantine reasons ("CR_OPEN_ITEM_MC.csv line 12"). */
  origin?: (record: Record<string, unknown>) => string | undefined;
}

/** Yields load batches for `records`; the last batch carries the days read and the new cursor. */
export async function* batchRecords(records: AsyncIterable<Record<string, unknown>>, options: BatchOptions): AsyncGenerator<LoadBatch<SpectrumCursorState>> {
  const { def, asOf } = options;
  const raw = rawTableName(def.table);
  const companies = new Set(options.companyCodes);
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  // Rows windowed through a parent table carry no date of their own to read.
  const dateColumn = def.strategy === 'snapshot' || def.windowThrough ? undefined : windowDateColumn(def);
  const daySeq = new Map<string, number>();
  let cursor = options.previous?.cursor;
  let rows: Row[] = [];
  let quarantine: QuarantineRecord[] = [];

  for await (const record of records) {
    const company = recordValue(def, record, 'Company_Code');
    const code = company === null || company === undefined ? '' : String(company).trim();
    if (!companies.has(code)) continue;
    const normalized = normalizeRecord(def, record);
    let reasons = normalized.ok ? [] : normalized.reasons;
    if (normalized.ok && dateColumn) {
      const day = normalized.row[dateColumn];
      if (typeof day !== 'string') {
        if (def.strategy === 'window') reasons = [`${dateColumn}: the date is missing (rows are kept by day)`];
      } else {
        if (day <= asOf && (cursor === undefined || day > cursor)) cursor = day;
        if (def.strategy === 'window') {
          const key = `${code}\u0000${day}`;
          const seq = (daySeq.get(key) ?? 0) + 1;
          daySeq.set(key, seq);
          normalized.row.day_seq = seq;
        }
      }
    }
    if (reasons.length > 0 || !normalized.ok) {
      const where = options.origin?.(record);
      quarantine.push({
        recordKey: recordKeyOf(def, record),
        rawRecord: record,
        reasons: where ? reasons.map((r) => `${r} (${where})`) : reasons,
      });
    } else {
      rows.push(normalized.row);
    }
    if (rows.length + quarantine.length >= batchRows) {
      yield { rows: { [raw]: rows }, quarantine };
      rows = [];
      quarantine = [];
    }
  }

  const last: Record<string, Row[]> = { [raw]: rows };
  if (def.strategy === 'window') last[daysTableName(def.table)] = windowDays(options, daySeq, cursor);
  // Rows windowed through a parent carry no date of their own: their window follows the run's as-of date.
  if (def.windowThrough) cursor = asOf;
  const state: SpectrumCursorState | undefined = cursor === undefined ? undefined : { cursor };
  yield { rows: last, quarantine, ...(state && def.strategy !== 'snapshot' ? { state } : {}) };
}

/**
 * The (company, day) pairs whose warehouse rows this load replaces: every day of the window (a
 * day whose rows were all deleted in Spectrum is emptied too), plus every day seen.
 */
function windowDays(options: BatchOptions, daySeq: ReadonlyMap<string, number>, cursor: string | undefined): Row[] {
  const pairs = new Set(daySeq.keys());
  if (options.windowFrom !== undefined) {
    const last = [options.asOf, cursor ?? options.asOf].sort().at(-1)!;
    for (let d = isoDateToEpochDays(options.windowFrom); d <= isoDateToEpochDays(last); d++) {
      for (const company of options.companyCodes) pairs.add(`${company}\u0000${epochDaysToIsoDate(d)}`);
    }
  }
  return [...pairs].map((pair) => {
    const [company_code, day] = pair.split('\u0000');
    return { company_code, day };
  });
}

/** The first day of the window: lookbackDays before the cursor. */
export function windowStart(cursor: string, lookbackDays: number): string {
  return epochDaysToIsoDate(isoDateToEpochDays(cursor) - lookbackDays);
}
