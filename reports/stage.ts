/**
 * The reports stage: the CFO report, the Excel workbooks and the AR feed of the warehouse's marts,
 * one step per writer, the run's signal checked between them. Its output is every path written.
 */
import { performance } from 'node:perf_hooks';
import { describeError, isCancellation } from '../lib/errors.ts';
import { countSteps, statusOfSteps, stepResult } from '../lib/stage.ts';
import type { Stage, StageContext, StageResult, StepResult } from '../lib/stage.ts';
import type { Warehouse } from '../load/types.ts';

export interface ReportsStageOptions {
  /** The folder the reports go to. */
  outDir: string;
  png?: boolean;
  pdf?: boolean;
  /** The Chromium binary that prints the PDF (found by the scheduler). */
  chromium?: string | null;
  /** The AR feed's window starts after this date (default: the previous feed's as-of date). */
  since?: string;
}

/** The reports stage. */
export function reportsStage(options: ReportsStageOptions): Stage<Warehouse, string[]> {
  return { name: 'reports', run: (context) => runReportsStage(options, context) };
}

async function runReportsStage(options: ReportsStageOptions, context: StageContext<Warehouse>): Promise<StageResult<string[]>> {
  const started = performance.now();
  // Loaded on demand: the chart libraries are heavy, and most commands never draw.
  const { REPORT_WRITERS } = await import('./index.ts');
  const { logger } = context;
  const steps: StepResult[] = [];
  const paths: string[] = [];
  for (const writer of REPORT_WRITERS) {
    if (context.signal.aborted) break;
    const begun = performance.now();
    let step: StepResult;
    try {
      const written = await writer.write({ ...options, warehouse: context.warehouse, asOf: context.asOf, companyCode: context.companyCode, logger });
      paths.push(...written);
      step = stepResult(writer.name, 'ok', { rows: written.length, seconds: (performance.now() - begun) / 1000 });
    } catch (error) {
      const record = { ...describeError(error), context: { stage: 'reports', resource: writer.name, ...describeError(error).context } };
      const status = isCancellation(error) ? 'cancelled' : 'failed';
      if (status === 'failed') logger.error('reports.failed', `Reports: ${writer.name}: ${record.message}`, { report: writer.name });
      step = stepResult(writer.name, status, { seconds: (performance.now() - begun) / 1000, error: record });
    }
    steps.push(step);
    await context.recordStep(step);
  }
  const seconds = (performance.now() - started) / 1000;
  const errors = steps.flatMap((s) => (s.error ? [s.error] : []));
  const result = {
    stage: 'reports',
    seconds,
    counts: { ...countSteps(steps), files: paths.length },
    errors,
    steps,
    output: paths,
    files: { heading: 'Reports written', paths },
  };
  if (context.signal.aborted) return { ...result, status: 'cancelled', reason: `cancelled after ${steps.length} report writer(s)` };
  const status = statusOfSteps(steps);
  if (status === 'ok') logger.info('reports.done', `Reports: ${paths.length} file(s) in ${options.outDir}`, { outDir: options.outDir, files: paths.length });
  return { ...result, status, reason: status === 'ok' ? null : 'a report could not be written' };
}
