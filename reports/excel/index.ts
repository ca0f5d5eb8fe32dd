/**
 * The Excel workbooks for accountants: `ar-aging.xlsx` (aging by customer and detail, with the
 * tie-out against Spectrum's open items) and `reconciliation.xlsx` (one sheet per finding type,
 * a summary linking to each). Read from `marts.*` only, streamed row by row.
 */
import { mkdir } from 'node:fs/promises';
import type { ReportOptions } from '../types.ts';
import { writeArAgingWorkbook } from './ar-aging.ts';
import { writeInsightsWorkbook } from './insights.ts';
import { writeReconciliationWorkbook } from './reconciliation.ts';

export { safeText, isFormulaLike } from './safe-text.ts';

/** Writes `ar-aging.xlsx`, `reconciliation.xlsx` and `insights.xlsx` into options.outDir; returns their paths. */
export async function writeWorkbooks(options: ReportOptions): Promise<string[]> {
  await mkdir(options.outDir, { recursive: true });
  const arAging = await writeArAgingWorkbook(options);
  const reconciliation = await writeReconciliationWorkbook(options);
  const insights = await writeInsightsWorkbook(options);
  return [arAging, reconciliation, insights];
}
