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

/** Writes every report into options.outDir and returns the paths written. */
export async function writeReports(options: ReportOptions & CfoReportExtras & { since?: string }): Promise<ReportsResult> {
  const cfo = await writeCfoReport(options);
  const workbooks = await writeWorkbooks(options);
  const feed = await writeArFeed(options);
  const feedFiles = readdirSync(feed.dir)
    .map((name) => join(feed.dir, name))
    .filter((path) => path !== feed.manifest)
    .sort();
  return { paths: [cfo.html, ...cfo.pngs, ...(cfo.pdf ? [cfo.pdf] : []), ...workbooks, ...feedFiles, feed.manifest] };
}
