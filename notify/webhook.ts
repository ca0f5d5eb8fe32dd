/**
 * The webhook: the run's notice as one JSON document, POSTed with
 * `X-Plumbline-Signature: sha256=<hex HMAC-SHA256 of the exact body>` when PLUMBLINE_WEBHOOK_SECRET
 * is set, so the receiver can tell it came from this plumbline and was not changed on the way.
 */
import { createHmac } from 'node:crypto';
import { TerminalError, TransientError, UnreachableError, errorMessage } from '../lib/errors.ts';
import type { PlumblineError } from '../lib/errors.ts';
import { outcomeWords } from './render.ts';
import type { NoticeContent, RecipientKind, WebhookSettings } from './types.ts';

/** At most this many new findings are listed in the payload (the count is always whole). */
const PAYLOAD_FINDINGS_LIMIT = 500;

/** The value of the signature header for `body`: `sha256=` and the hex HMAC-SHA256 under `secret`. */
export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The run's notice as the webhook's JSON document (the kinds it was due for included). */
export function webhookPayload(content: NoticeContent, kinds: readonly RecipientKind[]): string {
  const { run, findings } = content;
  return JSON.stringify({
    type: 'plumbline.run',
    run: {
      id: run.runId,
      status: run.status,
      result: outcomeWords(run),
      message: run.message,
      trigger: run.trigger,
      as_of: run.asOf,
      started_at: run.startedAt.toISOString(),
      warehouse: run.warehouse,
      company: run.company,
    },
    kinds,
    stages: content.stages,
    problems: content.problems,
    findings: findings.evaluated
      ? {
          evaluated: true,
          total: findings.total,
          first_run: findings.firstRun,
          by_mart: findings.byMart,
          new_count: findings.newFindings.length,
          new: findings.newFindings.slice(0, PAYLOAD_FINDINGS_LIMIT),
        }
      : { evaluated: false, reason: findings.reason },
    writeback: content.writeback,
    subcontractors_newly_blocked: content.newlyBlocked,
    reports: content.reports,
  });
}

/** POSTs `body` to the webhook (signed when a secret is set); a non-2xx answer or no answer is an error with its fix. */
export async function postWebhook(settings: WebhookSettings, body: string, deliveryId: string, signal?: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'plumbline', 'x-plumbline-delivery': deliveryId };
  if (settings.secret) headers['x-plumbline-signature'] = signature(body, settings.secret);
  const timeout = AbortSignal.timeout(settings.timeoutSeconds * 1000);
  let response: Response;
  try {
    response = await fetch(settings.url, { method: 'POST', headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    throw webhookUnreachable(settings, error);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const where = hostOf(settings.url);
  if (response.status === 401 || response.status === 403) {
    throw new TerminalError(`The webhook at ${where} refused the notice (HTTP ${response.status})`, {
      fix: 'Check that PLUMBLINE_WEBHOOK_SECRET is the key the receiver verifies the X-Plumbline-Signature header with.',
      context: { host: where },
    });
  }
  const Kind = response.status >= 500 || response.status === 429 ? TransientError : TerminalError;
  throw new Kind(`The webhook at ${where} answered HTTP ${response.status}`, {
    fix: `Check the receiver at ${where} (notices.webhook.url); the notice is kept and sent again by the next run.`,
    context: { host: where },
  });
}

function webhookUnreachable(settings: WebhookSettings, error: unknown): PlumblineError {
  const where = hostOf(settings.url);
  const cause = (error as { cause?: { code?: string } }).cause;
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return new UnreachableError(
    timedOut
      ? `The webhook at ${where} did not answer within ${settings.timeoutSeconds}s`
      : `The webhook at ${where} could not be reached: ${cause?.code ?? errorMessage(error)}`,
    { fix: `Check notices.webhook.url (host ${where}) and that the receiver is running and reachable from this host.`, context: { host: where }, cause: error },
  );
}

/** The webhook's host, the only part of its URL a message shows (a path may carry a token). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
