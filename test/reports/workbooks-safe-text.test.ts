/** Formula-injection protection: which text a spreadsheet would run, and what is written instead. */
import { describe, expect, it } from 'vitest';
import { isFormulaLike, safeText } from '../../reports/excel/safe-text.ts';
import { stringify } from 'csv-stringify/sync';
import { csvLine, csvLines } from '../../reports/feed/index.ts';

describe('safeText', () => {
  it.each(['=HYPERLINK("http://x","y")', '+1+2', "-2+3+cmd|' /C calc'!A0", '@SUM(A1)', '\t=1+1', '\r=1+1'])('prefixes %j with an apostrophe', (text) => {
    expect(isFormulaLike(text)).toBe(true);
    expect(safeText(text)).toBe(`'${text}`);
  });

  it.each(['Harbor Church', '', ' =not first', "'already quoted", '100-200', 'a=b', '1,234.50'])('leaves %j as it is', (text) => {
    expect(isFormulaLike(text)).toBe(false);
    expect(safeText(text)).toBe(text);
  });
});

describe('csvLine (RFC 4180)', () => {
  it('quotes fields with a comma, quote, CR or LF, doubles quotes, and ends with CRLF', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'two\nlines', ''])).toBe('a,"b,c","say ""hi""","two\nlines",\r\n');
  });

  it('writes every record as csv-stringify (RFC 4180, CRLF, lone CR and LF quoted) writes it', () => {
    // Fields of every troublesome character, every length up to 3: the library is the oracle.
    const alphabet = ['a', ' ', ',', '"', '\r', '\n', "'", '='];
    const fields: string[] = [''];
    for (let length = 1; length <= 3; length += 1) for (const f of fields.filter((x) => x.length === length - 1)) for (const c of alphabet) fields.push(f + c);
    const records = fields.map((f, i) => [f, fields[(i * 7) % fields.length]!, 'x']);
    expect(csvLines(records)).toBe(stringify(records, { record_delimiter: 'windows', quoted_match: /[\r\n]/ }));
  });

  it('encodes a batch of records exactly as one csvLine per record', () => {
    const records = [
      ['a', 'b,c'],
      ['lone\r', ''],
      ['"', '=1+2'],
      ['', ''],
    ];
    expect(csvLines(records)).toBe(records.map((r) => csvLine(r)).join(''));
    expect(csvLines([])).toBe('');
  });
});
