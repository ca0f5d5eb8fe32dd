/** `plumbline status` for people (sections of aligned tables) and for programs (one JSON object). */
import { formatTable } from './output.ts';
import { lastFinishedRun } from './status.ts';
import type { StatusReport } from './status.ts';

const STAGES = ['load', 'models', 'writeback', 'reports'] as const;
// Keys listed per mart before "and N more": the JSON has them all.
const KEYS_SHOWN = 3;

/** The report as one JSON object (the shape docs/status-and-check.md documents). */
export function formatStatusJson(report: StatusReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The report as text: the verdict first, then runs, freshness, findings and the outbox. */
export function formatStatus(report: StatusReport): string {
  const sections: string[] = [];
  const verdict = report.healthy ? 'OK' : `NOT OK — ${report.problems.join('; ')}`;
  sections.push(`Warehouse ${report.warehouse}, ${report.checked_at}\nStatus: ${verdict}`);
  if (report.run_in_progress) sections.push(`A run is in progress: pid ${report.run_in_progress.pid}, started ${report.run_in_progress.started}.`);

  if (report.runs.length > 0) {
    const rows = report.runs.map((run) => ({
      run_id: run.run_id,
      trigger: run.trigger,
      status: run.status,
      as_of: run.as_of,
      started_at: run.started_at,
      ...Object.fromEntries(STAGES.map((stage) => [stage, run.stages.find((s) => s.stage === stage)?.status ?? '-'])),
      message: run.message ?? '',
    }));
    sections.push(`Runs (newest first)\n${formatTable(rows)}`);
    const last = lastFinishedRun(report.runs);
    if (last && last.failed_steps.length > 0) {
      const failed = last.failed_steps.map((s) => ({ stage: s.stage, step: s.step ?? '', message: s.message ?? '', fix: s.fix ?? '' }));
      sections.push(`What failed in run ${last.run_id}\n${formatTable(failed)}`);
    }
  }

  if (report.freshness.length > 0) {
    const rows = report.freshness.map((f) => ({
      source: f.source,
      last_loaded_at: f.last_loaded_at ?? 'never',
      hours_since: f.hours_since ?? '-',
      limit_hours: f.limit_hours,
      fresh: f.fresh ? 'yes' : 'NO',
    }));
    sections.push(`Freshness (now)\n${formatTable(rows)}`);
  }

  const { close_status: checks, changes, as_of: asOf, previous_as_of: previousAsOf } = report.findings;
  if (checks.length > 0) {
    const rows = checks.map((c) => ({
      company: c.company_code,
      check: c.check,
      status: c.status,
      open_findings: c.open_findings,
      amount_at_risk: c.amount_at_risk ?? '',
      detail: c.detail,
    }));
    sections.push(`Open findings (marts.close_status)\n${formatTable(rows)}`);
  }
  if (changes.length > 0) {
    const since = previousAsOf ? `since the report of ${previousAsOf}` : 'first report: every finding is new';
    const rows = changes.map((c) => ({ mart: c.mart, open: c.open, new: c.new.length, resolved: c.resolved.length, new_keys: someKeys(c.new) }));
    sections.push(`Findings of the report of ${asOf} (${since})\n${formatTable(rows)}`);
  }

  if (report.outbox.length > 0) {
    sections.push(`Write-back outbox\n${formatTable(report.outbox.map((o) => ({ state: o.state, records: o.records, amount: o.amount ?? '' })))}`);
  }
  return `${sections.join('\n\n')}\n`;
}

function someKeys(keys: readonly string[]): string {
  if (keys.length <= KEYS_SHOWN) return keys.join(', ');
  return `${keys.slice(0, KEYS_SHOWN).join(', ')} and ${keys.length - KEYS_SHOWN} more (--json lists all)`;
}
