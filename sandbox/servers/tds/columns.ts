// Result-set encoding: COLMETADATA and ROW tokens for the SQL Server types the sandbox sends.
import { COLLATION, bVarchar } from './tokens.ts';

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
  return rowTokens(columns, [values]);
}

/**
 * The ROW tokens of many rows (a chunk of a result set) in one buffer: every cell is written in
 * place, so a row costs no allocation of its own (a buffer per cell and a concat per row made
 * the encoding the server's main cost on results of millions of rows).
 */
export function rowTokens(columns: readonly WireColumn[], rows: readonly (readonly WireValue[])[]): Buffer {
  const out = new ByteWriter(rows.length * (1 + columns.length * 12) + 64);
  for (const values of rows) {
    out.ensure(1);
    out.buffer[out.offset++] = 0xd1;
    for (let i = 0; i < columns.length; i++) writeValue(out, columns[i]!.type, values[i] ?? null);
  }
  return out.finish();
}

/** A growing byte buffer written at an offset. */
class ByteWriter {
  buffer: Buffer;
  offset = 0;
  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 64));
  }
  /** Room for `bytes` more bytes. */
  ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

function writeValue(out: ByteWriter, type: WireType, value: WireValue): void {
  if (value === null) {
    out.ensure(2);
    if (type.kind === 'nvarchar') {
      out.buffer[out.offset++] = 0xff;
      out.buffer[out.offset++] = 0xff;
    } else out.buffer[out.offset++] = 0;
    return;
  }
  switch (type.kind) {
    case 'int':
      out.ensure(5);
      out.buffer[out.offset] = 4;
      out.buffer.writeInt32LE(Number(value), out.offset + 1);
      out.offset += 5;
      return;
    case 'bigint':
      out.ensure(9);
      out.buffer[out.offset] = 8;
      out.buffer.writeBigInt64LE(BigInt(value as number | bigint | string), out.offset + 1);
      out.offset += 9;
      return;
    case 'float':
      out.ensure(9);
      out.buffer[out.offset] = 8;
      out.buffer.writeDoubleLE(Number(value), out.offset + 1);
      out.offset += 9;
      return;
    case 'bit':
      out.ensure(2);
      out.buffer[out.offset++] = 1;
      out.buffer[out.offset++] = value ? 1 : 0;
      return;
    case 'date': {
      const days = (value as { days: number }).days + DAYS_TO_EPOCH;
      out.ensure(4);
      out.buffer[out.offset] = 3;
      out.buffer.writeUIntLE(days, out.offset + 1, 3);
      out.offset += 4;
      return;
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
      out.ensure(9);
      out.buffer[out.offset] = 8;
      out.buffer.writeUIntLE(Number(inDay * 10n), out.offset + 1, 5); // scale 7: 100 ns ticks since midnight
      out.buffer.writeUIntLE(Number(days) + DAYS_TO_EPOCH, out.offset + 6, 3);
      out.offset += 9;
      return;
    }
    case 'decimal': {
      const length = decimalLength(type.precision);
      out.ensure(1 + length);
      writeDecimal(out.buffer, out.offset, BigInt(value as bigint), length);
      out.offset += 1 + length;
      return;
    }
    case 'nvarchar': {
      const text = String(value).slice(0, NVARCHAR_MAX_CHARS);
      // UTF-16LE takes two bytes per JavaScript character.
      out.ensure(2 + text.length * 2);
      out.buffer.writeUInt16LE(text.length * 2, out.offset);
      out.buffer.write(text, out.offset + 2, 'utf16le');
      out.offset += 2 + text.length * 2;
      return;
    }
  }
}

/** A decimal from its unscaled integer at `offset`: length, sign (1 = positive), little-endian magnitude. */
function writeDecimal(b: Buffer, offset: number, unscaled: bigint, length: number): void {
  b[offset] = length;
  b[offset + 1] = unscaled < 0n ? 0 : 1;
  let magnitude = unscaled < 0n ? -unscaled : unscaled;
  for (let i = 0; i < length - 1; i++) {
    b[offset + 2 + i] = Number(magnitude & 0xffn);
    magnitude >>= 8n;
  }
}
