/**
 * A quick look at a CSV export file's bytes, before the warehouse is let read it itself: it is
 * only trusted to read a file whose every record the record-by-record reader would read the
 * same way. The look is conservative: anything unusual (a stray quote, a NUL byte, bytes that are
 * not UTF-8, mixed or lone carriage returns, a last record without its line break) says "not
 * plain", and the file goes the record-by-record way, which quarantines or fails exactly as before.
 */
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';

/** What the look found: a plain file and its record count (header excluded), or why it is not plain. */
export type CsvShape = { plain: true; records: number } | { plain: false; why: string };

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const CHUNK_BYTES = 1 << 20;

/** Scans `path` (RFC 4180, `,` and `"`, UTF-8) and counts its records, without parsing a value. */
export async function scanCsvShape(path: string): Promise<CsvShape> {
  const handle = await open(path, 'r');
  try {
    const scanner = new ShapeScanner();
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    let first = true;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let chunk = buffer.subarray(0, bytesRead);
      if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      first = false;
      // UTF-8 is checked up to the last whole character; a character cut by the chunk waits for the next.
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const whole = wholeCharacters(data);
      if (!isUtf8(data.subarray(0, whole))) return { plain: false, why: 'not valid UTF-8' };
      carry = Buffer.from(data.subarray(whole));
      const why = scanner.scan(data.subarray(0, whole));
      if (why) return { plain: false, why };
    }
    if (carry.length > 0) return { plain: false, why: 'not valid UTF-8 at its end' };
    return scanner.end();
  } finally {
    await handle.close();
  }
}

/** The length of `data` without a UTF-8 character its end cuts. */
function wholeCharacters(data: Uint8Array): number {
  let k = data.length - 1;
  let continuation = 0;
  while (k >= 0 && continuation < 3 && (data[k]! & 0xc0) === 0x80) {
    k--;
    continuation++;
  }
  if (k < 0 || data[k]! < 0xc0) return data.length;
  const lead = data[k]!;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return data.length - k < size ? k : data.length;
}

/** The record structure, byte by byte, across chunks. */
class ShapeScanner {
  private inQuotes = false;
  /** A quote inside a quoted field: the next byte says whether it closed the field or was doubled. */
  private quoteSeen = false;
  private fieldStart = true;
  private lineHasBytes = false;
  private crSeen = false;
  private lineBreak: 'lf' | 'crlf' | null = null;
  private lines = 0;

  /** Scans one chunk; returns why the file is not plain, or null. */
  scan(bytes: Uint8Array): string | null {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0) return 'a NUL byte';
      if (this.crSeen) {
        this.crSeen = false;
        if (b !== LF) return 'a carriage return without a line feed';
        const why = this.endLine('crlf');
        if (why) return why;
        continue;
      }
      if (this.inQuotes) {
        if (!this.quoteSeen) {
          if (b === QUOTE) this.quoteSeen = true;
          continue;
        }
        this.quoteSeen = false;
        if (b === QUOTE) continue; // a doubled quote: one quote in the value
        this.inQuotes = false; // the quote closed the field: a delimiter must follow
        if (b !== COMMA && b !== CR && b !== LF) return 'a character after a closing quote';
      }
      if (b === QUOTE) {
        if (!this.fieldStart) return 'a quote inside an unquoted field';
        this.inQuotes = true;
        this.fieldStart = false;
        this.lineHasBytes = true;
      } else if (b === COMMA) {
        this.fieldStart = true;
        this.lineHasBytes = true;
      } else if (b === CR) {
        this.crSeen = true;
      } else if (b === LF) {
        const why = this.endLine('lf');
        if (why) return why;
      } else {
        this.fieldStart = false;
        this.lineHasBytes = true;
      }
    }
    return null;
  }

  private endLine(kind: 'lf' | 'crlf'): string | null {
    if (this.lineBreak === null) this.lineBreak = kind;
    else if (this.lineBreak !== kind) return 'mixed line breaks';
    // An empty line is skipped by every reader; it is not a record.
    if (this.lineHasBytes) this.lines++;
    this.lineHasBytes = false;
    this.fieldStart = true;
    return null;
  }

  /** The verdict once every byte was scanned. */
  end(): CsvShape {
    if (this.inQuotes || this.quoteSeen) return { plain: false, why: 'a quoted field not closed by a line break' };
    if (this.crSeen) return { plain: false, why: 'a carriage return without a line feed' };
    if (this.lineHasBytes) return { plain: false, why: 'a last record without a line break' };
    if (this.lines === 0) return { plain: false, why: 'no header row' };
    return { plain: true, records: this.lines - 1 };
  }
}
