/**
 * The CFO report's write-back section: what reached Spectrum (sent, confirmed posted, still
 * waiting for a person to post it), what preflight holds back (with its top reasons, by rule) and
 * what Spectrum refused. Reports run after the writeback stage, so this is that night's push.
 *
 * Every amount comes from one defined place: a record still held by preflight is worth its
 * `marts.writeback_outbound.invoice_total`; a record in the outbox is worth `marts.writeback_outbox.amount`
 * (meta.outbox's), the amount of the payload frozen when it was checked (what was, or would be, sent). The same
 * definitions as the writeback row of marts.close_status. Service tickets on a daily summary
 * invoice are counted once, through their summary.
 */
import type { Row } from '../../load/index.ts';
import { sqlText } from './format.ts';
import type { ReportContext, Section, TableColumn } from './sections.ts';
import { build, section, seriesBars } from './sections.ts';

/** How many rules the section lists as the top reasons a record is blocked. */
const TOP_REASONS = 5;

const COLUMNS: TableColumn[] = [
  { key: 'status', label: 'Write-back', kind: 'text' },
  { key: 'records', label: 'Records', kind: 'count' },
  { key: 'amount', label: 'Amount', kind: 'money' },
  { key: 'detail', label: 'What it means', kind: 'text' },
];

interface Tally {
  records: string;
  amount: string;
}

/** The write-back section (marts.writeback_preflight, marts.writeback_outbound and marts.writeback_outbox), the same through a reader. */
export async function writebackSection(ctx: ReportContext): Promise<Section> {
  const base = section(
    'writeback',
    'Write-back to Spectrum',
    'writeback_preflight',
    'Approved BuildOps jobs, phases and invoices going to Spectrum: what was sent and confirmed, what waits for a person to post it, what preflight holds back and why, and what Spectrum refused.',
  );
  return build(ctx, base, async (s) => {
    const company = (column: string): string => (ctx.companyCode === null ? '' : ` and ${column} = ${sqlText(ctx.companyCode)}`);
    // The outbox through marts.writeback_outbox: a reader role sees the same records as the writer.
    const hasOutbox = ctx.marts.has('writeback_outbox');
    const outbox = async (states: string, extra = ''): Promise<Tally> => {
      if (!hasOutbox) return { records: '0', amount: '0.00' };
      const [row] = await ctx.warehouse.query<Tally>(
        `select cast(count(*) as varchar) as records, cast(coalesce(sum(amount), 0) as varchar) as amount
         from marts.writeback_outbox where state in (${states})${extra}${company('company_code')}`,
      );
      return row!;
    };
    const sent = await outbox(`'sent', 'confirmed'`);
    const confirmed = await outbox(`'confirmed'`);
    const waiting = await outbox(`'sent'`, ` and record_type = 'invoice'`);
    const failed = await outbox(`'failed'`);
    // Held by preflight now: the outbound records with a finding, worth their invoice_total in the mart.
    const blockedRecords = `select o.record_type, o.buildops_id, o.invoice_total from marts.writeback_outbound o
      where o.summary_buildops_id is null${company('o.company_code')}
        and exists (select 1 from marts.writeback_preflight p where p.record_type = o.record_type and p.buildops_id = o.buildops_id)`;
    const [blocked] = await ctx.warehouse.query<Tally>(
      `select cast(count(*) as varchar) as records, cast(coalesce(sum(invoice_total), 0) as varchar) as amount from (${blockedRecords}) b`,
    );
    // Per rule: the records it blocks (each once), their amount, and the fields it found (or, for a
    // rule on a parent or a ticket, whose "field" names a record, its fix).
    const reasons = await ctx.warehouse.query<Tally & { rule: string; fields: string | null; fix: string }>(
      `select r.rule, cast(count(*) as varchar) as records, cast(coalesce(sum(b.invoice_total), 0) as varchar) as amount,
              max(f.fields) as fields, min(r.fix) as fix
       from (select record_type, buildops_id, rule, min(fix) as fix from marts.writeback_preflight group by record_type, buildops_id, rule) r
       join (${blockedRecords}) b on b.record_type = r.record_type and b.buildops_id = r.buildops_id
       left join (
         select rule, string_agg(field, ', ' order by field) as fields
         from (select distinct rule, field from marts.writeback_preflight where field not like '%:%') d
         group by rule
       ) f on f.rule = r.rule
       group by r.rule order by count(*) desc, r.rule limit ${TOP_REASONS}`,
    );
    const noPush = hasOutbox ? '' : ' (write-back has not run yet: plumbline push)';
    const rows: Row[] = [
      { status: 'Sent to Spectrum', ...sent, detail: `accepted by Spectrum Data Exchange, once each${noPush}` },
      { status: 'Confirmed', ...confirmed, detail: 'read back from Spectrum: the job or phase is in its master, the invoice is posted' },
      { status: 'Waiting to be posted', ...waiting, detail: 'invoices in an unposted import batch: a person posts the batch in Spectrum' },
      { status: 'Blocked by preflight', ...blocked!, detail: 'not sent: they break a Spectrum rule (plumbline push --dry-run gives each fix)' },
      ...reasons.map((r) => ({ status: `blocked: ${r.rule}`, records: r.records, amount: r.amount, detail: r.fields ? `on ${r.fields}` : r.fix })),
      {
        status: 'Failed',
        ...failed,
        detail: 'rejected by Spectrum, refused before sending (over a field limit), or never appeared there (plumbline outbox --state failed)',
      },
    ];
    s.headlines = [
      { label: 'Sent', value: sent.amount, kind: 'money' },
      { label: 'Confirmed', value: confirmed.amount, kind: 'money' },
      { label: 'Waiting to be posted', value: waiting.amount, kind: 'money' },
      { label: 'Blocked', value: blocked!.amount, kind: 'money' },
      { label: 'Failed', value: failed.amount, kind: 'money' },
    ];
    s.table = { columns: COLUMNS, rows, total: rows.length, workbook: 'reconciliation.xlsx' };
    if (reasons.length > 0)
      s.chart = seriesBars({
        name: 'writeback-blocked',
        title: 'Why records are held back — records blocked, by rule',
        rows: reasons.map((r) => ({ label: r.rule, value: r.records })),
        series: { name: 'Records blocked', color: '#c62828' },
        format: 'count',
      });
  });
}
