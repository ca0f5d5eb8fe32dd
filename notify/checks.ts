/**
 * The notice connections for `plumbline check`: the SMTP login (nodemailer's verify, with short
 * timeouts) and the webhook (a signed POST of `{"type":"plumbline.check"}`; any 2xx is ok). Each
 * fails fast with its fix, and none is listed when its channel is not configured.
 */
import type { CheckOutcome, ConnectionCheck } from '../lib/check.ts';
import { PlumblineError, errorMessage } from '../lib/errors.ts';
import { smtpFailure, smtpTransport } from './email.ts';
import type { EmailSettings, NoticeSettings, WebhookSettings } from './types.ts';
import { hostOf, postWebhook } from './webhook.ts';

/** Seconds a check waits for the SMTP server or the webhook before it says they did not answer. */
const CHECK_TIMEOUT_SECONDS = 8;

/** The connection checks of the configured notice channels. */
export function noticeChecks(settings: NoticeSettings): ConnectionCheck[] {
  const checks: ConnectionCheck[] = [];
  if (settings.email) checks.push(smtpCheck(settings.email));
  if (settings.webhook) checks.push(webhookCheck(settings.webhook));
  return checks;
}

function smtpCheck(email: EmailSettings): ConnectionCheck {
  const where = `${email.host}:${email.port}`;
  return {
    name: `notices: SMTP ${where}`,
    purpose: email.user ? `the SMTP login of ${email.user} (email notices)` : 'the SMTP server answers (email notices, no login)',
    async run(signal) {
      if (email.user && !email.password) {
        return {
          ok: false,
          error: new PlumblineError(`PLUMBLINE_SMTP_PASSWORD is not set; it is the password of ${email.user} on ${where}`, {
            fix: 'Set PLUMBLINE_SMTP_PASSWORD in the environment or in the secrets file, or remove notices.email.user when the server takes mail without a login.',
          }),
        };
      }
      const ms = CHECK_TIMEOUT_SECONDS * 1000;
      const transport = await smtpTransport(email, { connectMs: ms, socketMs: ms });
      const abort = (): void => transport.close();
      signal.addEventListener('abort', abort, { once: true });
      try {
        await transport.verify();
        return { ok: true, detail: email.user ? `logged in as ${email.user}` : 'the server answers' };
      } catch (error) {
        return { ok: false, error: smtpFailure(email, error) };
      } finally {
        signal.removeEventListener('abort', abort);
        transport.close();
      }
    },
  };
}

function webhookCheck(webhook: WebhookSettings): ConnectionCheck {
  return {
    name: `notices: webhook ${hostOf(webhook.url)}`,
    purpose: webhook.secret
      ? 'a signed test POST (X-Plumbline-Signature) to the webhook'
      : 'a test POST to the webhook (unsigned: PLUMBLINE_WEBHOOK_SECRET is not set)',
    async run(signal): Promise<CheckOutcome> {
      const settings = { ...webhook, timeoutSeconds: Math.min(webhook.timeoutSeconds, CHECK_TIMEOUT_SECONDS) };
      try {
        await postWebhook(settings, JSON.stringify({ type: 'plumbline.check' }), 'check', signal);
        return { ok: true, detail: webhook.secret ? 'the receiver took a signed test notice' : 'the receiver took a test notice (unsigned)' };
      } catch (error) {
        return { ok: false, error: error instanceof PlumblineError ? error : new PlumblineError(errorMessage(error)) };
      }
    },
  };
}
