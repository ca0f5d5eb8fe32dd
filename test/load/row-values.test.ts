// Decimals into the warehouse: text already in canonical form is kept as it is, without being
// parsed again, and every other text is normalised: both give what normalizeDecimal gives.
import { describe, expect, test } from 'vitest';
import { normalizeDecimal } from '../../lib/decimal.ts';
import { coerceValue } from '../../load/row-values.ts';

const TYPES = [
  [18, 2],
  [9, 4],
  [18, 4],
  [18, 0],
] as const;

describe('coerceValue of decimals', () => {
  test('canonical text, other spellings and bad text give the normalised value or the reason', () => {
    const cases: [string, number, number, string | null][] = [
      ['1.50', 18, 2, '1.50'],
      ['1.5', 18, 2, '1.50'],
      ['01.50', 18, 2, '1.50'],
      ['+1.00', 18, 2, '1.00'],
      ['-0.00', 18, 2, '0.00'],
      ['-0.001', 18, 2, '0.00'],
      ['-12.345', 18, 2, '-12.35'],
      [' 7.00 ', 18, 2, '7.00'],
      ['12', 18, 0, '12'],
      ['-0', 18, 0, '0'],
      ['100.0000', 9, 4, '100.0000'],
      ['99999.9999', 9, 4, '99999.9999'],
      ['100000.0000', 9, 4, null],
      ['9999999999999999.99', 18, 2, '9999999999999999.99'],
      ['99999999999999999.99', 18, 2, null],
      ['1e5', 18, 2, null],
      ['abc', 18, 2, null],
    ];
    for (const [text, precision, scale, expected] of cases) {
      const coerced = coerceValue(text, `decimal(${precision},${scale})`);
      expect(coerced.ok ? coerced.value : null, `${text} as decimal(${precision},${scale})`).toBe(expected);
    }
  });

  test('whatever the text, a value that loads is exactly normalizeDecimal of it', () => {
    const texts = ['0', '0.0', '0.00', '-0.00', '3.14159', '-2.5', '10', '010.10', '5.', '.5', '1234567.8901', '-1234567.8900'];
    for (const text of texts) {
      for (const [precision, scale] of TYPES) {
        const coerced = coerceValue(text, `decimal(${precision},${scale})`);
        if (coerced.ok) expect(coerced.value, `${text} at scale ${scale}`).toBe(normalizeDecimal(text, scale));
      }
    }
  });
});
