/**
 * Every workbook sheet as a workpaper that prints: landscape, one page wide (as many pages
 * down as it takes), the header row repeated on each page, a header with the company, the
 * sheet and the as-of date, a footer with "Page n of m" and the model run the figures are of,
 * and the key columns frozen on wide sheets. The Summary sheets carry a sign-off block.
 */
import type ExcelJS from 'exceljs';
import { readBuildInfo } from '../build-info.ts';
import { previousBuildSentence } from '../previous-builds.ts';
import type { PreviousBuild } from '../previous-builds.ts';
import { safeText } from './safe-text.ts';
import { DATE_FORMAT, excelDate } from './sheet.ts';
import type { ReportOptions } from '../types.ts';

/** What the header and footer of every sheet say. */
export interface WorkpaperContext {
  company: string;
  asOf: string;
  runId: string;
}

/** The header/footer context of a workbook: the company's name (or code) and the build the marts are of. */
export async function workpaperContext(options: ReportOptions): Promise<WorkpaperContext> {
  const build = await readBuildInfo(options.warehouse);
  const company = options.companyName ?? (options.companyCode ? `Company ${options.companyCode}` : 'All companies');
  return { company, asOf: options.asOf, runId: build?.runId ?? 'not recorded' };
}

// In Excel's header/footer codes `&` starts a code: a literal one is `&&`.
const literal = (text: string): string => text.replace(/&/g, '&&');

/** The worksheet options of a workpaper sheet: print setup, header/footer, frozen panes. */
export function workpaperOptions(
  context: WorkpaperContext,
  sheetName: string,
  layout: { headerRows?: number; frozenColumns?: number } = {},
): Partial<ExcelJS.AddWorksheetOptions> {
  const headerRows = layout.headerRows ?? 1;
  return {
    pageSetup: {
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: headerRows > 0 ? `1:${headerRows}` : undefined,
      margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    } as Partial<ExcelJS.PageSetup>,
    headerFooter: {
      oddHeader: `&L${literal(context.company)}&C&B${literal(sheetName)}&B&RAs of ${literal(context.asOf)}`,
      oddFooter: `&LPage &P of &N&RRun ${literal(context.runId)}`,
    } as Partial<ExcelJS.HeaderFooter>,
    views: headerRows > 0 ? [{ state: 'frozen', xSplit: layout.frozenColumns ?? 0, ySplit: headerRows }] : [],
  };
}

/**
 * The head of a Summary sheet: its title, the as-of date, the company, and the marts shown from
 * their previous build (writePreviousBuilds); returns how many rows the last wrote.
 */
export function writeSummaryHead(sheet: ExcelJS.Worksheet, title: string, options: ReportOptions, builds: readonly PreviousBuild[]): number {
  const titleRow = sheet.addRow([title]);
  titleRow.getCell(1).font = { bold: true, size: 14 };
  titleRow.commit();
  const asOf = sheet.addRow(['As of', excelDate(options.asOf)]);
  asOf.getCell(2).numFmt = DATE_FORMAT;
  asOf.commit();
  sheet.addRow(['Company', options.companyCode ?? 'all companies in the warehouse']).commit();
  return writePreviousBuilds(sheet, builds);
}

/**
 * Rows under a Summary's title naming the sheets' marts shown from their previous build, when and why
 * (nothing when there are none); returns how many rows it wrote, for the formulas below it.
 */
export function writePreviousBuilds(sheet: ExcelJS.Worksheet, builds: readonly PreviousBuild[]): number {
  if (builds.length === 0) return 0;
  const title = sheet.addRow(['BLOCKING: not rebuilt tonight — figures from the previous build']);
  title.getCell(1).font = { bold: true, color: { argb: 'FFB00020' } };
  title.commit();
  for (const build of builds) sheet.addRow([`marts.${build.mart}`, safeText(previousBuildSentence(build))]).commit();
  return 1 + builds.length;
}

/** A preparer/reviewer sign-off block under a Summary: name, date and signature lines. */
export function writeSignOff(sheet: ExcelJS.Worksheet): void {
  sheet.addRow([]).commit();
  const title = sheet.addRow(['Sign-off']);
  title.getCell(1).font = { bold: true };
  title.commit();
  const header = sheet.addRow(['', 'Name', 'Date', 'Signature']);
  header.font = { bold: true };
  header.commit();
  for (const role of ['Prepared by', 'Reviewed by']) {
    const row = sheet.addRow([role, '', '', '']);
    row.height = 24;
    for (const col of [2, 3, 4]) row.getCell(col).border = { bottom: { style: 'thin', color: { argb: 'FF000000' } } };
    row.commit();
  }
}

/** How many leading key columns to freeze on a sheet of `columns` columns (wide sheets only). */
export function frozenKeyColumns(columns: readonly { key: string }[]): number {
  if (columns.length <= 8) return 0;
  const keys = new Set(['company_code', 'job_number', 'customer_code', 'vendor_code', 'invoice_number', 'finding_type', 'drift_type', 'batch_key']);
  let n = 0;
  while (n < columns.length && n < 3 && keys.has(columns[n]!.key)) n += 1;
  return n;
}
