// The shared retry policy: which errors are retried and how often, the jittered backoff's bounds,
// Retry-After above its floor, the total deadline, and an abort that ends a wait at once.
import { describe, expect, test } from 'vitest';
import { CancelledError, TerminalError, TransientError, UnreachableError, UsageError } from '../../lib/errors.ts';
import type { RetryEvent } from '../../lib/retry.ts';
import { DEFAULT_RETRY_POLICY, RetriesExhaustedError, retryDelayMs, sleep, withRetry } from '../../lib/retry.ts';

/** An operation that throws the given errors in turn, then returns 'ok'; counts its calls. */
function failing(...errors: unknown[]): { op: (attempt: number) => Promise<string>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    op: async (attempt) => {
      calls.push(attempt);
      if (calls.length <= errors.length) throw errors[calls.length - 1];
      return 'ok';
    },
  };
}

const fast = { baseDelayMs: 1, maxDelayMs: 4, minDelayMs: 1, quickRetryDelayMs: 1 };

describe('retryDelayMs', () => {
  test('the backoff doubles per attempt and is jittered over its upper half, within the cap', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000, minDelayMs: 10 };
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(policy, a, undefined, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(policy, a, undefined, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const samples = Array.from({ length: 2000 }, () => retryDelayMs(policy, 3));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...samples)).toBeLessThanOrEqual(400);
    // Spread, not one value: parallel clients do not retry in step.
    expect(new Set(samples).size).toBeGreaterThan(50);
  });

  test('Retry-After is honoured above the floor and below its cap', () => {
    const policy = { minDelayMs: 250, maxRetryAfterMs: 60_000, baseDelayMs: 10 };
    expect(retryDelayMs(policy, 1, 0)).toBe(250);
    expect(retryDelayMs(policy, 1, 0.1)).toBe(250);
    expect(retryDelayMs(policy, 1, 2)).toBe(2000);
    expect(retryDelayMs(policy, 5, 2)).toBe(2000);
    expect(retryDelayMs(policy, 1, 3600)).toBe(60_000);
    expect(retryDelayMs({}, 1, 0)).toBe(DEFAULT_RETRY_POLICY.minDelayMs);
  });
});

describe('withRetry', () => {
  test('transient errors are retried until the call succeeds', async () => {
    const { op, calls } = failing(new TransientError('503'), new TransientError('reset'));
    const events: RetryEvent[] = [];
    expect(await withRetry(op, { ...fast, onRetry: (e) => events.push(e) })).toBe('ok');
    expect(calls).toEqual([1, 2, 3]);
    expect(events.map((e) => [e.attempt, e.error.message])).toEqual([
      [1, '503'],
      [2, 'reset'],
    ]);
  });

  test('terminal, usage and unknown errors are thrown at once, not retried', async () => {
    for (const error of [new TerminalError('401', { fix: 'check the secret' }), new UsageError('bad flag'), new Error('bug'), 'a string']) {
      const { op, calls } = failing(error, error);
      await expect(withRetry(op, fast)).rejects.toBe(error);
      expect(calls).toEqual([1]);
    }
  });

  test('an unreachable host gets one quick retry, then its own error (kind, fix, scope) is thrown', async () => {
    const dns = new UnreachableError('ENOTFOUND x.invalid', { fix: 'Check the host name', scope: 'source', context: { host: 'x.invalid' } });
    const once = failing(dns);
    expect(await withRetry(once.op, { ...fast, quickRetryDelayMs: 30 })).toBe('ok');
    expect(once.calls).toEqual([1, 2]);

    const always = failing(dns, dns, dns, dns);
    const events: RetryEvent[] = [];
    const t0 = performance.now();
    await expect(withRetry(always.op, { maxAttempts: 6, quickRetryDelayMs: 30, onRetry: (e) => events.push(e) })).rejects.toBe(dns);
    expect(always.calls).toEqual([1, 2]);
    expect(events.map((e) => e.delayMs)).toEqual([30]);
    expect(performance.now() - t0).toBeLessThan(1000);

    // Where the client below gave it its quick retry already, it is not given another.
    const again = failing(dns);
    await expect(withRetry(again.op, { ...fast, quickRetry: false })).rejects.toBe(dns);
    expect(again.calls).toEqual([1]);
  });

  test('when the attempts run out, one terminal error says what failed, how often, with the fix and the last cause', async () => {
    const last = new TransientError('HTTP 503 (busy)', { context: { source: 'buildops', resource: 'jobs' } });
    const { op, calls } = failing(new TransientError('HTTP 503'), new TransientError('HTTP 502'), last, new TransientError('never reached'));
    const error = await withRetry(op, { ...fast, maxAttempts: 3, what: 'BuildOps GET /v1/jobs page 0', exhaustedFix: 'Check that BuildOps is up' }).catch(
      (e: unknown) => e,
    );
    expect(calls).toEqual([1, 2, 3]);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    const exhausted = error as RetriesExhaustedError;
    expect(exhausted.kind).toBe('terminal');
    expect(exhausted.message).toMatch(/^BuildOps GET \/v1\/jobs page 0 failed after 3 attempts \(\d+\.\d s\): HTTP 503 \(busy\)$/);
    expect(exhausted.fix).toBe('Check that BuildOps is up');
    expect(exhausted.attempts).toBe(3);
    expect(exhausted.cause).toBe(last);
    expect(exhausted.context).toEqual({ source: 'buildops', resource: 'jobs' });
  });

  test('the deadline stops retrying before a wait that would end past it', async () => {
    const errors = Array.from({ length: 20 }, () => new TransientError('busy'));
    const { op, calls } = failing(...errors);
    const t0 = performance.now();
    const error = await withRetry(op, { maxAttempts: 20, baseDelayMs: 80, maxDelayMs: 80, minDelayMs: 80, deadlineMs: 200 }).catch((e: unknown) => e);
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    // Waits of 80 ms: after 2 of them (160 ms) a third would end past 200 ms.
    expect(calls).toEqual([1, 2, 3]);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(200 + 150);
  });

  test('a Retry-After is waited for, not the backoff', async () => {
    const { op } = failing(new TransientError('429', { retryAfterSeconds: 0.3 }));
    const events: RetryEvent[] = [];
    const t0 = performance.now();
    await withRetry(op, { baseDelayMs: 10_000, maxDelayMs: 10_000, minDelayMs: 50, onRetry: (e) => events.push(e) });
    expect(events.map((e) => e.delayMs)).toEqual([300]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test('an abort ends the wait at once with a CancelledError, and nothing is tried after it', async () => {
    const controller = new AbortController();
    const { op, calls } = failing(new TransientError('busy'), new TransientError('busy'));
    setTimeout(() => controller.abort(), 50);
    const t0 = performance.now();
    const error = await withRetry(op, { baseDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(calls).toEqual([1]);

    // Aborted before the call: nothing is tried. An abort raised inside the operation is a cancellation too.
    const before = failing();
    await expect(withRetry(before.op, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    expect(before.calls).toEqual([]);
    const inside = failing(new DOMException('The operation was aborted', 'AbortError'));
    await expect(withRetry(inside.op, fast)).rejects.toBeInstanceOf(CancelledError);
    expect(inside.calls).toEqual([1]);
  });

  test('sleep resolves after its time and rejects at once on abort', async () => {
    const t0 = performance.now();
    await sleep(40);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new CancelledError('SIGTERM'));
    await expect(waiting).rejects.toThrow('SIGTERM');
  });
});
