/**
 * meta.notices: every notice of a run, stored before it is sent. A notice that could not be
 * sent stays `pending` and the next run tries it again; after MAX_ATTEMPTS tries it is `failed`
 * (kept, with its last error, for `plumbline sql`). Sent emails keep their text and HTML; their
 * images are dropped once sent (the CFO report has them).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { formatTimestamp } from '../lib/dates.ts';
import type { Warehouse } from '../load/types.ts';
import type { EmailMessage, RecipientKind } from './types.ts';

/** Tries of one notice before it is given up (`failed`). */
export const MAX_ATTEMPTS = 5;

export type NoticeChannel = 'email' | 'webhook';
export type NoticeState = 'pending' | 'sent' | 'failed';

/** A stored notice. `body` is the email (JSON: text, html, images) or the webhook's exact JSON body. */
export interface StoredNotice {
  noticeId: string;
  runId: string;
  channel: NoticeChannel;
  kind: RecipientKind | 'all';
  recipients: string;
  subject: string;
  body: string;
  attempts: number;
}

interface NoticesTable {
  notice_id: string;
  run_id: string;
  channel: string;
  kind: string;
  recipients: string;
  subject: string;
  body: string;
  state: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

function db(warehouse: Warehouse): Kysely<{ 'meta.notices': NoticesTable }> {
  return warehouse.db as Kysely<{ 'meta.notices': NoticesTable }>;
}

/** A new notice id: the run's id and a random suffix. */
export function newNoticeId(runId: string): string {
  return `${runId}-${randomBytes(3).toString('hex')}`;
}

/** Stores a notice as pending. */
export async function storeNotice(warehouse: Warehouse, notice: StoredNotice, now = new Date()): Promise<void> {
  const at = formatTimestamp(now);
  await db(warehouse)
    .insertInto('meta.notices')
    .values({
      notice_id: notice.noticeId,
      run_id: notice.runId,
      channel: notice.channel,
      kind: notice.kind,
      recipients: notice.recipients,
      subject: notice.subject,
      body: notice.body,
      state: 'pending',
      attempts: notice.attempts,
      last_error: null,
      created_at: at,
      updated_at: at,
      sent_at: null,
    })
    .execute();
}

/** Records one try: sent, or its error (pending again, or failed after MAX_ATTEMPTS). Returns the state written. */
export async function recordAttempt(warehouse: Warehouse, notice: StoredNotice, error: string | null, now = new Date()): Promise<NoticeState> {
  const attempts = notice.attempts + 1;
  const state: NoticeState = error === null ? 'sent' : attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
  const at = formatTimestamp(now);
  await db(warehouse)
    .updateTable('meta.notices')
    .set({
      state,
      attempts,
      last_error: error,
      updated_at: at,
      ...(state === 'sent' ? { sent_at: at, ...(notice.channel === 'email' ? { body: withoutImages(notice.body) } : {}) } : {}),
    })
    .where('notice_id', '=', notice.noticeId)
    .execute();
  return state;
}

/** The notices of earlier runs still pending, oldest first. */
export async function pendingNotices(warehouse: Warehouse, exceptRunId: string): Promise<StoredNotice[]> {
  const rows = await db(warehouse)
    .selectFrom('meta.notices')
    .selectAll()
    .where('state', '=', 'pending')
    .where('run_id', '<>', exceptRunId)
    .orderBy('created_at')
    // One run's notices share a timestamp: then email before webhook, by kind, so a retry goes out in the order it was made.
    .orderBy('channel')
    .orderBy('kind')
    .orderBy('notice_id')
    .execute();
  return rows.map((r) => ({
    noticeId: r.notice_id,
    runId: r.run_id,
    channel: r.channel as NoticeChannel,
    kind: r.kind as StoredNotice['kind'],
    recipients: r.recipients,
    subject: r.subject,
    body: r.body,
    attempts: Number(r.attempts),
  }));
}

/** An email as stored: its text, HTML and images (base64). */
export function emailBody(message: EmailMessage): string {
  return JSON.stringify({
    text: message.text,
    html: message.html,
    images: message.images.map((i) => ({ cid: i.cid, filename: i.filename, png: i.png.toString('base64') })),
  });
}

/** A stored email back as a message to send. */
export function emailFromStored(notice: StoredNotice): EmailMessage {
  const body = JSON.parse(notice.body) as { text: string; html: string; images?: { cid: string; filename: string; png: string }[] };
  return {
    kind: notice.kind === 'all' ? 'operations' : notice.kind,
    to: notice.recipients.split(',').filter(Boolean),
    subject: notice.subject,
    text: body.text,
    html: body.html,
    images: (body.images ?? []).map((i) => ({ cid: i.cid, filename: i.filename, png: Buffer.from(i.png, 'base64') })),
  };
}

function withoutImages(body: string): string {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return JSON.stringify({ ...parsed, images: [] });
}
