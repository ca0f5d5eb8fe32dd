/**
 * Every report of a run, written into one folder (`<reports.out_dir>/<as-of>/` by default):
 * the CFO report (HTML, optional chart PNGs and PDF), the Excel workbooks and the AR feed.
 */
import { writeCfoReport } from './html/index.ts';
import type { ReportOptions } from './types.ts';

export type { ReportOptions } from './types.ts';

export interface ReportsResult {
  /** Every file written, the CFO report first. */
  paths: string[];
}

/** Writes every report into options.outDir and returns the paths written. */
export async function writeReports(options: ReportOptions & { png?: boolean; pdf?: boolean }): Promise<ReportsResult> {
  const cfo = await writeCfoReport(options);
  const paths = [cfo.html, ...cfo.pngs, ...(cfo.pdf ? [cfo.pdf] : [])];
  return { paths };
}
