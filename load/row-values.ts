/**
 * Converting loose source values into the canonical values both warehouses store exactly:
 * decimal text, `YYYY-MM-DD` dates, UTC `Date` timestamps.
 */
import { isDecimalText, normalizeDecimal } from '../lib/decimal.ts';
import { isIsoDate, parseStrictInstant } from '../lib/dates.ts';
import type { ColumnType } from './types.ts';

export type Coerced = { ok: true; value: unknown } | { ok: false; reason: string };

const DECIMAL_TYPE = /^decimal\((\d+),(\d+)\)$/;

/** Precision and scale of a `decimal(p,s)` column type, or null for other types. */
export function decimalParts(type: ColumnType): { precision: number; scale: number } | null {
  // Asked for every value loaded: the few column types are parsed once.
  let parts = decimalPartsByType.get(type);
  if (parts === undefined) {
    const match = DECIMAL_TYPE.exec(type);
    parts = match ? { precision: Number(match[1]), scale: Number(match[2]) } : null;
    decimalPartsByType.set(type, parts);
  }
  return parts;
}

const decimalPartsByType = new Map<string, { precision: number; scale: number } | null>();

/** A value as the canonical form of a column type, or why it cannot be. */
export function coerceValue(value: unknown, type: ColumnType): Coerced {
  if (value === null || value === undefined) return { ok: true, value: null };
  const decimal = decimalParts(type);
  if (decimal) return coerceDecimal(value, decimal.precision, decimal.scale);
  switch (type) {
    case 'varchar':
      return { ok: true, value: typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value) };
    case 'json':
      return { ok: true, value: typeof value === 'string' ? value : JSON.stringify(value) };
    case 'bigint':
      if (typeof value === 'bigint') return { ok: true, value };
      if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value: BigInt(value) };
      if (typeof value === 'string' && /^[-+]?\d+$/.test(value.trim())) return { ok: true, value: BigInt(value.trim()) };
      return { ok: false, reason: `${describe(value)} is not a whole number` };
    case 'double': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: `${describe(value)} is not a number` };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return { ok: false, reason: `${describe(value)} is not true or false` };
    case 'date':
      if (value instanceof Date && !Number.isNaN(value.getTime())) return { ok: true, value: value.toISOString().slice(0, 10) };
      if (typeof value === 'string' && isIsoDate(value)) return { ok: true, value };
      return { ok: false, reason: `${describe(value)} is not a date (YYYY-MM-DD)` };
    case 'timestamp': {
      const date = value instanceof Date ? value : typeof value === 'string' ? parseInstant(value) : null;
      return date && !Number.isNaN(date.getTime()) ? { ok: true, value: date } : { ok: false, reason: `${describe(value)} is not a timestamp` };
    }
  }
  return { ok: false, reason: `unknown column type ${type}` };
}

function coerceDecimal(value: unknown, precision: number, scale: number): Coerced {
  const text =
    typeof value === 'number'
      ? Number.isFinite(value)
        ? String(value)
        : ''
      : typeof value === 'string'
        ? value.trim()
        : typeof value === 'bigint'
          ? value.toString()
          : '';
  // Almost every value arrives already in its canonical form (an extractor normalised it): it is kept as it is.
  const normalized = isCanonicalDecimal(text, scale) ? text : isDecimalText(text) ? normalizeDecimal(text, scale) : null;
  if (normalized === null) return { ok: false, reason: `${describe(value)} is not a decimal amount` };
  const integerDigits =
    normalized
      .replace(/^-/, '')
      .split('.')[0]
      ?.replace(/^0+(?=\d)/, '').length ?? 0;
  if (integerDigits > precision - scale) return { ok: false, reason: `${describe(value)} does not fit decimal(${precision},${scale})` };
  return { ok: true, value: normalized };
}

const CANONICAL_DECIMAL = new Map<number, RegExp>();

/** Whether text is what normalizeDecimal(text, scale) gives back: `-`?, no leading zero, exactly `scale` decimals. */
function isCanonicalDecimal(text: string, scale: number): boolean {
  let pattern = CANONICAL_DECIMAL.get(scale);
  if (!pattern) {
    pattern = new RegExp(scale === 0 ? '^-?(0|[1-9][0-9]*)$' : `^-?(0|[1-9][0-9]*)\\.[0-9]{${scale}}$`);
    CANONICAL_DECIMAL.set(scale, pattern);
  }
  // normalizeDecimal never writes -0.00.
  return pattern.test(text) && !/^-0(\.0*)?$/.test(text);
}

// ISO text without a zone is UTC: the warehouse stores UTC instants only. Strict: no rollover.
function parseInstant(text: string): Date | null {
  return parseStrictInstant(text);
}

/**
 * Text as both warehouses can store it, and what had to change: Postgres cannot store a NUL
 * byte in text, and a lone UTF-16 surrogate is not a character in any encoding. The same rule
 * on both backends, so they keep the same values.
 */
export function storableText(text: string): { text: string; changes: string[] } {
  // Fast path: almost every value has neither.
  // eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
  if (!/[\u0000\uD800-\uDFFF]/.test(text)) return { text, changes: [] };
  const changes: string[] = [];
  const nuls = text.split('\u0000').length - 1;
  let out = nuls > 0 ? text.split('\u0000').join('') : text;
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
  const surrogates = out.match(lone)?.length ?? 0;
  if (surrogates > 0) out = out.replace(lone, '\uFFFD');
  if (nuls > 0) changes.push(`${nuls} NUL byte(s) removed (the warehouse cannot store them)`);
  if (surrogates > 0) changes.push(`${surrogates} lone surrogate(s) replaced by U+FFFD (not a character in any encoding)`);
  return { text: out, changes };
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
