/**
 * DuckDB ↔ canonical values. DuckDB's own JS conversion turns DECIMAL into a float; here a
 * DECIMAL becomes exact text, a DATE `YYYY-MM-DD` text, a TIMESTAMP a UTC Date, and a
 * BIGINT a number when it fits.
 */
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  BIGINT,
  BOOLEAN,
  DATE,
  DECIMAL,
  DOUBLE,
  TIMESTAMP,
  VARCHAR,
} from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue, DuckDBValueConverter } from '@duckdb/node-api';
import { decimalToUnscaled, unscaledToDecimal } from '../../lib/decimal.ts';
import { epochDaysToIsoDate, isoDateToEpochDays } from '../../lib/dates.ts';
import { decimalParts } from '../row-values.ts';
import type { ColumnType } from '../types.ts';

/** Reads DuckDB values as canonical JS values. */
export const canonicalConverter: DuckDBValueConverter<unknown> = (value, type) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.DECIMAL: {
      const decimal = value as DuckDBDecimalValue;
      return unscaledToDecimal(decimal.value, decimal.scale);
    }
    case DuckDBTypeId.DATE:
      return epochDaysToIsoDate((value as DuckDBDateValue).days);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new Date(Number((value as DuckDBTimestampValue).micros / 1000n));
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT: {
      const n = value as bigint;
      return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    default:
      // Lists and structs keep DuckDB's own JS conversion.
      return JSDuckDBValueConverter(value, type, JSDuckDBValueConverter);
  }
};

/** The DuckDB type of a column type. */
export function duckType(type: ColumnType): DuckDBType {
  const decimal = decimalParts(type);
  if (decimal) return DECIMAL(decimal.precision, decimal.scale);
  switch (type) {
    case 'bigint':
      return BIGINT;
    case 'double':
      return DOUBLE;
    case 'boolean':
      return BOOLEAN;
    case 'date':
      return DATE;
    case 'timestamp':
      return TIMESTAMP;
    default:
      return VARCHAR;
  }
}

/** A canonical value as a DuckDB value of a column type (for the appender). */
export function toDuckValue(value: unknown, type: ColumnType): DuckDBValue {
  if (value === null || value === undefined) return null;
  const decimal = decimalParts(type);
  if (decimal) return new DuckDBDecimalValue(decimalToUnscaled(String(value), decimal.scale), decimal.precision, decimal.scale);
  switch (type) {
    case 'bigint':
      return typeof value === 'bigint' ? value : BigInt(value as number);
    case 'double':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'date':
      return new DuckDBDateValue(isoDateToEpochDays(String(value)));
    case 'timestamp':
      return new DuckDBTimestampValue(BigInt((value as Date).getTime()) * 1000n);
    default:
      return String(value);
  }
}

/** A query parameter as something DuckDB binds: Dates as timestamps, the rest as is. */
export function toDuckParameter(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return new DuckDBTimestampValue(BigInt(value.getTime()) * 1000n);
  if (typeof value === 'number' && !Number.isInteger(value)) return value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  return JSON.stringify(value);
}
