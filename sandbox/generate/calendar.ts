// Business dates are whole days (days since 1970-01-01); instants are epoch seconds.
// The company's time zone is America/Chicago (UTC-6, or -5 in summer): BuildOps instants are
// placed between 15:00 and 22:59 UTC so they fall on the same calendar day there, except the
// one planted evening instant that crosses midnight UTC.

const DAY_MS = 86_400_000;

/** Day number of an ISO date `YYYY-MM-DD`. */
export function dayOf(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

/** ISO `YYYY-MM-DD` of a day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `YYYYMMDD` of a day number (Spectrum's Tran_Date_Text). */
export function compactDay(day: number): string {
  return isoDay(day).replaceAll('-', '');
}

/** The first day of the month holding `day`. */
export function monthStart(day: number): number {
  const d = new Date(day * DAY_MS);
  return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS);
}

/** The last day of the month holding `day`. */
export function monthEnd(day: number): number {
  const d = new Date(day * DAY_MS);
  return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS) - 1;
}

/** The first day of the month `n` months after the one holding `day`. */
export function addMonths(day: number, n: number): number {
  const d = new Date(day * DAY_MS);
  return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1) / DAY_MS);
}

/** Epoch seconds of `day` at `secondsIntoDay` UTC. */
export function epochSeconds(day: number, secondsIntoDay: number): number {
  return day * 86_400 + secondsIntoDay;
}

/** ISO-8601 UTC instant of epoch seconds (`2026-11-02T16:04:05.000Z`). */
export function isoInstant(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString();
}

/** Day of the week, 0 = Sunday. */
export function weekday(day: number): number {
  return (day + 4) % 7; // 1970-01-01 was a Thursday
}
