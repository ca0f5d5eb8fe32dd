// Result-set encoding: COLMETADATA and ROW tokens for the SQL Server types the sandbox sends.
import { COLLATION, bVarchar, ucs2 } from './tokens.ts';

/** A wire column type; decimals carry their exact precision and scale. */
export type WireType =
  | { kind: 'int' }
  | { kind: 'bigint' }
  | { kind: 'float' }
  | { kind: 'bit' }
  | { kind: 'date' }
  | { kind: 'datetime2' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'nvarchar' };

/** A result column: its name and wire type. */
export interface WireColumn {
  name: string;
  type: WireType;
}

/**
 * A cell value as the server hands it to the encoder: decimals as unscaled bigints (never
 * floats), instants as microseconds since the Unix epoch, dates as days since the epoch.
 */
export type WireValue = null | string | number | bigint | boolean | { micros: bigint } | { days: number };

// nvarchar(4000) is the largest non-PLP text type; longer text is cut (documented in README).
const NVARCHAR_MAX_CHARS = 4000;
// Days between 0001-01-01 and 1970-01-01, the origin of TDS date/datetime2.
const DAYS_TO_EPOCH = 719162;

/** Bytes a decimal of this precision takes on the wire (sign byte included). */
export function decimalLength(precision: number): number {
  if (precision <= 9) return 5;
  if (precision <= 19) return 9;
  if (precision <= 28) return 13;
  return 17;
}

/** The COLMETADATA token for these columns. */
export function colMetadataToken(columns: readonly WireColumn[]): Buffer {
  const head = Buffer.alloc(3);
  head[0] = 0x81;
  head.writeUInt16LE(columns.length, 1);
  const parts: Buffer[] = [head];
  for (const column of columns) {
    const userTypeAndFlags = Buffer.alloc(6);
    userTypeAndFlags.writeUInt16LE(0x0001, 4); // nullable
    parts.push(userTypeAndFlags, typeInfo(column.type), bVarchar(column.name.slice(0, 128)));
  }
  return Buffer.concat(parts);
}

function typeInfo(type: WireType): Buffer {
  switch (type.kind) {
    case 'int':
      return Buffer.from([0x26, 4]);
    case 'bigint':
      return Buffer.from([0x26, 8]);
    case 'float':
      return Buffer.from([0x6d, 8]);
    case 'bit':
      return Buffer.from([0x68, 1]);
    case 'date':
      return Buffer.from([0x28]);
    case 'datetime2':
      return Buffer.from([0x2a, 7]);
    case 'decimal':
      return Buffer.from([0x6a, decimalLength(type.precision), type.precision, type.scale]);
    case 'nvarchar': {
      const max = Buffer.alloc(3);
      max[0] = 0xe7;
      max.writeUInt16LE(NVARCHAR_MAX_CHARS * 2, 1);
      return Buffer.concat([max, COLLATION]);
    }
  }
}

/** One ROW token. */
export function rowToken(columns: readonly WireColumn[], values: readonly WireValue[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0xd1])];
  columns.forEach((column, i) => parts.push(encodeValue(column.type, values[i] ?? null)));
  return Buffer.concat(parts);
}

function encodeValue(type: WireType, value: WireValue): Buffer {
  if (value === null) return type.kind === 'nvarchar' ? Buffer.from([0xff, 0xff]) : Buffer.from([0]);
  switch (type.kind) {
    case 'int': {
      const b = Buffer.alloc(5);
      b[0] = 4;
      b.writeInt32LE(Number(value), 1);
      return b;
    }
    case 'bigint': {
      const b = Buffer.alloc(9);
      b[0] = 8;
      b.writeBigInt64LE(BigInt(value as number | bigint | string), 1);
      return b;
    }
    case 'float': {
      const b = Buffer.alloc(9);
      b[0] = 8;
      b.writeDoubleLE(Number(value), 1);
      return b;
    }
    case 'bit':
      return Buffer.from([1, value ? 1 : 0]);
    case 'date': {
      const days = (value as { days: number }).days + DAYS_TO_EPOCH;
      const b = Buffer.alloc(4);
      b[0] = 3;
      b.writeUIntLE(days, 1, 3);
      return b;
    }
    case 'datetime2': {
      const micros = (value as { micros: bigint }).micros;
      const microsPerDay = 86_400_000_000n;
      let days = micros / microsPerDay;
      let inDay = micros % microsPerDay;
      if (inDay < 0n) {
        inDay += microsPerDay;
        days -= 1n;
      }
      const b = Buffer.alloc(9);
      b[0] = 8;
      b.writeUIntLE(Number(inDay * 10n), 1, 5); // scale 7: 100 ns ticks since midnight
      b.writeUIntLE(Number(days) + DAYS_TO_EPOCH, 6, 3);
      return b;
    }
    case 'decimal':
      return encodeDecimal(BigInt(value as bigint), type.precision);
    case 'nvarchar': {
      const text = String(value).slice(0, NVARCHAR_MAX_CHARS);
      const bytes = ucs2(text);
      const len = Buffer.alloc(2);
      len.writeUInt16LE(bytes.length);
      return Buffer.concat([len, bytes]);
    }
  }
}

/** A decimal from its unscaled integer: length, sign (1 = positive), little-endian magnitude. */
function encodeDecimal(unscaled: bigint, precision: number): Buffer {
  const length = decimalLength(precision);
  const b = Buffer.alloc(1 + length);
  b[0] = length;
  b[1] = unscaled < 0n ? 0 : 1;
  let magnitude = unscaled < 0n ? -unscaled : unscaled;
  for (let i = 0; i < length - 1; i++) {
    b[2 + i] = Number(magnitude & 0xffn);
    magnitude >>= 8n;
  }
  return b;
}
