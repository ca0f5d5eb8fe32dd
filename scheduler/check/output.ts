/** `plumbline check` for people (one row per check: ok, or the error and its fix) and for programs (JSON). */
import { errorWithFix } from '../../lib/errors.ts';
import { formatTable } from '../output.ts';
import type { CheckResult } from './run-checks.ts';

/** One row per check, the failed ones saying what to do. */
export function formatCheckResults(results: readonly CheckResult[]): string {
  const rows = results.map((r) => ({
    check: r.name,
    result: r.outcome.ok ? 'ok' : 'FAILED',
    seconds: r.seconds.toFixed(2),
    detail: r.outcome.ok ? `${r.outcome.detail} — ${r.purpose}` : errorWithFix(r.outcome.error),
  }));
  const failed = results.filter((r) => !r.outcome.ok).length;
  const verdict =
    failed === 0
      ? `All ${results.length} checks passed.`
      : `${failed} of ${results.length} checks failed: fix each as its row says, then run plumbline check again.`;
  return `${formatTable(rows)}\n${verdict}\n`;
}

/** The results as a JSON array: name, purpose, ok, seconds, and detail or error (message, fix, kind). */
export function formatCheckResultsJson(results: readonly CheckResult[]): string {
  const rows = results.map((r) => ({
    name: r.name,
    purpose: r.purpose,
    ok: r.outcome.ok,
    seconds: Math.round(r.seconds * 1000) / 1000,
    ...(r.outcome.ok ? { detail: r.outcome.detail } : { error: { kind: r.outcome.error.kind, message: r.outcome.error.message, fix: r.outcome.error.fix } }),
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}
