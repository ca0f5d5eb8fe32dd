/**
 * The AR-automation feed (HighRadius, Versapay, Bill.com): `ar-feed/` in the report folder with
 * customers, invoices, payments and applications, each as CSV (RFC 4180) and JSON Lines, and a
 * `manifest.json` with the window, each file's row count, SHA-256 and money totals.
 *
 * The window: payments and applications dated after `since` through the as-of date. `since` is
 * the option when given, else the as-of date of the previous feed of the same company scope
 * (`meta.ar_feed_history`, a meta table of load/meta-tables.ts), else all history. Invoices are every invoice open at the as-of date
 * (the whole open AR, so the receiving tool can replace its open items) plus the invoices dated
 * inside the window (issued since the last feed, even when already paid). Customers are every
 * customer those invoices and payments name, and every customer with an open balance or credit.
 *
 * Reads marts only: ar_feed_invoices, ar_feed_payments, ar_aging_by_customer.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { discardFile, publishFile, temporaryPath } from '../atomic-files.ts';
import { join } from 'node:path';
import { decimalToUnscaled, unscaledToDecimal } from '../../lib/decimal.ts';
import type { Warehouse } from '../../load/index.ts';
import { safeText } from '../excel/safe-text.ts';
import { sqlText } from '../html/format.ts';
import type { ReportOptions } from '../types.ts';
import { NO_HISTORY, historyOf } from '../types.ts';

type FieldKind = 'text' | 'money' | 'date' | 'int';

interface FeedField {
  name: string;
  kind: FieldKind;
}

interface FeedFile {
  name: 'customers' | 'invoices' | 'payments' | 'applications';
  /** Marts the query reads; a missing one leaves the file empty and says so in the manifest. */
  marts: string[];
  fields: FeedField[];
  sql: (window: FeedWindow, company: string) => string;
}

export interface FeedWindow {
  /** Exclusive lower bound ('YYYY-MM-DD'), or null for all history. */
  since: string | null;
  /** Inclusive upper bound: the as-of date. */
  through: string;
  /** Where `since` came from. */
  sinceSource: 'option' | 'previous feed' | 'all history';
}

export interface FileManifest {
  rows: number;
  bytes: number;
  sha256: string;
  /** Σ of each money field, as exact decimal text. */
  money_totals: Record<string, string>;
}

export interface FeedManifest {
  format: 'plumbline-ar-feed/1';
  as_of: string;
  company_code: string | null;
  generated_at: string;
  window: { since: string | null; through: string; since_source: FeedWindow['sinceSource'] };
  files: Record<string, FileManifest>;
  /** Each file's fields in order, with their type (text, money as decimal text, date YYYY-MM-DD, int). */
  schema: Record<string, { name: string; type: FieldKind }[]>;
  not_available: string[];
}

const text = (name: string): FeedField => ({ name, kind: 'text' });
const money = (name: string): FeedField => ({ name, kind: 'money' });
const date = (name: string): FeedField => ({ name, kind: 'date' });
const int = (name: string): FeedField => ({ name, kind: 'int' });

const inWindow = (column: string, window: FeedWindow): string =>
  `${column} <= cast(${sqlText(window.through)} as date)` + (window.since === null ? '' : ` and ${column} > cast(${sqlText(window.since)} as date)`);

const invoiceCondition = (window: FeedWindow): string => `(open_total <> 0 or (${inWindow('invoice_date', window)}))`;

export const FEED_FILES: FeedFile[] = [
  {
    name: 'customers',
    marts: ['ar_feed_invoices', 'ar_feed_payments', 'ar_aging_by_customer', 'customer_directory'],
    fields: [
      text('company_code'),
      text('customer_code'),
      text('customer_name'),
      text('address_1'),
      text('address_2'),
      text('city'),
      text('state'),
      text('zip_code'),
      text('phone'),
      text('terms_code'),
      text('status'),
      money('open_total'),
      money('open_net_of_retainage'),
      money('retainage_open'),
      money('open_credits'),
    ],
    sql: (window, company) => `
      with named as (
        select company_code, customer_code, customer_name from marts.ar_aging_by_customer where ${company}
        union all
        select company_code, customer_code, customer_name from marts.ar_feed_invoices where ${company} and ${invoiceCondition(window)}
        union all
        select company_code, customer_code, customer_name from marts.ar_feed_payments where ${company} and ${inWindow('transaction_date', window)}
      ),
      customers as (
        select company_code, customer_code, max(customer_name) as customer_name from named group by company_code, customer_code
      )
      select k.company_code, k.customer_code, k.customer_name,
        d.address_1, d.address_2, d.city, d.state, d.zip_code, d.phone, d.terms_code, d.status,
        cast(coalesce(c.open_total, 0) as decimal(18, 2)) as open_total,
        cast(coalesce(c.open_net_of_retainage, 0) as decimal(18, 2)) as open_net_of_retainage,
        cast(coalesce(c.retainage_open, 0) as decimal(18, 2)) as retainage_open,
        cast(coalesce(c.open_credits, 0) as decimal(18, 2)) as open_credits
      from customers k
      left join marts.ar_aging_by_customer c on c.company_code = k.company_code and c.customer_code = k.customer_code
      left join marts.customer_directory d on d.company_code = k.company_code and d.customer_code = k.customer_code
      order by k.company_code, k.customer_code`,
  },
  {
    name: 'invoices',
    marts: ['ar_feed_invoices'],
    fields: [
      text('company_code'),
      text('invoice_number'),
      text('spectrum_invoice_number'),
      text('buildops_invoice_id'),
      text('buildops_invoice_number'),
      text('invoice_type'),
      text('status'),
      text('customer_code'),
      text('job_number'),
      text('job_description'),
      text('property_id'),
      text('po_number'),
      text('terms_code'),
      text('buildops_payment_terms'),
      date('invoice_date'),
      date('due_date'),
      money('gross_amount'),
      money('retainage_billed'),
      money('retainage_open'),
      money('open_total'),
      money('open_net_of_retainage'),
      int('days_past_due'),
      text('aging_bucket'),
    ],
    sql: (window, company) => `
      select company_code, invoice_number, spectrum_invoice_number, buildops_invoice_id, buildops_invoice_number, invoice_type, status,
        customer_code, job_number, job_description, property_id, po_number, terms_code, buildops_payment_terms, invoice_date, due_date, gross_amount, retainage_billed, retainage_open, open_total,
        open_net_of_retainage, days_past_due, aging_bucket
      from marts.ar_feed_invoices
      where ${company} and ${invoiceCondition(window)}
      order by company_code, invoice_number`,
  },
  {
    name: 'payments',
    marts: ['ar_feed_payments'],
    fields: [
      text('company_code'),
      text('payment_id'),
      text('customer_code'),
      text('transaction_type'),
      text('check_number'),
      date('payment_date'),
      int('application_count'),
      money('amount'),
      money('retainage_amount'),
    ],
    sql: (window, company) => `
      select company_code, payment_id, customer_code, transaction_type, check_number, transaction_date as payment_date,
        count(*) as application_count,
        cast(sum(amount) as decimal(18, 2)) as amount,
        cast(sum(case when portion = 'retainage' then amount else 0 end) as decimal(18, 2)) as retainage_amount
      from marts.ar_feed_payments
      where ${company} and ${inWindow('transaction_date', window)}
      group by company_code, payment_id, customer_code, transaction_type, check_number, transaction_date
      order by company_code, transaction_date, payment_id`,
  },
  {
    name: 'applications',
    marts: ['ar_feed_payments'],
    fields: [
      text('company_code'),
      text('payment_id'),
      text('customer_code'),
      text('invoice_number'),
      text('buildops_invoice_id'),
      text('job_number'),
      date('applied_date'),
      text('portion'),
      money('amount'),
    ],
    sql: (window, company) => `
      select company_code, payment_id, customer_code, invoice_number, buildops_invoice_id, job_number,
        transaction_date as applied_date, portion, amount
      from marts.ar_feed_payments
      where ${company} and ${inWindow('transaction_date', window)}
      order by company_code, transaction_date, day_seq`,
  },
];

/** Writes `ar-feed/` (CSV + JSON Lines per file, manifest.json) into options.outDir. */
export async function writeArFeed(options: ReportOptions & { since?: string }): Promise<{ dir: string; manifest: string }> {
  const { warehouse, logger } = options;
  const dir = join(options.outDir, 'ar-feed');
  await mkdir(dir, { recursive: true });
  // The feed's own history (meta.ar_feed_history) goes through the history connection, if any.
  const history = historyOf(options);
  const window = await feedWindow(history, options);
  const company = options.companyCode === null ? '1 = 1' : `company_code = ${sqlText(options.companyCode)}`;
  const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));

  const manifest: FeedManifest = {
    format: 'plumbline-ar-feed/1',
    as_of: options.asOf,
    company_code: options.companyCode,
    generated_at: new Date().toISOString(),
    window: { since: window.since, through: window.through, since_source: window.sinceSource },
    files: {},
    schema: Object.fromEntries(FEED_FILES.map((f) => [f.name, f.fields.map((field) => ({ name: field.name, type: field.kind }))])),
    not_available: history === null ? [`feed history: ${NO_HISTORY}; the window is ${options.since === undefined ? 'all history' : 'the since option'}`] : [],
  };
  if (history === null) logger.warn('report.history', `AR feed: ${NO_HISTORY}`);
  // Every file is written under a temporary name; only when all are whole are they renamed into
  // place, the manifest last: a crash midway leaves the previous feed whole and consistent.
  const files: HashedFile[] = [];
  const manifestPath = join(dir, 'manifest.json');
  try {
    for (const file of FEED_FILES) {
      const missing = file.marts.filter((m) => !marts.has(m));
      for (const m of missing) {
        const note = `not available: marts.${m} was not built — its sources are not loaded`;
        if (!manifest.not_available.includes(note)) manifest.not_available.push(note);
      }
      const rows = missing.length > 0 ? emptyRows() : warehouse.stream<Record<string, unknown>>(file.sql(window, company));
      Object.assign(manifest.files, await writeFeedFile(dir, file, rows, files));
    }
    await writeFile(temporaryPath(manifestPath), `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  } catch (error) {
    await Promise.all(files.map((f) => f.close().catch(() => undefined)));
    for (const path of [...files.map((f) => f.path), manifestPath]) discardFile(path);
    throw error;
  }
  for (const file of files) publishFile(file.path);
  publishFile(manifestPath);
  await history?.query(
    `insert into meta.ar_feed_history (company_code, as_of, since, written_at, dir) values ($1, cast($2 as date), cast($3 as date), cast($4 as timestamp), $5)`,
    [options.companyCode ?? '', options.asOf, window.since, manifest.generated_at.replace('T', ' ').replace('Z', ''), dir],
  );
  const counts = Object.entries(manifest.files)
    .filter(([name]) => name.endsWith('.csv'))
    .map(([name, f]) => `${f.rows} ${name.replace('.csv', '')}`)
    .join(', ');
  logger.info('report.feed', `wrote ${dir}: ${counts} (${window.since === null ? 'all history' : `after ${window.since}`} through ${window.through})`, {
    dir,
    since: window.since,
  });
  return { dir, manifest: manifestPath };
}

/** The window of this feed: the `since` option, else the previous feed's as-of date (same company scope, from `history`), else all history. */
export async function feedWindow(history: Warehouse | null, options: ReportOptions & { since?: string }): Promise<FeedWindow> {
  if (options.since !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(options.since)) throw new Error(`AR feed: since must be a date YYYY-MM-DD, not "${options.since}"`);
    if (options.since >= options.asOf) throw new Error(`AR feed: since (${options.since}) must be before the as-of date (${options.asOf})`);
    return { since: options.since, through: options.asOf, sinceSource: 'option' };
  }
  if (history === null) return { since: null, through: options.asOf, sinceSource: 'all history' };
  const [previous] = await history.query<{ as_of: string | null }>(
    `select cast(max(as_of) as varchar) as as_of from meta.ar_feed_history where company_code = $1 and as_of < cast($2 as date)`,
    [options.companyCode ?? '', options.asOf],
  );
  if (previous?.as_of) return { since: String(previous.as_of).slice(0, 10), through: options.asOf, sinceSource: 'previous feed' };
  return { since: null, through: options.asOf, sinceSource: 'all history' };
}

async function* emptyRows(): AsyncIterable<Record<string, unknown>[]> {}

/** Streams one file's rows into `<name>.csv` and `<name>.jsonl`, hashing and totalling as it writes. */
async function writeFeedFile(
  dir: string,
  file: FeedFile,
  batches: AsyncIterable<Record<string, unknown>[]>,
  written: HashedFile[],
): Promise<Record<string, FileManifest>> {
  const csv = new HashedFile(join(dir, `${file.name}.csv`));
  const jsonl = new HashedFile(join(dir, `${file.name}.jsonl`));
  written.push(csv, jsonl);
  const moneyFields = file.fields.filter((f) => f.kind === 'money');
  const totals = new Map(moneyFields.map((f) => [f.name, 0n]));
  let rows = 0;
  await csv.write(csvLine(file.fields.map((f) => f.name)));
  // The JSON Lines keys, encoded once: each record is written as JSON.stringify would write its object.
  const jsonKeys = file.fields.map((f, i) => `${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`);
  const moneyIndexes = file.fields.flatMap((f, i) => (f.kind === 'money' ? [i] : []));
  const sums = moneyIndexes.map(() => 0n);
  for await (const batch of batches) {
    // Each batch as it comes, each value converted once, straight into the two texts (no objects per value).
    let csvChunk = '';
    let jsonChunk = '';
    for (const record of batch) {
      let csvRecord = '';
      let jsonRecord = '';
      let money = 0;
      for (let i = 0; i < file.fields.length; i += 1) {
        const f = file.fields[i]!;
        const value = record[f.name];
        let csvText = '';
        let jsonText = 'null';
        if (value !== null && value !== undefined) {
          switch (f.kind) {
            case 'money': {
              const cents = toCents(value);
              sums[money] = sums[money]! + cents;
              csvText = unscaledToDecimal(cents, 2);
              jsonText = `"${csvText}"`;
              break;
            }
            case 'date':
              csvText = dateText(value);
              jsonText = JSON.stringify(csvText);
              csvText = csvField(csvText);
              break;
            case 'int':
              csvText = csvField(String(value));
              jsonText = JSON.stringify(Number(value));
              break;
            default:
              csvText = csvField(safeText(String(value)));
              jsonText = JSON.stringify(String(value));
          }
        }
        if (f.kind === 'money') money += 1;
        csvRecord += i === 0 ? csvText : `,${csvText}`;
        jsonRecord += jsonKeys[i] + jsonText;
      }
      csvChunk += `${csvRecord}\r\n`;
      jsonChunk += `${jsonRecord}}\n`;
      rows += 1;
    }
    await csv.write(csvChunk);
    await jsonl.write(jsonChunk);
  }
  moneyIndexes.forEach((index, i) => totals.set(file.fields[index]!.name, sums[i]!));
  const money_totals = Object.fromEntries([...totals].map(([k, v]) => [k, unscaledToDecimal(v, 2)]));
  const [csvDone, jsonDone] = [await csv.close(), await jsonl.close()];
  return {
    [`${file.name}.csv`]: { rows, ...csvDone, money_totals },
    [`${file.name}.jsonl`]: { rows, ...jsonDone, money_totals },
  };
}

/** A file written through a stream, with its SHA-256 and size computed from the bytes written. */
class HashedFile {
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  private bytes = 0;

  /** Written under a temporary name; publishFile(path) moves it into place once the whole feed is written. */
  constructor(readonly path: string) {
    this.stream = createWriteStream(temporaryPath(path));
  }

  async write(textChunk: string): Promise<void> {
    if (textChunk === '') return;
    const buffer = Buffer.from(textChunk, 'utf8');
    this.hash.update(buffer);
    this.bytes += buffer.length;
    if (!this.stream.write(buffer)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  async close(): Promise<{ bytes: number; sha256: string }> {
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(resolve);
    });
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/** One RFC 4180 record: fields quoted when they hold a comma, quote, CR or LF (quotes doubled); CRLF at the end. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** RFC 4180 records, each as csvLine writes it. */
export function csvLines(records: readonly (readonly string[])[]): string {
  return records.map(csvLine).join('');
}

/** One RFC 4180 field (the feed's tests check it against csv-stringify, field by field). */
function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** What makes a field quoted: the delimiter, the quote, and a CR or LF (a lone one too). */
const NEEDS_QUOTES = /[",\r\n]/;

function dateText(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

function toCents(value: unknown): bigint {
  if (value === null || value === undefined || value === '') return 0n;
  return decimalToUnscaled(typeof value === 'number' ? value.toFixed(2) : String(value), 2);
}
