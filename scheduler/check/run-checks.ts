/**
 * Runs connection checks side by side, each under a short timeout of its own, and returns one
 * result per check in the order given. A check that throws, or that does not answer in time
 * (even one that ignores its AbortSignal), gives a failed result: nothing here throws.
 */
import type { CheckOutcome, ConnectionCheck } from '../../lib/check.ts';
import { PlumblineError, TerminalError, errorMessage } from '../../lib/errors.ts';

/** One check and how it ended. */
export interface CheckResult {
  name: string;
  purpose: string;
  outcome: CheckOutcome;
  seconds: number;
}

export interface RunChecksOptions {
  /** The longest one check may take (default 10 s). */
  timeoutMs?: number;
  /** Checks running at once (default 6). */
  concurrency?: number;
  /** Stops every check still running (Ctrl+C). */
  signal?: AbortSignal;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** Runs `checks` and returns their results in the same order. */
export async function runChecks(checks: readonly ConnectionCheck[], options: RunChecksOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array<CheckResult>(checks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < checks.length; i = next++) results[i] = await runOne(checks[i]!, options);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 6, checks.length) }, worker));
  return results;
}

async function runOne(check: ConnectionCheck, options: RunChecksOptions): Promise<CheckResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const started = performance.now();
  const timeout = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      // The verdict first, then the abort: whatever the check answers once told to stop comes too late.
      resolve({
        ok: false,
        error: new TerminalError(`${check.name}: no answer within ${timeoutMs / 1000} s`, {
          fix: 'Check that the service is up and that this machine may reach it (firewall, VPN), then run plumbline check again.',
        }),
      });
      timeout.abort();
    }, timeoutMs);
  });
  try {
    const outcome = await Promise.race([check.run(signal).catch((error: unknown): CheckOutcome => ({ ok: false, error: asPlumblineError(error) })), timedOut]);
    return { name: check.name, purpose: check.purpose, outcome, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearTimeout(timer);
  }
}

/** Anything thrown as a PlumblineError (a plain Error keeps its message, with no fix). */
export function asPlumblineError(error: unknown): PlumblineError {
  return error instanceof PlumblineError ? error : new TerminalError(errorMessage(error), { cause: error });
}

/** Whether every check passed. */
export function allPassed(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.outcome.ok);
}

/** The error of a check that needs another one that failed: not tried, with that one's fix. */
export function notTried(needed: string, failed: PlumblineError): PlumblineError {
  return new TerminalError(`not tried: ${needed} failed`, { cause: failed, fix: failed.fix ?? undefined, context: failed.context });
}

/** The error with a sentence added to its fix, saying what the failed read is for. */
export function withReason(error: PlumblineError, reason: string): PlumblineError {
  return new TerminalError(error.message, { cause: error, fix: [error.fix, reason].filter(Boolean).join(' '), context: error.context, scope: error.scope });
}
