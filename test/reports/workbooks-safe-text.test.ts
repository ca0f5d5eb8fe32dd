/** Formula-injection protection: which text a spreadsheet would run, and what is written instead. */
import { describe, expect, it } from 'vitest';
import { isFormulaLike, safeText } from '../../reports/excel/safe-text.ts';
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
