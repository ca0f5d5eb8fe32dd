/** Calendar dates as `YYYY-MM-DD` text; instants as UTC `Date`s. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether text is a real calendar date in `YYYY-MM-DD` form. */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  // Arithmetic, not a Date per value (the loader checks every date it loads). Years before 100
  // are refused, as Date.UTC would read them as 19xx.
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Building a DateTimeFormat is far slower than using one: keep one per time zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date an instant falls on in a time zone (e.g. America/Chicago). */
export function dateInTimeZone(instant: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date. */
export function isoDateToEpochDays(text: string): number {
  if (!isIsoDate(text)) throw new Error(`"${text}" is not a date (YYYY-MM-DD)`);
  return Math.round(Date.parse(`${text}T00:00:00Z`) / 86_400_000);
}

/** Days since 1970-01-01 of 0001-01-01 and of 9999-12-31: the years written with four digits. */
const FOUR_DIGIT_YEARS = { first: -719_162, last: 2_932_896 } as const;

/** The `YYYY-MM-DD` date of a day count since 1970-01-01. */
export function epochDaysToIsoDate(days: number): string {
  // Every date the warehouse reads comes through here: computed in integers (the proleptic
  // Gregorian calendar, as Date uses), not through a Date and its ISO text for each value.
  if (!Number.isInteger(days) || days < FOUR_DIGIT_YEARS.first || days > FOUR_DIGIT_YEARS.last) {
    return new Date(days * 86_400_000).toISOString().slice(0, 10);
  }
  // Howard Hinnant's civil_from_days: eras of 400 years (146,097 days) from 0000-03-01.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** A UTC instant as `YYYY-MM-DD HH:MM:SS.mmm` (what both warehouses parse as a TIMESTAMP). */
export function formatTimestamp(instant: Date): string {
  return instant.toISOString().replace('T', ' ').replace('Z', '');
}

const ISO_INSTANT_PARTS = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO-8601 date-time as a UTC instant, or null when it is not one. Strict: every part must
 * exist on the calendar and the clock (2026-02-30 or 25:00 is refused, never rolled over).
 * Text without a zone is UTC.
 */
export function parseStrictInstant(text: string): Date | null {
  const match = ISO_INSTANT_PARTS.exec(text.trim());
  if (!match) return null;
  const [, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  if (!isIsoDate(day!) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  const zoneText = zone === 'Z' ? 'Z' : /^[+-]\d{4}$/.test(zone) ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  if (zoneText !== 'Z' && (Number(zoneText.slice(1, 3)) > 23 || Number(zoneText.slice(4, 6)) > 59)) return null;
  const date = new Date(`${day}T${hour}:${minute}:${second}${fraction}${zoneText}`);
  return Number.isNaN(date.getTime()) ? null : date;
}
