/**
 * A quick look at a BuildOps export file's bytes, before the warehouse is let read and type it
 * itself (json-sql.ts): a byte-by-byte JSON syntax check that also holds every record to its
 * endpoint's declared shape, without building a value. The look is conservative: anything the
 * record-by-record path could treat differently (invalid JSON, a record that is not an object, a
 * field nobody declared or declared twice, a field of the wrong JSON type, a required field
 * missing or null, a NUL or surrogate escape, bytes that are not UTF-8, a byte-order mark) says
 * "not plain", and the file goes record by record, which quarantines or fails exactly as before.
 * What JSON types cannot tell (a date that is not a date, an amount out of range) the SQL checks.
 */
import { scanUtf8File } from '../utf8-file-scan.ts';
import type { EndpointSpec, FieldKind, FieldSpec } from './endpoints.ts';

/** What the look found: a plain file and its record count, or why it is not plain. */
export type JsonShape = { plain: true; records: number; largestRecordBytes: number } | { plain: false; why: string };

/** JSON value types, as bits. */
const STRING = 1;
const NUMBER = 2;
/** A number written as a plain integer of at most 15 digits (a safe integer, read exactly everywhere). */
const INTEGER = 4;
const BOOLEAN = 8;
const OBJECT = 16;
const ARRAY = 32;

/** What a declared field may hold. */
interface ValueShape {
  /** The JSON types allowed besides null. */
  types: number;
  required: boolean;
  /** The shape of an object (a flattened object), or of each element of an array (a child table). */
  inner: ObjectShape | null;
}

/** A declared key: its UTF-8 bytes, its index (for the seen flags) and what it may hold. */
interface KeyEntry {
  bytes: Buffer;
  index: number;
  value: ValueShape;
}

/** The declared fields of an object, found by a hash of their bytes (no string made per key read). */
interface ObjectShape {
  keys: Map<string, KeyEntry>;
  byHash: Map<number, KeyEntry[]>;
  /** The indexes of the required keys. */
  required: number[];
  size: number;
}

/** The hash the scanner computes over a key's bytes as it reads them. */
function keyHash(bytes: Uint8Array, length = bytes.length): number {
  let hash = 0;
  for (let i = 0; i < length; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0;
  return hash;
}

const KIND_TYPES: Record<FieldKind, number> = {
  text: STRING,
  boolean: BOOLEAN,
  integer: INTEGER,
  'epoch-millis': INTEGER,
  money: NUMBER,
  rate: NUMBER,
  quantity: NUMBER,
  'unit-price': NUMBER,
  date: STRING,
  instant: STRING,
  'epoch-seconds': STRING | INTEGER,
};

function objectShape(entries: [string, ValueShape][]): ObjectShape {
  const keys = new Map(entries.map(([key, value], index) => [key, { bytes: Buffer.from(key, 'utf8'), index, value }]));
  const byHash = new Map<number, KeyEntry[]>();
  for (const entry of keys.values()) {
    const hash = keyHash(entry.bytes);
    byHash.set(hash, [...(byHash.get(hash) ?? []), entry]);
  }
  const required = [...keys.values()].filter((e) => e.value.required).map((e) => e.index);
  return { keys, byHash, required, size: entries.length };
}

function fieldEntries(fields: readonly FieldSpec[]): [string, ValueShape][] {
  return fields.map((f) => [f.source, { types: KIND_TYPES[f.kind], required: f.required === true, inner: null }]);
}

interface ChildLike {
  source: string;
  fields: readonly FieldSpec[];
  children?: readonly ChildLike[];
}

function childEntry(child: ChildLike): [string, ValueShape] {
  const inner = objectShape([...fieldEntries(child.fields), ...(child.children ?? []).map(childEntry)]);
  return [child.source, { types: ARRAY, required: false, inner }];
}

/** The declared shape of an endpoint's records: its fields, flattened objects and child arrays. */
export function recordShape(spec: EndpointSpec): ObjectShape {
  return objectShape([
    ...fieldEntries(spec.fields),
    ...spec.objects.map((o): [string, ValueShape] => [o.source, { types: OBJECT, required: false, inner: objectShape(fieldEntries(o.fields)) }]),
    ...spec.children.map(childEntry),
  ]);
}

/** Keys longer than this are no declared key. */
const MAX_KEY_BYTES = 128;

/** Scans `path` (one JSON array of `spec`'s records, UTF-8) and counts its records, without building a value. */
export async function scanJsonShape(path: string, spec: EndpointSpec): Promise<JsonShape> {
  // A byte-order mark is not skipped: it is no JSON, so the scanner says the file is not plain.
  return scanUtf8File(path, new ShapeScanner(recordShape(spec)), false);
}

/** An open object or array: its declared shape and, for an object, which keys it has had. */
interface Frame {
  array: boolean;
  /** The object's own shape, or (array) each element's. */
  shape: ObjectShape;
  seen: Uint8Array;
}

// Scanner states.
const BEFORE = 0; // before the top-level array
const VALUE = 1; // a value must come
const VALUE_OR_END = 2; // after '[': a value or ']'
const KEY_OR_END = 3; // after '{': a key or '}'
const KEY = 4; // after ',' in an object
const COLON = 5;
const COMMA_OR_END = 6;
const STRING_BODY = 7;
const NUMBER_BODY = 8;
const LITERAL = 9;
const AFTER = 10; // after the top-level array: white space only

// Number sub-states (the JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?).
const N_SIGN = 0; // after '-'
const N_ZERO = 1; // a leading 0
const N_INT = 2;
const N_DOT = 3; // after '.'
const N_FRAC = 4;
const N_E = 5; // after 'e'
const N_E_SIGN = 6; // after 'e+' / 'e-'
const N_EXP = 7;

const LITERALS = { t: 'true', f: 'false', n: 'null' } as const;
const NO_KEYS = new Uint8Array(0);

/** The JSON syntax and the declared shapes, byte by byte, across chunks. */
class ShapeScanner {
  private state = BEFORE;
  private readonly stack: Frame[] = [];
  private readonly flagsByDepth: Uint8Array[] = [];
  /** What the value about to come may be (null: the top-level array itself). */
  private expected: ValueShape | null = null;
  private records = 0;
  private largest = 0;
  private recordStart = 0;
  /** The file offset of the chunk scanned, and of the byte stepped. */
  private base = 0;
  private offset = 0;
  // String state.
  private isKey = false;
  private escape = false;
  private hexLeft = 0;
  private hex = 0;
  private readonly key = Buffer.alloc(MAX_KEY_BYTES);
  private keyLength = 0;
  private keyOdd = false;
  /** keyHash of the key's bytes so far. */
  private hash = 0;
  // Number state.
  private numberState = N_SIGN;
  private integerDigits = 0;
  private integral = true;
  // Literal state.
  private literal = '';
  private literalAt = 0;

  constructor(private readonly root: ObjectShape) {}

  /** Scans one chunk; returns why the file is not plain, or null. */
  scan(bytes: Uint8Array): string | null {
    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      // The bytes of a string between its escapes (most of a file) in a tight loop.
      if (this.state === STRING_BODY && this.hexLeft === 0 && !this.escape) {
        let j = i;
        if (this.isKey) {
          while (j < n) {
            const b = bytes[j]!;
            if (b === 0x22 || b === 0x5c || b < 0x20) break;
            if (this.keyLength < MAX_KEY_BYTES) this.key[this.keyLength++] = b;
            else this.keyOdd = true;
            this.hash = (Math.imul(this.hash, 31) + b) | 0;
            j++;
          }
        } else {
          while (j < n) {
            const b = bytes[j]!;
            if (b === 0x22 || b === 0x5c || b < 0x20) break;
            j++;
          }
        }
        i = j;
        if (i === n) break;
      }
      this.offset = this.base + i;
      const why = this.step(bytes[i]!);
      if (why !== null) return why;
    }
    this.base += n;
    return null;
  }

  private step(b: number): string | null {
    switch (this.state) {
      case STRING_BODY:
        return this.stringByte(b);
      case NUMBER_BODY:
        if (this.numberByte(b)) return null;
        {
          const why = this.endNumber();
          if (why) return why;
        }
        this.state = COMMA_OR_END;
        return this.step(b);
      case LITERAL:
        if (b !== this.literal.charCodeAt(this.literalAt)) return 'not valid JSON (a misspelt true, false or null)';
        if (++this.literalAt === this.literal.length) this.state = COMMA_OR_END;
        return null;
    }
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) return null;
    switch (this.state) {
      case BEFORE:
        if (b !== 0x5b) return 'not a JSON array';
        this.stack.push({ array: true, shape: this.root, seen: NO_KEYS });
        this.state = VALUE_OR_END;
        this.expected = { types: OBJECT, required: true, inner: this.root };
        return null;
      case AFTER:
        return 'something after the array';
      case VALUE_OR_END:
        if (b === 0x5d) return this.close(true);
        return this.startValue(b);
      case VALUE:
        return this.startValue(b);
      case KEY_OR_END:
      case KEY:
        if (b === 0x7d && this.state === KEY_OR_END) return this.close(false);
        if (b !== 0x22) return 'not valid JSON (a key expected)';
        this.isKey = true;
        this.keyLength = 0;
        this.keyOdd = false;
        this.hash = 0;
        this.state = STRING_BODY;
        return null;
      case COLON:
        if (b !== 0x3a) return 'not valid JSON (a colon expected)';
        this.state = VALUE;
        return null;
      case COMMA_OR_END: {
        const frame = this.stack[this.stack.length - 1]!;
        if (b === 0x2c) {
          if (frame.array) {
            this.state = VALUE;
            this.expected = { types: OBJECT, required: true, inner: frame.shape };
          } else this.state = KEY;
          return null;
        }
        if (b === (frame.array ? 0x5d : 0x7d)) return this.close(frame.array);
        return 'not valid JSON (a comma or the end of a list expected)';
      }
    }
    return 'not valid JSON';
  }

  /** Cleared seen flags for an object opened at the current depth (one array per depth, reused). */
  private seenFlags(size: number): Uint8Array {
    const depth = this.stack.length;
    let flags = this.flagsByDepth[depth];
    if (!flags || flags.length < size) flags = this.flagsByDepth[depth] = new Uint8Array(Math.max(size, 32));
    flags.fill(0, 0, size);
    return flags;
  }

  /** The first byte of a value: its JSON type, held to what the field may hold. */
  private startValue(b: number): string | null {
    const expected = this.expected!;
    if (b === 0x6e /* n */) {
      if (expected.required) return 'a required field or a list element that is null';
      return this.startLiteral('n');
    }
    if (b === 0x22) {
      if (!(expected.types & STRING)) return 'a string where the field holds no string';
      this.isKey = false;
      this.state = STRING_BODY;
      return null;
    }
    if (b === 0x74 || b === 0x66) {
      if (!(expected.types & BOOLEAN)) return 'true or false where the field holds no boolean';
      return this.startLiteral(b === 0x74 ? 't' : 'f');
    }
    if (b === 0x2d || (b >= 0x30 && b <= 0x39)) {
      if (!(expected.types & (NUMBER | INTEGER))) return 'a number where the field holds no number';
      this.state = NUMBER_BODY;
      this.numberState = b === 0x2d ? N_SIGN : b === 0x30 ? N_ZERO : N_INT;
      this.integerDigits = b === 0x2d ? 0 : 1;
      this.integral = true;
      return null;
    }
    if (b === 0x7b || b === 0x5b) {
      const array = b === 0x5b;
      if (!(expected.types & (array ? ARRAY : OBJECT)) || !expected.inner)
        return array ? 'a list where the field holds no list' : 'an object where the field holds none';
      if (this.stack.length === 1) this.recordStart = this.offset;
      this.stack.push({ array, shape: expected.inner, seen: array ? NO_KEYS : this.seenFlags(expected.inner.size) });
      if (array) {
        this.state = VALUE_OR_END;
        this.expected = { types: OBJECT, required: true, inner: expected.inner };
      } else this.state = KEY_OR_END;
      return null;
    }
    return 'not valid JSON (a value expected)';
  }

  private startLiteral(first: 't' | 'f' | 'n'): null {
    this.literal = LITERALS[first];
    this.literalAt = 1;
    this.state = LITERAL;
    return null;
  }

  /** Closes the innermost object or array: an object must have had its required fields. */
  private close(array: boolean): string | null {
    const frame = this.stack.pop()!;
    if (!array) {
      for (const index of frame.shape.required) if (frame.seen[index] === 0) return 'a required field missing';
      if (this.stack.length === 1) {
        this.records++;
        this.largest = Math.max(this.largest, this.offset + 1 - this.recordStart);
      }
    }
    this.state = this.stack.length === 0 ? AFTER : COMMA_OR_END;
    return null;
  }

  private stringByte(b: number): string | null {
    if (this.hexLeft > 0) {
      const digit = b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x66 ? b - 0x57 : b >= 0x41 && b <= 0x46 ? b - 0x37 : -1;
      if (digit < 0) return 'not valid JSON (a bad \\u escape)';
      this.hex = this.hex * 16 + digit;
      // The warehouse changes a NUL or a lone surrogate (with a note): such a file goes record by record.
      if (--this.hexLeft === 0 && (this.hex === 0 || (this.hex >= 0xd800 && this.hex <= 0xdfff))) return 'a NUL or surrogate escape';
      return null;
    }
    if (this.escape) {
      this.escape = false;
      if (b === 0x75) {
        this.hexLeft = 4;
        this.hex = 0;
      } else if (!(b === 0x22 || b === 0x5c || b === 0x2f || b === 0x62 || b === 0x66 || b === 0x6e || b === 0x72 || b === 0x74))
        return 'not valid JSON (a bad escape)';
      return null;
    }
    if (b === 0x22) return this.endString();
    if (b < 0x20) return 'not valid JSON (a control character in a string)';
    if (b === 0x5c) {
      this.escape = true;
      if (this.isKey) this.keyOdd = true;
    } else if (this.isKey) {
      if (this.keyLength < MAX_KEY_BYTES) this.key[this.keyLength++] = b;
      else this.keyOdd = true;
      this.hash = (Math.imul(this.hash, 31) + b) | 0;
    }
    return null;
  }

  private endString(): string | null {
    if (!this.isKey) {
      this.state = COMMA_OR_END;
      return null;
    }
    this.state = COLON;
    const frame = this.stack[this.stack.length - 1]!;
    // An escaped or overlong key is read as no declared key.
    const entry = this.keyOdd ? undefined : this.declaredKey(frame.shape);
    if (!entry) return 'a field no one declared';
    if (frame.seen[entry.index] !== 0) return 'a field twice in one object';
    frame.seen[entry.index] = 1;
    this.expected = entry.value;
    return null;
  }

  /** The declared key whose bytes are the key just read, if any. */
  private declaredKey(shape: ObjectShape): KeyEntry | undefined {
    const candidates = shape.byHash.get(this.hash);
    if (!candidates) return undefined;
    for (const entry of candidates) {
      if (entry.bytes.length !== this.keyLength) continue;
      let same = true;
      for (let i = 0; i < this.keyLength && same; i++) same = entry.bytes[i] === this.key[i];
      if (same) return entry;
    }
    return undefined;
  }

  /** One byte of a number; false when the byte is not part of it (the number ended before it). */
  private numberByte(b: number): boolean {
    const digit = b >= 0x30 && b <= 0x39;
    switch (this.numberState) {
      case N_SIGN:
        if (!digit) return false;
        this.numberState = b === 0x30 ? N_ZERO : N_INT;
        this.integerDigits = 1;
        return true;
      case N_ZERO:
      case N_INT:
        if (digit && this.numberState === N_INT) {
          this.integerDigits++;
          return true;
        }
        if (b === 0x2e) this.numberState = N_DOT;
        else if (b === 0x65 || b === 0x45) this.numberState = N_E;
        else return false;
        this.integral = false;
        return true;
      case N_DOT:
      case N_FRAC:
        if (digit) this.numberState = N_FRAC;
        else if (this.numberState === N_FRAC && (b === 0x65 || b === 0x45)) this.numberState = N_E;
        else return false;
        return true;
      case N_E:
        if (b === 0x2b || b === 0x2d) this.numberState = N_E_SIGN;
        else if (digit) this.numberState = N_EXP;
        else return false;
        return true;
      case N_E_SIGN:
      case N_EXP:
        if (!digit) return false;
        this.numberState = N_EXP;
        return true;
    }
    return false;
  }

  private endNumber(): string | null {
    const complete = this.numberState === N_ZERO || this.numberState === N_INT || this.numberState === N_FRAC || this.numberState === N_EXP;
    if (!complete) return 'not valid JSON (a cut number)';
    const expected = this.expected!;
    if (!(expected.types & NUMBER) && !(this.integral && this.integerDigits <= 15))
      return 'a number that is not a plain safe integer where the field holds one';
    return null;
  }

  /** The verdict once every byte was scanned. */
  end(): JsonShape {
    if (this.state === BEFORE) return { plain: false, why: 'an empty file' };
    if (this.state !== AFTER) return { plain: false, why: 'an array that does not end' };
    return { plain: true, records: this.records, largestRecordBytes: this.largest };
  }
}
