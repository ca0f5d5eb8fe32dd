/**
 * What a notice says, before it is written for a channel: the run and its result, the problems
 * with their fixes, the findings new since the previous run, write-back, the subcontractors newly
 * blocked from AP release and the report paths. Built once per run (content.ts), then rendered as
 * an email per recipient kind (email-render.ts) and as the webhook's JSON (webhook.ts).
 */
import type { StageStatus } from '../lib/stage.ts';

/** Who a notice is for. */
export type RecipientKind = 'finance' | 'ap' | 'operations';
export const RECIPIENT_KINDS: readonly RecipientKind[] = ['finance', 'ap', 'operations'];

/** How the run ended, as the pipeline decided it (the notify stage itself never changes it). */
export interface RunSummary {
  runId: string;
  status: StageStatus;
  /** Why it did not end ok, with what to do; null when it did. */
  message: string | null;
  trigger: string;
  asOf: string;
  startedAt: Date;
  warehouse: string;
  company: string;
}

/** One open finding of a finding mart. */
export interface Finding {
  key: string;
  mart: string;
  title: string;
  detail: string;
  /** Decimal text, or null when the mart has none for the row. */
  amount: string | null;
}

/** An error a person must act on: where it happened, what it said, and its fix. */
export interface Problem {
  stage: string;
  step: string | null;
  message: string;
  fix: string | null;
  /** A connection problem (a host unreachable, a login refused, a lock held) rather than bad data. */
  connection: boolean;
}

/** A write-back record that did not go: blocked by preflight, or rejected by Spectrum. */
export interface WritebackIssue {
  recordType: string;
  buildopsId: string;
  state: 'blocked' | 'failed';
  message: string;
  fix: string | null;
  /** Failed during this run (AP hears of these). */
  thisRun: boolean;
}

/** A subcontractor assignment blocked from AP release that was not blocked at the previous run. */
export interface BlockedSubcontractor {
  jobNumber: string;
  vendorCode: string;
  vendorName: string | null;
  reasons: string;
  openAp: string;
  detail: string;
}

/** A headline chart of the CFO report, as a PNG to inline. */
export interface NoticeImage {
  name: string;
  title: string;
  png: Buffer;
}

/** Everything a run's notices may say. */
export interface NoticeContent {
  run: RunSummary;
  stages: { stage: string; status: StageStatus; reason: string | null; counts: Record<string, number>; seconds: number }[];
  problems: Problem[];
  findings:
    { evaluated: true; total: number; newFindings: Finding[]; firstRun: boolean; byMart: Record<string, number> } | { evaluated: false; reason: string };
  writeback: WritebackIssue[];
  newlyBlocked: BlockedSubcontractor[];
  reports: string[];
  images: NoticeImage[];
}

/** One email ready to send (or to store and send later). */
export interface EmailMessage {
  kind: RecipientKind;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Inline images, referenced from the HTML as `cid:<cid>`. */
  images: { cid: string; filename: string; png: Buffer }[];
}

/** The email settings of the config, with the password from the secrets. */
export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string;
  to: Record<RecipientKind, string[]>;
}

/** The webhook settings of the config, with the signing key from the secrets. */
export interface WebhookSettings {
  url: string;
  timeoutSeconds: number;
  secret: string | null;
}

/** Where and when notices go. */
export interface NoticeSettings {
  onSuccess: boolean;
  email: EmailSettings | null;
  webhook: WebhookSettings | null;
  /** Values that must never appear in a notice (every secret). */
  secrets: readonly string[];
}
