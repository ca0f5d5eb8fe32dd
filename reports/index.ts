/**
 * Every report of a run, written into one folder (`<reports.out_dir>/<as-of>/` by default):
 * the CFO report (HTML, optional chart PNGs and PDF), the Excel workbooks and the AR feed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeWorkbooks } from './excel/index.ts';
import { writeArFeed } from './feed/index.ts';
import { writeCfoReport } from './html/index.ts';
import type { CfoReportExtras } from './html/index.ts';
import type { ReportOptions } from './types.ts';

export type { ReportOptions } from './types.ts';

export interface ReportsResult {
  /** Every file written: the CFO report first, then its images and PDF, the workbooks, the feed's files and its manifest. */
  paths: string[];
}

export type WriteReportsOptions = ReportOptions & CfoReportExtras & { since?: string };

/** One report writer: its name (a step of the reports stage) and the files it writes. */
export interface ReportWriter {
  name: string;
  write(options: WriteReportsOptions): Promise<string[]>;
}

/** The report writers, in the order they run and their files are listed. */
export const REPORT_WRITERS: readonly ReportWriter[] = [
  {
    name: 'cfo-report',
    write: async (options) => {
      const cfo = await writeCfoReport(options);
      return [cfo.html, ...cfo.pngs, ...(cfo.pdf ? [cfo.pdf] : [])];
    },
  },
  { name: 'workbooks', write: (options) => writeWorkbooks(options) },
  {
    name: 'ar-feed',
    write: async (options) => {
      const feed = await writeArFeed(options);
      const files = readdirSync(feed.dir)
        .map((name) => join(feed.dir, name))
        .filter((path) => path !== feed.manifest)
        .sort();
      return [...files, feed.manifest];
    },
  },
];

/** Writes every report into options.outDir and returns the paths written. */
export async function writeReports(options: WriteReportsOptions): Promise<ReportsResult> {
  const paths: string[] = [];
  for (const writer of REPORT_WRITERS) paths.push(...(await writer.write(options)));
  return { paths };
}
