/**
 * The notify stage, after the reports: first the notices earlier runs could not send, then this
 * run's — an email per recipient kind that is due (render.ts) and the signed webhook. Each is
 * stored in meta.notices before it is sent, so one that cannot be sent is kept and tried again by
 * the next run. A notice never fails the run: this stage ends ok, skipped or partial, never
 * failed, and the pipeline does not count it in the run's status. No secret reaches a notice:
 * the content is masked before it is written and the written text again after.
 */
import { performance } from 'node:perf_hooks';
import { describeError, errorMessage } from '../lib/errors.ts';
import type { ErrorRecord } from '../lib/errors.ts';
import { maskText, maskValue } from '../lib/mask.ts';
import { messageWithFix, stepResult } from '../lib/stage.ts';
import type { Stage, StageContext, StageResult, StepResult } from '../lib/stage.ts';
import type { Warehouse } from '../load/types.ts';
import { buildContent } from './content.ts';
import { sendEmail } from './email.ts';
import { dueKinds, renderEmail } from './render.ts';
import { emailBody, emailFromStored, newNoticeId, pendingNotices, recordAttempt, storeNotice } from './store.ts';
import type { StoredNotice } from './store.ts';
import type { NoticeContent, NoticeSettings, RunSummary } from './types.ts';
import { hostOf, postWebhook, webhookPayload } from './webhook.ts';

export interface NotifyStageOptions {
  settings: NoticeSettings;
  /** How the run ended (decided by the pipeline before this stage runs). */
  run: RunSummary;
}

/** What the stage hands on: the notices sent and kept for the next run. */
export interface NotifyOutput {
  sent: number;
  pending: number;
  failed: number;
}

/** The notify stage. */
export function notifyStage(options: NotifyStageOptions): Stage<Warehouse, NotifyOutput> {
  return { name: 'notify', run: (context) => runNotify(options, context) };
}

async function runNotify(options: NotifyStageOptions, context: StageContext<Warehouse>): Promise<StageResult<NotifyOutput>> {
  const started = performance.now();
  const { settings } = options;
  const { logger, warehouse } = context;
  const result = (status: StageResult['status'], reason: string | null, steps: StepResult[], output?: NotifyOutput): StageResult<NotifyOutput> => ({
    stage: 'notify',
    status,
    reason,
    seconds: (performance.now() - started) / 1000,
    counts: output ? { sent: output.sent, pending: output.pending, ...(output.failed > 0 ? { 'given up': output.failed } : {}) } : {},
    errors: steps.flatMap((s) => (s.error ? [s.error] : [])),
    steps,
    output,
  });
  if (!settings.email && !settings.webhook) return result('skipped', 'no notices configured (notices.email or notices.webhook in plumbline.yaml)', []);

  const secrets = settings.secrets.filter((s) => s.length >= 4);
  const mask = (text: string): string => maskText(text, secrets);
  const output: NotifyOutput = { sent: 0, pending: 0, failed: 0 };
  const steps: StepResult[] = [];
  // A cancelled run stores its notices and leaves them to the next run: the process is asked to stop now.
  const sendNow = !context.signal.aborted;

  const attempt = async (notice: StoredNotice, name: string): Promise<void> => {
    const begun = performance.now();
    let error: ErrorRecord | null = null;
    try {
      await send(settings, notice);
    } catch (thrown) {
      error = maskValue(describeError(thrown), secrets) as ErrorRecord;
    }
    let state: string;
    try {
      state = await recordAttempt(warehouse, notice, error === null ? null : mask(messageWithFix(error)));
    } catch (stored) {
      state = error === null ? 'sent' : 'pending';
      logger.warn('notify.store', `Notice ${notice.noticeId}: its delivery could not be recorded in meta.notices: ${mask(errorMessage(stored))}`);
    }
    if (state === 'sent') output.sent += 1;
    else if (state === 'failed') output.failed += 1;
    else output.pending += 1;
    const seconds = (performance.now() - begun) / 1000;
    if (error === null) {
      logger.info('notify.sent', `Notice sent: ${name} to ${notice.recipients}`, { notice: notice.noticeId, channel: notice.channel, kind: notice.kind });
      steps.push(stepResult(name, 'ok', { rows: 1, seconds }));
    } else {
      const next = state === 'failed' ? `given up after ${notice.attempts + 1} tries` : 'kept; the next run sends it again';
      logger.error('notify.failed', `Notice ${name} could not be sent (${next}): ${messageWithFix(error)}`, {
        notice: notice.noticeId,
        channel: notice.channel,
      });
      steps.push(stepResult(name, 'failed', { seconds, error, note: next }));
    }
    await context.recordStep(steps[steps.length - 1]!).catch(() => undefined);
  };

  // 1. What earlier runs could not send.
  if (sendNow) {
    let earlier: StoredNotice[] = [];
    try {
      earlier = await pendingNotices(warehouse, context.runId);
    } catch (error) {
      logger.warn('notify.store', `The notices kept by earlier runs could not be read (meta.notices): ${mask(errorMessage(error))}`);
    }
    for (const notice of earlier) await attempt(notice, `retry ${notice.channel} ${notice.kind} (run ${notice.runId})`);
  }

  // 2. This run's.
  let content: NoticeContent;
  try {
    const financeMail = (settings.email?.to.finance.length ?? 0) > 0 && (options.run.status !== 'ok' || settings.onSuccess);
    content = await buildContent({ warehouse, run: options.run, companyCode: context.companyCode, earlier: context.earlier, logger, charts: financeMail });
  } catch (error) {
    // The warehouse could not say more: the notice still says how the run ended.
    logger.warn('notify.content', `Notice: the findings and write-back could not be read: ${mask(errorMessage(error))}`);
    content = minimalContent(options.run, context, `the warehouse could not be read: ${errorMessage(error)}`);
  }
  content = maskValue(content, secrets) as NoticeContent;
  const kinds = dueKinds(content, settings);
  const notices: { notice: StoredNotice; name: string }[] = [];
  if (settings.email) {
    for (const kind of kinds) {
      const to = settings.email.to[kind];
      if (to.length === 0) continue;
      const message = renderEmail(kind, content, to);
      const masked = { ...message, subject: mask(message.subject), text: mask(message.text), html: mask(message.html) };
      notices.push({
        name: `email ${kind}`,
        notice: {
          noticeId: newNoticeId(context.runId),
          runId: context.runId,
          channel: 'email',
          kind,
          recipients: to.join(','),
          subject: masked.subject,
          body: emailBody(masked),
          attempts: 0,
        },
      });
    }
  }
  if (settings.webhook && kinds.length > 0) {
    notices.push({
      name: 'webhook',
      notice: {
        noticeId: newNoticeId(context.runId),
        runId: context.runId,
        channel: 'webhook',
        kind: 'all',
        recipients: hostOf(settings.webhook.url),
        subject: `plumbline.run ${content.run.runId} ${content.run.status}`,
        body: mask(webhookPayload(content, kinds)),
        attempts: 0,
      },
    });
  }
  for (const { notice, name } of notices) {
    let stored = true;
    try {
      await storeNotice(warehouse, notice);
    } catch (error) {
      stored = false;
      logger.error(
        'notify.store',
        `Notice ${name} could not be stored in meta.notices (it is sent now, but not kept if that fails): ${mask(errorMessage(error))}`,
      );
    }
    if (sendNow) await attempt(notice, name);
    else if (stored) output.pending += 1;
  }

  const tried = steps.length;
  const failures = steps.filter((s) => s.status === 'failed').length;
  if (!sendNow) return result('ok', `the run was cancelled: ${output.pending} notice(s) kept in meta.notices for the next run`, steps, output);
  if (tried === 0) return result('skipped', 'nothing to notify: the run succeeded (notices.on_success is false) and AP has nothing new', steps, output);
  if (failures === 0) return result('ok', null, steps, output);
  return result('partial', `${failures} notice(s) could not be sent; kept in meta.notices and sent again by the next run`, steps, output);
}

/** Sends a stored notice on its channel; throws when it could not be sent (or the channel is no longer configured). */
async function send(settings: NoticeSettings, notice: StoredNotice): Promise<void> {
  if (notice.channel === 'email') {
    if (!settings.email) throw new Error('notices.email is no longer configured');
    await sendEmail(settings.email, emailFromStored(notice));
    return;
  }
  if (!settings.webhook) throw new Error('notices.webhook is no longer configured');
  await postWebhook(settings.webhook, notice.body, notice.noticeId);
}

/** A notice's content when the warehouse could not be read: how the run ended, and the stages' errors. */
function minimalContent(run: RunSummary, context: StageContext<Warehouse>, reason: string): NoticeContent {
  const stages = [...context.earlier.values()];
  return {
    run,
    stages: stages.map((s) => ({ stage: s.stage, status: s.status, reason: s.reason, counts: s.counts, seconds: s.seconds })),
    problems: stages.flatMap((s) =>
      s.errors.map((e) => ({ stage: s.stage, step: e.context.resource ?? null, message: e.message, fix: e.fix, connection: false })),
    ),
    findings: { evaluated: false, reason },
    writeback: [],
    newlyBlocked: [],
    reports: [],
    images: [],
  };
}
