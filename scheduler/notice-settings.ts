/**
 * The notice settings as plain values: the config's `notices` section with the SMTP password and
 * the webhook's signing key from the secrets. Made by the scheduler for the notify stage and by
 * `plumbline check` for the connection checks: the notify stage never reads the config itself.
 */
import type { PlumblineConfig } from './config.ts';
import type { Secrets } from './secrets.ts';
import type { NoticeSettings } from '../notify/types.ts';
import type { NotStartedInput } from '../notify/not-started.ts';
import type { RunContext } from './run-context.ts';

/** The notice settings of `config`, with their secrets. */
export function noticeSettings(config: PlumblineConfig, secrets: Secrets): NoticeSettings {
  const { email, webhook, on_success } = config.notices;
  return {
    onSuccess: on_success,
    email: email
      ? {
          host: email.host,
          port: email.port,
          secure: email.secure,
          user: email.user ?? null,
          password: secrets.get('PLUMBLINE_SMTP_PASSWORD') ?? null,
          from: email.from,
          to: { finance: [...email.to.finance], ap: [...email.to.ap], operations: [...email.to.operations] },
        }
      : null,
    webhook: webhook ? { url: webhook.url, timeoutSeconds: webhook.timeout_seconds, secret: secrets.get('PLUMBLINE_WEBHOOK_SECRET') ?? null } : null,
    secrets: secrets.values(),
  };
}

/** The company as a notice names it: its name, else `company <code>`. */
export function noticeCompany(config: PlumblineConfig): string {
  const { name, code } = config.company;
  return name ?? (code ? `company ${code}` : 'plumbline');
}

/** What the notice of a run that never started (warehouse not opened, lock held) says about it. */
export function notStartedInput(context: RunContext, error: unknown, asOf: string, trigger: string): NotStartedInput {
  const where = /^postgres(ql)?:\/\//i.test(context.warehouseLocation) ? new URL(context.warehouseLocation).host : context.warehouseLocation;
  return { error, trigger, asOf, warehouse: where, company: noticeCompany(context.config), logger: context.logger };
}
