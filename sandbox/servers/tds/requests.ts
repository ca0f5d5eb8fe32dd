// Parsers for the client messages: LOGIN7, SQL_BATCH and RPC (sp_executesql parameters).

/** What the server needs from a LOGIN7 message. */
export interface Login {
  user: string;
  password: string;
  database: string;
  packetSize: number;
}

/** Parse LOGIN7: the fixed header then offset/length pairs into the variable part. */
export function parseLogin7(payload: Buffer): Login {
  const text = (at: number): string => {
    const offset = payload.readUInt16LE(at);
    const length = payload.readUInt16LE(at + 2);
    return payload.subarray(offset, offset + length * 2).toString('utf16le');
  };
  const passwordAt = payload.readUInt16LE(44);
  const passwordLength = payload.readUInt16LE(46);
  // The password is "encrypted" by swapping nibbles and XOR 0xA5 on every byte.
  const raw = Buffer.from(payload.subarray(passwordAt, passwordAt + passwordLength * 2));
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]! ^ 0xa5;
    raw[i] = ((b & 0x0f) << 4) | (b >> 4);
  }
  return {
    packetSize: payload.readUInt32LE(8),
    user: text(40),
    password: raw.toString('utf16le'),
    database: text(68),
  };
}

/** The SQL text of a SQL_BATCH (after its ALL_HEADERS block). */
export function parseSqlBatch(payload: Buffer): string {
  return payload.subarray(payload.readUInt32LE(0)).toString('utf16le');
}

/** A decoded RPC parameter value (decimals exact as unscaled bigint + scale). */
export type ParamValue =
  | null
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | { decimal: bigint; precision: number; scale: number }
  | { timestampMicros: bigint }
  | { dateDays: number };

/** One RPC parameter: its name (with @) and value. */
export interface RpcParam {
  name: string;
  value: ParamValue;
}

/** An RPC call: the procedure (name or well-known id; 10 = sp_executesql) and its parameters. */
export interface RpcCall {
  procedure: string | number;
  params: RpcParam[];
}

const DAYS_TO_EPOCH = 719162;

/** Parse an RPC request. */
export function parseRpc(payload: Buffer): RpcCall {
  let o = payload.readUInt32LE(0);
  const nameLength = payload.readUInt16LE(o);
  o += 2;
  let procedure: string | number;
  if (nameLength === 0xffff) {
    procedure = payload.readUInt16LE(o);
    o += 2;
  } else {
    procedure = payload.subarray(o, o + nameLength * 2).toString('utf16le');
    o += nameLength * 2;
  }
  o += 2; // option flags
  const params: RpcParam[] = [];
  while (o < payload.length) {
    const nl = payload[o++]!;
    const name = payload.subarray(o, o + nl * 2).toString('utf16le');
    o += nl * 2;
    o += 1; // status flags
    const [value, next] = readTypedValue(payload, o);
    o = next;
    params.push({ name, value });
  }
  return { procedure, params };
}

function readTypedValue(buf: Buffer, start: number): [ParamValue, number] {
  let o = start;
  const type = buf[o++]!;
  switch (type) {
    case 0x26: // intN
    case 0x6d: // floatN
    case 0x68: {
      // bitN
      o++; // max length
      const len = buf[o++]!;
      if (len === 0) return [null, o];
      let v: ParamValue;
      if (type === 0x6d) v = len === 8 ? buf.readDoubleLE(o) : buf.readFloatLE(o);
      else if (type === 0x68) v = buf[o] !== 0;
      else if (len === 8) v = buf.readBigInt64LE(o);
      else if (len === 4) v = buf.readInt32LE(o);
      else if (len === 2) v = buf.readInt16LE(o);
      else v = buf[o]!;
      return [v, o + len];
    }
    case 0x30: // tinyint
      return [buf[o]!, o + 1];
    case 0x34:
      return [buf.readInt16LE(o), o + 2];
    case 0x38:
      return [buf.readInt32LE(o), o + 4];
    case 0x7f:
      return [buf.readBigInt64LE(o), o + 8];
    case 0x32:
      return [buf[o] !== 0, o + 1];
    case 0x3e:
      return [buf.readDoubleLE(o), o + 8];
    case 0xe7: // nvarchar
    case 0xa7: // varchar
    case 0xef: // nchar
    case 0xaf: // char
    case 0xa5: // varbinary
    case 0xad: {
      // binary
      const max = buf.readUInt16LE(o);
      o += 2;
      const binary = type === 0xa5 || type === 0xad;
      if (!binary) o += 5; // collation
      const decode = (b: Buffer): ParamValue => (binary ? Buffer.from(b) : type === 0xe7 || type === 0xef ? b.toString('utf16le') : b.toString('latin1'));
      if (max === 0xffff) {
        // PLP (max types): total length, then chunks ended by a zero-length chunk.
        const total = buf.readBigUInt64LE(o);
        o += 8;
        if (total === 0xffffffffffffffffn) return [null, o];
        const chunks: Buffer[] = [];
        for (;;) {
          const l = buf.readUInt32LE(o);
          o += 4;
          if (l === 0) break;
          chunks.push(buf.subarray(o, o + l));
          o += l;
        }
        return [decode(Buffer.concat(chunks)), o];
      }
      const l = buf.readUInt16LE(o);
      o += 2;
      if (l === 0xffff) return [null, o];
      return [decode(buf.subarray(o, o + l)), o + l];
    }
    case 0x6a: // decimalN
    case 0x6c: {
      // numericN
      o++; // max length
      const precision = buf[o++]!;
      const scale = buf[o++]!;
      const len = buf[o++]!;
      if (len === 0) return [null, o];
      const positive = buf[o] === 1;
      let n = 0n;
      for (let i = len - 2; i >= 0; i--) n = (n << 8n) | BigInt(buf[o + 1 + i]!);
      return [{ decimal: positive ? n : -n, precision, scale }, o + len];
    }
    case 0x28: {
      // date
      const len = buf[o++]!;
      if (len === 0) return [null, o];
      return [{ dateDays: buf.readUIntLE(o, 3) - DAYS_TO_EPOCH }, o + 3];
    }
    case 0x2a: // datetime2
    case 0x2b: {
      // datetimeoffset
      const scale = buf[o++]!;
      const len = buf[o++]!;
      if (len === 0) return [null, o];
      const timeLen = scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
      const ticks = BigInt(buf.readUIntLE(o, timeLen));
      const days = BigInt(buf.readUIntLE(o + timeLen, 3) - DAYS_TO_EPOCH);
      // datetimeoffset's value is already UTC; its trailing offset only says how to show it.
      const micros = days * 86_400_000_000n + (scale >= 6 ? ticks / 10n ** BigInt(scale - 6) : ticks * 10n ** BigInt(6 - scale));
      return [{ timestampMicros: micros }, o + len];
    }
    case 0x6f: {
      // datetimeN
      o++;
      const len = buf[o++]!;
      if (len === 0) return [null, o];
      if (len === 4) {
        const days = buf.readUInt16LE(o);
        const minutes = buf.readUInt16LE(o + 2);
        return [{ timestampMicros: BigInt((days - 25567) * 86400 + minutes * 60) * 1_000_000n }, o + 4];
      }
      // datetime: days since 1900-01-01 and 1/300 s since midnight.
      const days = buf.readInt32LE(o);
      const threeHundredths = buf.readUInt32LE(o + 4);
      const micros = BigInt(days - 25567) * 86_400_000_000n + (BigInt(threeHundredths) * 10_000n) / 3n;
      return [{ timestampMicros: micros }, o + 8];
    }
    case 0x24: {
      // uniqueidentifier
      o++;
      const len = buf[o++]!;
      if (len === 0) return [null, o];
      const b = buf.subarray(o, o + 16);
      const hex = (x: Buffer): string => x.toString('hex');
      const id = [
        hex(Buffer.from(b.subarray(0, 4)).reverse()),
        hex(Buffer.from(b.subarray(4, 6)).reverse()),
        hex(Buffer.from(b.subarray(6, 8)).reverse()),
        hex(b.subarray(8, 10)),
        hex(b.subarray(10, 16)),
      ].join('-');
      return [id, o + 16];
    }
    default:
      throw new Error(`unsupported RPC parameter type 0x${type.toString(16)}`);
  }
}
