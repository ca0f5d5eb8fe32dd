/**
 * The one retry policy of every client that talks over the network (BuildOps, Spectrum SQL, and
 * the Data Exchange, SMTP and webhook clients): exponential backoff with jitter, `Retry-After`
 * honoured above a floor, a limit of attempts, a total deadline, and an AbortSignal that stops a
 * wait at once. What is retried follows lib/errors.ts: a TransientError is retried; an
 * UnreachableError (DNS, refused, certificate) gets one quick retry, then stops; anything else
 * (a TerminalError, a UsageError, a plain Error) is thrown as it is, at the first attempt.
 *
 * Why not `p-retry`: it is well kept, but it has no notion of a delay chosen by the error
 * (Retry-After), so honouring one means sleeping inside `onFailedAttempt` on top of its own
 * backoff; it has no "one quick retry" class either, and gives up with a plain error where the
 * pipeline wants the error model's kind, fix and context. What remains is about a hundred lines
 * here, with no dependency and a delay that a unit test can pin down.
 *
 * Usage:
 *   const body = await withRetry(() => fetchPage(n), {
 *     ...policy, signal, what: 'BuildOps GET /v1/jobs page 3',
 *     exhaustedFix: 'Check that BuildOps is up, then run again',
 *     onRetry: ({ attempt, delayMs, error }) => logger.warn(...),
 *   });
 */
import { CancelledError, TerminalError, TransientError, UnreachableError, errorMessage, isCancellation } from './errors.ts';

/** The knobs of the policy; every field has a default (DEFAULT_RETRY_POLICY). */
export interface RetryPolicy {
  /** Attempts, the first included (default 6). */
  maxAttempts?: number;
  /** First backoff (default 500 ms), doubled per retry, jittered over its upper half. */
  baseDelayMs?: number;
  /** Longest backoff (default 30 s). */
  maxDelayMs?: number;
  /** Shortest wait before any retry, whatever Retry-After says (default 250 ms): `Retry-After: 0` never spins. */
  minDelayMs?: number;
  /** Longest Retry-After honoured (default 5 minutes); a longer one waits this long. */
  maxRetryAfterMs?: number;
  /** The wait before the one quick retry of an UnreachableError (default 1 s). */
  quickRetryDelayMs?: number;
  /** Time allowed for every attempt and wait together (default 10 minutes): a wait that would end past it is not begun. */
  deadlineMs?: number;
}

/** The defaults of every field of RetryPolicy. */
export const DEFAULT_RETRY_POLICY: Readonly<Required<RetryPolicy>> = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  minDelayMs: 250,
  maxRetryAfterMs: 5 * 60_000,
  quickRetryDelayMs: 1000,
  deadlineMs: 10 * 60_000,
};

/** What onRetry is told before each wait. */
export interface RetryEvent {
  /** The attempt that just failed (1-based). */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  error: TransientError | UnreachableError;
}

/** One call's options: the policy, the abort signal, what is tried (for the message when retries run out) and a hook to log retries. */
export interface RetryOptions extends RetryPolicy {
  /** Abort stops the current wait at once; the call then rejects with a CancelledError. */
  signal?: AbortSignal;
  /** What is being tried, starting the message when retries run out ("BuildOps GET /v1/jobs page 3"). */
  what?: string;
  /** The fix of the error thrown when retries run out (default: the last error's own fix). */
  exhaustedFix?: string;
  onRetry?: (event: RetryEvent) => void;
  /** Give an UnreachableError its one quick retry (default true); false where the client below already gave it. */
  quickRetry?: boolean;
}

/** Transient failures went on until the attempts or the deadline ran out; `cause` is the last of them. */
export class RetriesExhaustedError extends TerminalError {
  constructor(
    message: string,
    readonly attempts: number,
    last: TransientError,
    fix: string | null,
  ) {
    super(message, { cause: last, fix: fix ?? undefined, context: last.context, scope: last.scope });
    this.name = 'RetriesExhaustedError';
  }
}

/** The full policy: the defaults under the given fields (undefined fields keep their default). */
export function resolvePolicy(policy: RetryPolicy = {}): Required<RetryPolicy> {
  const out = { ...DEFAULT_RETRY_POLICY };
  for (const [key, value] of Object.entries(policy) as [keyof RetryPolicy, number | undefined][]) if (typeof value === 'number') out[key] = value;
  out.maxAttempts = Math.max(1, Math.floor(out.maxAttempts));
  return out;
}

/**
 * The wait after failed attempt `attempt` (1-based): the other side's Retry-After when it said
 * one (capped), else the backoff `base · 2^(attempt-1)` (capped) jittered over its upper half;
 * never under the floor. `random` is for tests.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const p = resolvePolicy(policy);
  const backoff = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
  // Jitter over the upper half keeps parallel clients from retrying in step, yet always backs off.
  const wanted = retryAfterSeconds === undefined ? backoff / 2 + random() * (backoff / 2) : Math.min(p.maxRetryAfterMs, retryAfterSeconds * 1000);
  return Math.round(Math.max(p.minDelayMs, wanted));
}

/** Resolves after `ms`, or rejects with a CancelledError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancellation(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancellation(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cancellation(signal: AbortSignal | undefined, cause?: unknown): CancelledError {
  const reason: unknown = signal?.reason ?? cause;
  return reason instanceof CancelledError ? reason : new CancelledError('Cancelled', { cause: reason });
}

/**
 * Runs `operation` until it succeeds, retrying per the policy (see the module comment). The
 * operation is told which attempt it is (1-based).
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = resolvePolicy(options);
  const { signal } = options;
  const started = performance.now();
  let quickRetryUsed = false;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw cancellation(signal);
    let error: unknown;
    try {
      return await operation(attempt);
    } catch (thrown) {
      error = thrown;
    }
    // The operation's own cancellation (a load rolled back and saying so) is passed on as it is.
    if (error instanceof CancelledError) throw error;
    if (signal?.aborted || isCancellation(error)) throw cancellation(signal, error);
    let delayMs: number;
    if (error instanceof UnreachableError) {
      if (quickRetryUsed || options.quickRetry === false || attempt >= policy.maxAttempts) throw error;
      quickRetryUsed = true;
      delayMs = policy.quickRetryDelayMs;
    } else if (error instanceof TransientError) {
      delayMs = retryDelayMs(policy, attempt, error.retryAfterSeconds);
      const elapsed = performance.now() - started;
      if (attempt >= policy.maxAttempts || elapsed + delayMs > policy.deadlineMs) throw exhausted(error, attempt, elapsed, options);
    } else {
      throw error;
    }
    options.onRetry?.({ attempt, maxAttempts: policy.maxAttempts, delayMs, error });
    await sleep(delayMs, signal);
  }
}

function exhausted(last: TransientError, attempts: number, elapsedMs: number, options: RetryOptions): RetriesExhaustedError {
  const seconds = (elapsedMs / 1000).toFixed(1);
  const message = `${options.what ? `${options.what} failed` : 'Failed'} after ${attempts} attempt${attempts === 1 ? '' : 's'} (${seconds} s): ${errorMessage(last)}`;
  return new RetriesExhaustedError(message, attempts, last, options.exhaustedFix ?? last.fix);
}
