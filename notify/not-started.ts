/**
 * The notice of a run that never started: the warehouse could not be opened or its run lock was
 * held (another run, its pid and start). Operations hears it (email and webhook) with the error
 * and its fix. Nothing is stored or retried: the warehouse may be exactly what could not be
 * reached, and another run may be holding it. It never throws: the command exits as it would have.
 */
import { describeError, errorMessage, errorWithFix } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { maskText, maskValue } from '../lib/mask.ts';
import { newLoadId } from '../load/sql-warehouse.ts';
import { sendEmail } from './email.ts';
import { renderEmail } from './render.ts';
import type { NoticeContent, NoticeSettings } from './types.ts';
import { postWebhook, webhookPayload } from './webhook.ts';

export interface NotStartedInput {
  error: unknown;
  trigger: string;
  asOf: string;
  /** Where the run would have written (shown, never the location with its password). */
  warehouse: string;
  company: string;
  logger: Logger;
}

/** Tells operations that a run did not start, and why; returns how many notices went out. */
export async function notifyRunNotStarted(settings: NoticeSettings, input: NotStartedInput): Promise<number> {
  if (!settings.email && !settings.webhook) return 0;
  const secrets = settings.secrets.filter((s) => s.length >= 4);
  const record = describeError(input.error);
  const runId = newLoadId();
  const content = maskValue(
    {
      run: {
        runId,
        status: 'failed',
        message: `the run did not start: ${errorWithFix(input.error)}`,
        trigger: input.trigger,
        asOf: input.asOf,
        startedAt: new Date(),
        warehouse: input.warehouse,
        company: input.company,
      },
      stages: [{ stage: 'start', status: 'failed', reason: record.message, counts: {}, seconds: 0 }],
      problems: [{ stage: 'start', step: null, message: record.message, fix: record.fix, connection: true }],
      findings: { evaluated: false, reason: 'the run did not start' },
      writeback: [],
      newlyBlocked: [],
      reports: [],
      images: [],
    } satisfies NoticeContent,
    secrets,
  ) as NoticeContent;
  let sent = 0;
  const attempt = async (name: string, send: () => Promise<void>): Promise<void> => {
    try {
      await send();
      sent += 1;
    } catch (error) {
      input.logger.error('notify.failed', `The ${name} notice that the run did not start could not be sent: ${maskText(errorWithFix(error), secrets)}`);
    }
  };
  const to = settings.email?.to.operations ?? [];
  if (settings.email && to.length > 0) {
    const message = renderEmail('operations', content, to);
    const email = settings.email;
    await attempt('email', () =>
      sendEmail(email, {
        ...message,
        subject: maskText(message.subject, secrets),
        text: maskText(message.text, secrets),
        html: maskText(message.html, secrets),
      }),
    );
  }
  if (settings.webhook) {
    const webhook = settings.webhook;
    await attempt('webhook', () => postWebhook(webhook, maskText(webhookPayload(content, ['operations']), secrets), runId));
  }
  if (sent > 0)
    input.logger.info('notify.sent', `Operations was told the run did not start (${sent} notice(s))`, { reason: maskText(errorMessage(input.error), secrets) });
  return sent;
}
