import type { Warehouse } from '../load/index.ts';
import type { Logger } from '../lib/logger.ts';

/** What every report writer receives: the warehouse to read `marts.*` from, where to write, and for which day. */
export interface ReportOptions {
  warehouse: Warehouse;
  /** Folder the files are written into (created if missing). */
  outDir: string;
  /** The as-of date of the run, 'YYYY-MM-DD'. */
  asOf: string;
  /** Restrict to one Spectrum company, or null for all companies in the marts. */
  companyCode: string | null;
  /** The company's name for titles (config company.name), or null: then "company <code>". */
  companyName?: string | null;
  logger: Logger;
  /**
   * Where the reports keep their own history (meta: report_history, finding_history, finding_notes,
   * ar_feed_history; and meta.loads, read for the freshness section). Default: `warehouse` itself.
   * When the marts are read through a reader role (SELECT on marts only), the writer's connection;
   * null when only a reader is given: then no history is read or written, and the reports say so.
   */
  history?: Warehouse | null;
}

/** The connection of the reports' history (options.history, else the warehouse), or null when there is none. */
export function historyOf(options: Pick<ReportOptions, 'warehouse' | 'history'>): Warehouse | null {
  return options.history === undefined ? options.warehouse : options.history;
}

/** The warning when a report has no history to read or write (only a reader was given). */
export const NO_HISTORY = 'read through the reader only (no writer connection): the report history in meta is neither read nor written';
