/**
 * A run's notice content as the email each recipient kind gets, in plain text and HTML built
 * from the same blocks (every value HTML-escaped). Which kinds are due is decided here too:
 * failures always, successes only with `on_success`, and AP whenever it has something new.
 */
import { escapeHtml, formatMoney } from '../reports/html/format.ts';
import type { EmailMessage, NoticeContent, NoticeSettings, RecipientKind, RunSummary } from './types.ts';

/** At most this many findings (or records) are listed in an email; the rest are counted. */
const LIST_LIMIT = 50;

/** A heading and its lines: one part of an email, rendered the same way in text and HTML. */
interface Block {
  heading: string;
  lines: string[];
}

/** How the run ended, in words: never "succeeded" unless it did. */
export function outcomeWords(run: Pick<RunSummary, 'status' | 'message'>): string {
  switch (run.status) {
    case 'ok':
      return 'succeeded';
    case 'partial':
      return 'PARTLY FAILED';
    case 'cancelled':
      return 'was CANCELLED';
    case 'skipped':
      return 'DID NOTHING';
    default:
      return run.message?.startsWith('nothing ran') ? 'FAILED: nothing ran' : 'FAILED';
  }
}

/** Whether AP has something to hear: subcontractors newly blocked, or write-backs Spectrum rejected in this run. */
export function apHasNews(content: NoticeContent): boolean {
  return content.newlyBlocked.length > 0 || content.writeback.some((w) => w.state === 'failed' && w.thisRun);
}

/** The recipient kinds a notice is due for: finance and operations on a failure (or on success with on_success), AP when it has news. */
export function dueKinds(content: NoticeContent, settings: Pick<NoticeSettings, 'onSuccess'>): RecipientKind[] {
  const report = content.run.status !== 'ok' || settings.onSuccess;
  const kinds: RecipientKind[] = [];
  if (report) kinds.push('finance');
  if (apHasNews(content)) kinds.push('ap');
  if (report) kinds.push('operations');
  return kinds;
}

/** The email for one recipient kind. */
export function renderEmail(kind: RecipientKind, content: NoticeContent, to: readonly string[]): EmailMessage {
  const blocks = kind === 'finance' ? financeBlocks(content) : kind === 'ap' ? apBlocks(content) : operationsBlocks(content);
  const images = kind === 'finance' ? content.images.map((image) => ({ cid: `${image.name}@plumbline`, filename: `${image.name}.png`, png: image.png })) : [];
  const subject = subjectOf(kind, content);
  const text = [subject, '', ...blocks.flatMap((b) => [b.heading, ...b.lines.map((l) => `  ${l}`), ''])].join('\n');
  const imageHtml = images
    .map((image, i) => `<p><img src="cid:${escapeHtml(image.cid)}" alt="${escapeHtml(content.images[i]!.title)}" width="760"></p>`)
    .join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: Arial, sans-serif; color: #222">',
    `<h2>${escapeHtml(subject)}</h2>`,
    ...blocks.map((b) => `<h3>${escapeHtml(b.heading)}</h3>\n<ul>\n${b.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}\n</ul>`),
    imageHtml,
    '</body></html>',
  ].join('\n');
  return { kind, to: [...to], subject, text, html, images };
}

function subjectOf(kind: RecipientKind, content: NoticeContent): string {
  const { run } = content;
  const prefix = `[plumbline] ${run.company} as of ${run.asOf}`;
  if (kind === 'ap') {
    const failed = content.writeback.filter((w) => w.state === 'failed' && w.thisRun).length;
    const parts = [
      ...(content.newlyBlocked.length > 0 ? [`${content.newlyBlocked.length} subcontractor assignment(s) newly blocked from AP release`] : []),
      ...(failed > 0 ? [`${failed} write-back(s) rejected by Spectrum`] : []),
    ];
    return `${prefix}: ${parts.join('; ')}`;
  }
  const news = content.findings.evaluated && content.findings.newFindings.length > 0 ? `; ${content.findings.newFindings.length} new finding(s)` : '';
  const problems = kind === 'operations' && content.problems.length > 0 ? `; ${content.problems.length} problem(s) to fix` : '';
  return `${prefix}: run ${outcomeWords(run)}${kind === 'finance' ? news : problems}`;
}

function resultBlock(content: NoticeContent): Block {
  const { run } = content;
  const lines = [
    `Run ${run.runId} (${run.trigger}, started ${run.startedAt.toISOString()}) into ${run.warehouse}: ${outcomeWords(run)}.`,
    ...(run.message ? [run.message] : []),
    ...content.stages.map((s) => {
      const counts = Object.entries(s.counts)
        .map(([name, n]) => `${n} ${name}`)
        .join(', ');
      return `${s.stage}: ${s.status}${s.reason ? ` — ${s.reason}` : ''}${counts ? ` (${counts})` : ''}`;
    }),
  ];
  return { heading: 'What ran', lines };
}

function capped<T>(items: readonly T[], line: (item: T) => string, rest: string): string[] {
  const lines = items.slice(0, LIST_LIMIT).map(line);
  if (items.length > LIST_LIMIT) lines.push(`… and ${items.length - LIST_LIMIT} more ${rest}`);
  return lines;
}

function findingsBlock(content: NoticeContent): Block {
  const f = content.findings;
  if (!f.evaluated) return { heading: 'Findings', lines: [`Not checked this run: ${f.reason}. The figures in the warehouse are from the previous build.`] };
  const intro = f.firstRun
    ? `${f.total} open finding(s); this is the first notice, so every one is listed as new.`
    : `${f.newFindings.length} new since the previous run, ${f.total} open in all.`;
  const lines = capped(
    f.newFindings,
    (x) => `${x.title}: ${x.key}${x.amount && x.amount !== '0.00' ? ` (${formatMoney(x.amount)} at risk)` : ''}${x.detail ? ` — ${x.detail}` : ''}`,
    '(every finding is on the exception sheets of reconciliation.xlsx)',
  );
  return { heading: 'New findings since the previous run', lines: [intro, ...lines] };
}

function writebackBlock(content: NoticeContent, only?: 'failed-this-run'): Block | null {
  const issues = only ? content.writeback.filter((w) => w.state === 'failed' && w.thisRun) : content.writeback;
  if (issues.length === 0) return null;
  const blocked = issues.filter((w) => w.state === 'blocked').length;
  const failed = issues.length - blocked;
  const lines = capped(
    issues,
    (w) =>
      `${w.state === 'blocked' ? 'Blocked by preflight' : 'Rejected by Spectrum'}: ${w.recordType} ${w.buildopsId} — ${w.message}${w.fix ? ` Fix: ${w.fix}` : ''}`,
    'records (plumbline outbox --state failed, plumbline push --dry-run)',
  );
  return { heading: only ? 'Write-backs Spectrum rejected in this run' : `Write-back: ${blocked} blocked, ${failed} rejected`, lines };
}

function blockedBlock(content: NoticeContent): Block | null {
  if (content.newlyBlocked.length === 0) return null;
  return {
    heading: 'Subcontractors newly blocked from AP release (hold their payments)',
    lines: capped(
      content.newlyBlocked,
      (s) =>
        `Job ${s.jobNumber}, vendor ${s.vendorCode}${s.vendorName ? ` ${s.vendorName}` : ''}: ${s.reasons}; open AP ${formatMoney(s.openAp)} — ${s.detail}`,
      'assignments (the Subcontractor compliance sheet of reconciliation.xlsx)',
    ),
  };
}

function problemsBlocks(content: NoticeContent): Block[] {
  const line = (p: NoticeContent['problems'][number]): string =>
    `${p.stage}${p.step ? ` ${p.step}` : ''}: ${p.message}${p.fix && !p.message.includes(p.fix) ? ` Fix: ${p.fix}` : ''}`;
  const connection = content.problems.filter((p) => p.connection);
  const other = content.problems.filter((p) => !p.connection);
  return [
    ...(connection.length > 0 ? [{ heading: 'Connection and lock problems', lines: connection.map(line) }] : []),
    ...(other.length > 0 ? [{ heading: 'Errors and their fixes', lines: other.map(line) }] : []),
  ];
}

function reportsBlock(content: NoticeContent): Block | null {
  if (content.reports.length === 0) return null;
  return { heading: 'Reports', lines: content.reports };
}

function financeBlocks(content: NoticeContent): Block[] {
  return [
    resultBlock(content),
    ...problemsBlocks(content),
    findingsBlock(content),
    writebackBlock(content),
    blockedBlock(content),
    reportsBlock(content),
  ].filter((b): b is Block => b !== null);
}

function apBlocks(content: NoticeContent): Block[] {
  return [blockedBlock(content), writebackBlock(content, 'failed-this-run'), resultBlock(content)].filter((b): b is Block => b !== null);
}

function operationsBlocks(content: NoticeContent): Block[] {
  const problems = problemsBlocks(content);
  return [resultBlock(content), ...(problems.length > 0 ? problems : [{ heading: 'Problems', lines: ['None.'] }]), reportsBlock(content)].filter(
    (b): b is Block => b !== null,
  );
}
