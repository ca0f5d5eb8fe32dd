/**
 * One connection check of `plumbline check`: what it tests, and a run that returns ok with a
 * short detail, or the error (with its fix) that a person must act on. Results are returned, not thrown.
 */
import type { PlumblineError } from './errors.ts';

export type CheckOutcome = { ok: true; detail: string } | { ok: false; error: PlumblineError };

export interface ConnectionCheck {
  /** A short name shown in the first column, e.g. "spectrum: CR_OPEN_ITEM_MC". */
  name: string;
  /** What it tests, for the reader: "one-row read (AR open items, for ar_aging)". */
  purpose: string;
  run(signal: AbortSignal): Promise<CheckOutcome>;
}
