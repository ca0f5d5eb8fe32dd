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
}
