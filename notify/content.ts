/**
 * Builds a run's notice content from the stage results before the notify stage and the warehouse:
 * problems with their fixes, the findings new since the previous run (by key), write-back that
 * did not go, subcontractors newly blocked from AP release, the report paths and the CFO report's
 * headline charts. Findings, AP and charts come only from marts built by this run: after failed
 * models the marts are last night's, and a notice must not present them as tonight's.
 */
import type { ErrorRecord } from '../lib/errors.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { StageResult } from '../lib/stage.ts';
import type { Warehouse } from '../load/types.ts';
import { findingKeySql } from '../reports/excel/notes.ts';
import { sqlText } from '../reports/html/format.ts';
import { currentFindings, previousFindingKeys, rememberFindings } from './findings.ts';
import type { BlockedSubcontractor, Finding, NoticeContent, NoticeImage, Problem, RunSummary, WritebackIssue } from './types.ts';

/** At most this many write-back records are listed (the counts are always whole). */
const WRITEBACK_LIMIT = 200;

export interface ContentInput {
  warehouse: Warehouse;
  run: RunSummary;
  companyCode: string | null;
  earlier: ReadonlyMap<string, StageResult>;
  logger: Logger;
  /** Whether to draw the headline charts (only the finance email shows them). */
  charts: boolean;
}

/** The notice content of a run; remembers this run's findings for the next notice. */
export async function buildContent(input: ContentInput): Promise<NoticeContent> {
  const { warehouse, earlier, logger } = input;
  const stages = [...earlier.values()].map((s) => ({ stage: s.stage, status: s.status, reason: s.reason, counts: s.counts, seconds: s.seconds }));
  const models = earlier.get('models');
  const fresh = models?.status === 'ok';
  const content: NoticeContent = {
    run: input.run,
    stages,
    problems: problemsOf(input.run, earlier),
    findings: fresh
      ? { evaluated: true, total: 0, newFindings: [], firstRun: false, byMart: {} }
      : {
          evaluated: false,
          reason: models ? `the models stage ended ${models.status}${models.reason ? ` (${models.reason})` : ''}` : 'the models stage did not run',
        },
    writeback: [],
    newlyBlocked: [],
    reports: (earlier.get('reports')?.output as string[] | undefined) ?? [],
    images: [],
  };
  content.writeback = await guarded(logger, 'write-back', () => writebackIssues(warehouse, input.run.runId, fresh), []);
  if (!fresh) return content;

  const findings = await currentFindings(warehouse, input.companyCode);
  const previous = await previousFindingKeys(warehouse);
  const newFindings = previous ? findings.filter((f) => !previous.keys.has(f.key)) : findings;
  const byMart: Record<string, number> = {};
  for (const f of findings) byMart[f.mart] = (byMart[f.mart] ?? 0) + 1;
  content.findings = { evaluated: true, total: findings.length, newFindings, firstRun: previous === null, byMart };
  content.newlyBlocked = await guarded(logger, 'subcontractors', () => newlyBlocked(warehouse, input.companyCode, newFindings), []);
  if (input.charts) content.images = await guarded(logger, 'charts', () => headlineCharts(warehouse, input.companyCode, input.run.asOf), []);
  await rememberFindings(warehouse, input.run.runId, input.run.asOf, findings);
  return content;
}

/** Runs a part of the content that may fail without taking the notice with it: logged, and left out. */
async function guarded<T>(logger: Logger, part: string, work: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    logger.warn('notify.content', `Notice: the ${part} part could not be read and is left out: ${errorMessage(error)}`, { part });
    return fallback;
  }
}

/** Every error of the stages, once each, with whether it is a connection problem. */
function problemsOf(run: RunSummary, earlier: ReadonlyMap<string, StageResult>): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const add = (stage: string, error: ErrorRecord): void => {
    const id = `${stage}|${error.message}|${error.fix ?? ''}`;
    if (seen.has(id)) return;
    seen.add(id);
    const step = error.context.resource ?? error.context.source ?? null;
    problems.push({ stage, step, message: error.message, fix: error.fix, connection: isConnectionProblem(error) });
  };
  for (const result of earlier.values()) for (const error of result.errors) add(result.stage, error);
  // A run that did nothing has no error of a stage: its message says what is missing.
  if (problems.length === 0 && run.status !== 'ok' && run.message)
    problems.push({ stage: 'run', step: null, message: run.message, fix: null, connection: false });
  return problems;
}

/** A host that cannot be reached, a login refused (the whole source stops), or a lock or connection that may pass later. */
function isConnectionProblem(error: ErrorRecord): boolean {
  return error.name === 'UnreachableError' || error.scope === 'source' || error.kind === 'transient' || /\block\b/i.test(error.message);
}

/** Outbound records preflight blocks (from this run's marts) and records Spectrum rejected (the outbox). */
async function writebackIssues(warehouse: Warehouse, runId: string, fresh: boolean): Promise<WritebackIssue[]> {
  const issues: WritebackIssue[] = [];
  const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
  if (fresh && marts.has('writeback_preflight')) {
    const rows = await warehouse.query<{ record_type: string; buildops_id: string; message: string; fix: string | null }>(
      `select record_type, buildops_id, message, fix from marts.writeback_preflight order by record_type, buildops_id, rule, field limit ${WRITEBACK_LIMIT}`,
    );
    for (const r of rows)
      issues.push({ recordType: r.record_type, buildopsId: r.buildops_id, state: 'blocked', message: r.message, fix: r.fix, thisRun: false });
  }
  const failed = await warehouse.query<{ record_type: string; buildops_id: string; message: string | null; fix: string | null; last_run_id: string | null }>(
    `select record_type, buildops_id, message, fix, last_run_id from meta.outbox where state = 'failed'
     order by updated_at desc, record_type, buildops_id limit ${WRITEBACK_LIMIT}`,
  );
  for (const r of failed) {
    issues.push({
      recordType: r.record_type,
      buildopsId: r.buildops_id,
      state: 'failed',
      message: r.message ?? 'rejected by Spectrum',
      fix: r.fix,
      thisRun: r.last_run_id === runId,
    });
  }
  return issues;
}

/** The subcontractor assignments among the new findings, with what AP needs to hold them. */
async function newlyBlocked(warehouse: Warehouse, companyCode: string | null, newFindings: readonly Finding[]): Promise<BlockedSubcontractor[]> {
  const keys = new Set(newFindings.filter((f) => f.mart === 'subcontractor_compliance').map((f) => f.key));
  if (keys.size === 0) return [];
  const scope = companyCode === null ? '' : `and company_code = ${sqlText(companyCode)}`;
  const rows = await warehouse.query<{
    finding_key: string;
    job_number: string;
    vendor_code: string;
    vendor_name: string | null;
    reasons: string;
    open_ap: string;
    detail: string;
  }>(
    `select ${findingKeySql('subcontractor_compliance')} as finding_key, job_number, vendor_code, vendor_name, reasons,
       cast(open_ap_amount as varchar) as open_ap, detail
     from marts.subcontractor_compliance where not is_compliant ${scope}
     order by open_ap_amount desc, job_number, vendor_code`,
  );
  return rows
    .filter((r) => keys.has(r.finding_key))
    .map((r) => ({ jobNumber: r.job_number, vendorCode: r.vendor_code, vendorName: r.vendor_name, reasons: r.reasons, openAp: r.open_ap, detail: r.detail }));
}

/** The CFO report's headline charts (what blocks the close, AR aging) as PNGs; loaded on demand, the chart libraries are heavy. */
async function headlineCharts(warehouse: Warehouse, companyCode: string | null, asOf: string): Promise<NoticeImage[]> {
  const { reportContext, closePane, arAgingSection } = await import('../reports/html/sections.ts');
  const { chartPng } = await import('../reports/charts/index.ts');
  const ctx = await reportContext(warehouse, companyCode, asOf);
  const charts = [(await closePane(ctx)).chart, (await arAgingSection(ctx)).chart];
  return charts.flatMap((chart) => (chart ? [{ name: chart.name, title: chart.title, png: chartPng(chart) }] : []));
}
