/** Calendar dates as `YYYY-MM-DD` text; instants as UTC `Date`s. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether text is a real calendar date in `YYYY-MM-DD` form. */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

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

/** The `YYYY-MM-DD` date of a day count since 1970-01-01. */
export function epochDaysToIsoDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** A UTC instant as `YYYY-MM-DD HH:MM:SS.mmm` (what both warehouses parse as a TIMESTAMP). */
export function formatTimestamp(instant: Date): string {
  return instant.toISOString().replace('T', ' ').replace('Z', '');
}
