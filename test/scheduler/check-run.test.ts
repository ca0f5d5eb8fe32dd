/** How `plumbline check` runs its checks: side by side, in order, each under its own timeout, never throwing. */
import { expect, it } from 'vitest';
import type { ConnectionCheck } from '../../lib/check.ts';
import { TerminalError } from '../../lib/errors.ts';
import { runChecks } from '../../scheduler/check/run-checks.ts';

const check = (name: string, run: ConnectionCheck['run']): ConnectionCheck => ({ name, purpose: `the ${name} check`, run });

it('a check that never answers fails at its timeout, even one that ignores its signal; one that throws fails with its error; the order is kept', async () => {
  let aborted = false;
  const checks = [
    check('hangs', () => new Promise(() => undefined)),
    check('listens', (signal) => new Promise((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve({ ok: true, detail: 'late' }))))),
    check('throws', async () => {
      throw new TerminalError('refused', { fix: 'ask for access' });
    }),
    check('plain error', async () => {
      throw new Error('boom');
    }),
    check('fine', async () => ({ ok: true, detail: 'fine' })),
  ];
  const started = performance.now();
  const results = await runChecks(checks, { timeoutMs: 200, concurrency: 2 });
  const seconds = (performance.now() - started) / 1000;
  expect(seconds).toBeLessThan(1.5);
  expect(results.map((r) => r.name)).toEqual(['hangs', 'listens', 'throws', 'plain error', 'fine']);
  const [hangs, listens, throws, plain, fine] = results;
  expect(hangs!.outcome).toMatchObject({
    ok: false,
    error: { message: 'hangs: no answer within 0.2 s', fix: expect.stringContaining('Check that the service is up') },
  });
  // The check told to stop by its signal: the timeout's result stands, not what it said after.
  expect(aborted).toBe(true);
  expect(listens!.outcome.ok).toBe(false);
  expect(throws!.outcome).toMatchObject({ ok: false, error: { message: 'refused', fix: 'ask for access' } });
  expect(plain!.outcome).toMatchObject({ ok: false, error: { message: 'boom', kind: 'terminal' } });
  expect(fine!.outcome).toEqual({ ok: true, detail: 'fine' });
  expect(hangs!.seconds).toBeGreaterThanOrEqual(0.19);
});
