/**
 * The runner's `{{ exact_ratio(n, d, places) }}` macro: n ÷ d rounded once, half away from zero,
 * exact on both warehouses (DuckDB divides DECIMALs in DOUBLE, which misrounds some halves).
 */
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import { renderSql } from '../../transform/render-sql.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

describeEachWarehouse('exact_ratio', (factory) => {
  let warehouse: Warehouse;
  beforeEach(async () => {
    warehouse = await factory.open();
  });
  afterEach(() => warehouse.close());
  afterAll(() => factory.cleanup());

  it('rounds half away from zero at the stated decimals, signs either way, null for a zero divisor', async () => {
    const cases: [string, string, number, string | null][] = [
      ['1.00', '3.00', 4, '0.3333'],
      ['2.00', '3.00', 4, '0.6667'],
      ['-2.50', '4.00', 1, '-0.6'], // −0.625 → −0.6
      ['2.25', '-4.00', 1, '-0.6'], // −0.5625
      ['0.05', '0.10', 0, '1'], // exactly a half: away from zero
      ['-0.05', '0.10', 0, '-1'],
      ['5.00', '0.00', 1, null],
      // 1,000,000,000,000,005 / 2 × 10⁻¹ … a half at 16 digits, where a DOUBLE cannot tell
      ['100000000000000.05', '1.00', 1, '100000000000000.1'],
      ['28894.25', '90000.00', 4, '0.3210'],
      ['77.00', '1540.00', 4, '0.0500'],
    ];
    for (const [n, d, places, expected] of cases) {
      const sql = renderSql(
        `select cast({{ exact_ratio(cast(${n} as decimal(18, 2)), cast(${d} as decimal(18, 2)), ${places}) }} as varchar) as r`,
        {},
        'test',
      );
      const [row] = await warehouse.query<{ r: string | null }>(sql);
      expect(row?.r, `${n} / ${d} to ${places}`).toBe(expected);
    }
  });

  it('names the model when its arguments are wrong', () => {
    expect(() => renderSql('select {{ exact_ratio(1, 2) }}', {}, 'marts/x.sql')).toThrow(/marts\/x\.sql: exact_ratio takes/);
  });
});
