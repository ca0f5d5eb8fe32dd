/**
 * Converting loose source values into the canonical values both warehouses store exactly:
 * decimal text, `YYYY-MM-DD` dates, UTC `Date` timestamps.
 */
import { isDecimalText, normalizeDecimal } from '../lib/decimal.ts';
import { isIsoDate } from '../lib/dates.ts';
import type { ColumnType } from './types.ts';

export type Coerced = { ok: true; value: unknown } | { ok: false; reason: string };

const DECIMAL_TYPE = /^decimal\((\d+),(\d+)\)$/;

/** Precision and scale of a `decimal(p,s)` column type, or null for other types. */
export function decimalParts(type: ColumnType): { precision: number; scale: number } | null {
  const match = DECIMAL_TYPE.exec(type);
  return match ? { precision: Number(match[1]), scale: Number(match[2]) } : null;
}

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
  if (!isDecimalText(text)) return { ok: false, reason: `${describe(value)} is not a decimal amount` };
  const normalized = normalizeDecimal(text, scale);
  const integerDigits =
    normalized
      .replace(/^-/, '')
      .split('.')[0]
      ?.replace(/^0+(?=\d)/, '').length ?? 0;
  if (integerDigits > precision - scale) return { ok: false, reason: `${describe(value)} does not fit decimal(${precision},${scale})` };
  return { ok: true, value: normalized };
}

// ISO text without a zone is UTC: the warehouse stores UTC instants only.
function parseInstant(text: string): Date | null {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed)) return null;
  const withT = trimmed.replace(' ', 'T');
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(withT) && withT.length > 10;
  return new Date(hasZone ? withT : withT.length === 10 ? `${withT}T00:00:00Z` : `${withT}Z`);
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
