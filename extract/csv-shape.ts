/**
 * A quick look at a CSV export file's bytes, before the warehouse is let read it itself: it is
 * only trusted to read a file whose every record the record-by-record reader would read the
 * same way. The look is conservative: anything unusual (a stray quote, a NUL byte, bytes that are
 * not UTF-8, mixed or lone carriage returns, a last record without its line break) says "not
 * plain", and the file goes the record-by-record way, which quarantines or fails exactly as before.
 */
import { scanUtf8File } from './utf8-file-scan.ts';

/** What the look found: a plain file and its record count (header excluded), or why it is not plain. */
export type CsvShape = { plain: true; records: number } | { plain: false; why: string };

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

/** Scans `path` (RFC 4180, `,` and `"`, UTF-8) and counts its records, without parsing a value. */
export async function scanCsvShape(path: string): Promise<CsvShape> {
  return scanUtf8File(path, new ShapeScanner(), true);
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
