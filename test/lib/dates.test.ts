/** Day counts to calendar dates: computed in integers, the same dates Date gives. */
import { describe, expect, it } from 'vitest';
import { epochDaysToIsoDate, isoDateToEpochDays } from '../../lib/dates.ts';

const viaDate = (days: number): string => new Date(days * 86_400_000).toISOString().slice(0, 10);

describe('epochDaysToIsoDate', () => {
  it('gives the date Date gives for every day from 0001-01-01 to 9999-12-31, and just outside', () => {
    const wrong: number[] = [];
    for (let days = -719_170; days <= 2_932_905; days += 1) if (epochDaysToIsoDate(days) !== viaDate(days)) wrong.push(days);
    expect(wrong).toEqual([]);
  });

  it('reads the known days right, and round-trips with isoDateToEpochDays', () => {
    expect(epochDaysToIsoDate(0)).toBe('1970-01-01');
    expect(epochDaysToIsoDate(-1)).toBe('1969-12-31');
    expect(epochDaysToIsoDate(11_016)).toBe('2000-02-29');
    expect(epochDaysToIsoDate(-719_162)).toBe('0001-01-01');
    for (const date of ['1900-02-28', '1900-03-01', '2024-02-29', '2026-11-15', '9999-12-31']) expect(epochDaysToIsoDate(isoDateToEpochDays(date))).toBe(date);
  });
});
