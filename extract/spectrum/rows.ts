/**
 * One Spectrum record (from SQL or a CSV export) as a warehouse row: codes trimmed, money and
 * rates as exact decimal text, business dates as `YYYY-MM-DD`, or the reasons it cannot be
 * (each naming the column), for quarantine.
 */
import { isDecimalText, normalizeDecimal } from '../../lib/decimal.ts';
import { isIsoDate } from '../../lib/dates.ts';
import type { Row } from '../types.ts';
import type { SpectrumColumnDef, SpectrumTableDef } from './tables.ts';
import { parsedDateColumn } from './tables.ts';

/** The outcome of normalizing one record. */
export type NormalizedRecord = { ok: true; row: Row } | { ok: false; reasons: string[] };

const SCALES = { money: 2, rate: 4, qty: 4 } as const;
const PRECISIONS = { money: 18, rate: 9, qty: 18 } as const;
// A business date, optionally with a time of day (SQL Server's CONVERT style 23 drops it too).
const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;
const INSTANT = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)Z?$/;

/**
 * Looks a source column up by name, ignoring case (SQL Server and exported headers may spell
 * `Company_Code` as `COMPANY_CODE`).
 */
export function recordLookup(record: Record<string, unknown>): (source: string) => unknown {
  const byLower = new Map<string, unknown>();
  for (const [key, value] of Object.entries(record)) byLower.set(key.toLowerCase(), value);
  return (source) => byLower.get(source.toLowerCase());
}

/**
 * Which of a record's keys each source name is, for one shape of record (its keys in order):
 * every row of a query or a file has the same keys, so the case-insensitive matching is done
 * once per shape, not once per record.
 */
interface RecordShape {
  keys: string[];
  /** Lower-cased source name → the record's key (the last one, as recordLookup has it). */
  keyOf: Map<string, string>;
  /** The record's key of each of the definition's columns, in its order (undefined: the record lacks it). */
  columnKeys: (string | undefined)[];
  /** The record's keys outside the contract, with their column names. */
  extras: [string, string][];
}

const shapes = new WeakMap<SpectrumTableDef, RecordShape>();

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shapeOf(def: SpectrumTableDef, record: Record<string, unknown>): RecordShape {
  const keys = Object.keys(record);
  const cached = shapes.get(def);
  if (cached && sameKeys(cached.keys, keys)) return cached;
  const keyOf = new Map<string, string>();
  for (const key of keys) keyOf.set(key.toLowerCase(), key);
  const known = new Set(def.columns.map((c) => c.source.toLowerCase()));
  const extras = keys.filter((k) => !known.has(k.toLowerCase())).map((k): [string, string] => [k, k.toLowerCase()]);
  const columnKeys = def.columns.map((c) => keyOf.get(c.source.toLowerCase()));
  const shape = { keys, keyOf, columnKeys, extras };
  shapes.set(def, shape);
  return shape;
}

/** A record's value of a source column of `def`, by name ignoring case (as recordLookup), cheaply for records of one shape. */
export function recordValue(def: SpectrumTableDef, record: Record<string, unknown>, source: string): unknown {
  const key = shapeOf(def, record).keyOf.get(source.toLowerCase());
  return key === undefined ? undefined : record[key];
}

/** Normalizes one record of `def`; fields outside the contract are passed on as text. */
export function normalizeRecord(def: SpectrumTableDef, record: Record<string, unknown>): NormalizedRecord {
  const shape = shapeOf(def, record);
  const row: Row = {};
  const reasons: string[] = [];
  for (let i = 0; i < def.columns.length; i++) {
    const column = def.columns[i]!;
    const key = shape.columnKeys[i];
    const result = normalizeValue(column, key === undefined ? undefined : record[key]);
    if (!result.ok) {
      reasons.push(`${column.name}: ${result.reason}`);
      continue;
    }
    row[column.name] = result.value;
    if (column.kind === 'date_text') row[parsedDateColumn(column)] = result.date;
  }
  for (const [key, column] of shape.extras) {
    const value = record[key];
    // An override may return more columns than the contract's: they load as varchar columns.
    row[column] = value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value);
  }
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, row };
}

type Normalized = { ok: true; value: unknown; date?: string | null } | { ok: false; reason: string };

function normalizeValue(column: SpectrumColumnDef, value: unknown): Normalized {
  if (value === null || value === undefined) return { ok: true, value: null, date: null };
  switch (column.kind) {
    case 'code': {
      const text = typeof value === 'string' ? value.trim() : String(value).trim();
      // A blank char code means "none" in Spectrum, as an empty CSV field does.
      return { ok: true, value: text === '' ? null : text };
    }
    case 'text':
      return { ok: true, value: typeof value === 'string' ? value : String(value) };
    case 'money':
    case 'rate':
    case 'qty':
      return decimalValue(value, SCALES[column.kind], PRECISIONS[column.kind]);
    case 'int': {
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value };
      const text = String(value).trim();
      if (text === '') return { ok: true, value: null };
      return /^[-+]?\d{1,15}$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, reason: `${show(value)} is not a whole number` };
    }
    case 'date': {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? bad(value, 'a date') : { ok: true, value: value.toISOString().slice(0, 10) };
      const text = String(value).trim();
      if (text === '') return { ok: true, value: null };
      const match = DATE_PREFIX.exec(text);
      return match?.[1] && isIsoDate(match[1]) ? { ok: true, value: match[1] } : bad(value, 'a date (YYYY-MM-DD)');
    }
    case 'timestamp': {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? bad(value, 'a timestamp') : { ok: true, value };
      const text = String(value).trim();
      if (text === '') return { ok: true, value: null };
      const match = INSTANT.exec(text) ?? (isIsoDate(text) ? [text, text, '00:00:00'] : null);
      if (!match?.[1] || !isIsoDate(match[1])) return bad(value, 'a timestamp (YYYY-MM-DD HH:MM:SS)');
      // Spectrum's datetime has no zone; the instant is read as UTC (see README.md).
      const instant = new Date(`${match[1]}T${(match[2] ?? '00:00:00').slice(0, 12)}Z`);
      return Number.isNaN(instant.getTime()) ? bad(value, 'a timestamp (YYYY-MM-DD HH:MM:SS)') : { ok: true, value: instant };
    }
    case 'date_text': {
      const text = String(value).trim();
      if (text === '') return { ok: true, value: null, date: null };
      const iso = /^\d{8}$/.test(text) ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}` : '';
      return isIso(iso) ? { ok: true, value: text, date: iso } : bad(value, 'a date (YYYYMMDD)');
    }
  }
}

function isIso(text: string): boolean {
  return text !== '' && isIsoDate(text);
}

function decimalValue(value: unknown, scale: number, precision: number): Normalized {
  // A number only arrives from an override that did not CAST to varchar: its shortest decimal
  // form is exact for decimal(14,2)-sized values, and it is checked like text below.
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value).trim();
  if (text === '') return { ok: true, value: null };
  if (!isDecimalText(text)) return bad(value, 'a decimal amount');
  const [whole = '', fraction = ''] = text.replace(/^[-+]/, '').split('.');
  if (/[1-9]/.test(fraction.slice(scale))) return { ok: false, reason: `${show(value)} has more than ${scale} decimal places` };
  if (whole.replace(/^0+(?=\d)/, '').length > precision - scale) return { ok: false, reason: `${show(value)} does not fit decimal(${precision},${scale})` };
  return { ok: true, value: normalizeDecimal(text, scale) };
}

function bad(value: unknown, what: string): Normalized {
  return { ok: false, reason: `${show(value)} is not ${what}` };
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : value instanceof Date ? value.toISOString() : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A record key for quarantine: the trimmed key columns of the contract, joined by `|`. */
export function recordKeyOf(def: SpectrumTableDef, record: Record<string, unknown>): string | null {
  const get = recordLookup(record);
  const keyed = def.columns.filter((c) => def.key.includes(c.name));
  // Window tables are keyed on derived columns (day, day_seq): their leading codes identify the row better.
  const columns = keyed.length > 0 && keyed.length === def.key.length ? keyed : def.columns.slice(0, 4);
  const parts = columns.map((c) => get(c.source)).map((v) => (v === null || v === undefined ? '' : String(v).trim()));
  return parts.every((p) => p === '') ? null : parts.join('|');
}
