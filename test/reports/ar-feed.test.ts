/**
 * The AR feed of a loaded sandbox (seed 1, tiny) on DuckDB and Postgres, with a customer named
 * `=HYPERLINK("http://x","y")` added (one open invoice, one payment on it): counts and money
 * totals equal the marts', the manifest's checksums match the files, the CSV is RFC 4180 with
 * formula-safe text, and the window moves from one feed to the next.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decimalToUnscaled, unscaledToDecimal } from '../../lib/decimal.ts';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { writeArFeed } from '../../reports/feed/index.ts';
import type { FeedManifest } from '../../reports/feed/index.ts';
import type { GroundTruth } from '../../sandbox/index.ts';
import { filesConfig, loadAndBuild, rebuild, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const INJECTED = '=HYPERLINK("http://x","y")';

afterAll(() => removeSandboxExports());

const cents = (text: unknown): bigint => decimalToUnscaled(String(text ?? '0'), 2);
const money = (value: bigint): string => unscaledToDecimal(value, 2);

describeEachWarehouse('AR feed', (factory) => {
  let warehouse: Warehouse;
  let truth: GroundTruth;
  let out: string;
  let manifest: FeedManifest;
  let dir: string;

  /** The injected open invoice ZZH001. */
  function hackRow(rows: Record<string, unknown>[]): Record<string, unknown> | undefined {
    return rows.find((r) => r.invoice_number === 'ZZH001');
  }

  async function one<T>(sql: string): Promise<T> {
    const [row] = await warehouse.query<Record<string, unknown>>(sql);
    return Object.values(row ?? {})[0] as T;
  }

  function readManifest(path: string): FeedManifest {
    return JSON.parse(readFileSync(path, 'utf8')) as FeedManifest;
  }

  function csvRows(name: string, feedDir = dir): Record<string, string>[] {
    return parse(readFileSync(join(feedDir, `${name}.csv`), 'utf8'), { columns: true }) as Record<string, string>[];
  }

  function jsonRows(name: string, feedDir = dir): Record<string, unknown>[] {
    return readFileSync(join(feedDir, `${name}.jsonl`), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  beforeAll(async () => {
    const exported = await sandboxExport(1, 'tiny');
    truth = exported.truth;
    const location = await factory.newLocation();
    warehouse = await openWarehouse(location);
    const config = filesConfig(exported.dir, truth, location);
    await loadAndBuild(warehouse, config, truth.asOf);
    const company = truth.companyCode;
    await warehouse.query(
      `insert into raw.spectrum__cr_customer_master_mc (company_code, customer_code, name, status) values ('${company}', 'ZZHACK', '${INJECTED.replace(/'/g, "''")}', 'A')`,
    );
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type)
      values ('${company}', 'ZZH001', 'ZZHACK', 'ZJOB9', CAST('2026-11-01' AS DATE), CAST('2026-12-01' AS DATE), 1000.00, 0.00, null, 'I')`);
    await warehouse.query(`insert into raw.spectrum__cr_open_item_mc
      (company_code, customer_code, invoice_or_transaction, job_number, transaction_type, invoice_date, due_date, invoice_balance)
      values ('${company}', 'ZZHACK', 'ZZH001', 'ZJOB9', 'I', CAST('2026-11-01' AS DATE), CAST('2026-12-01' AS DATE), 600.00)`);
    await warehouse.query(`insert into raw.spectrum__cr_pay_adjust_history_mc
      (company_code, customer_code, invoice_or_transaction, transaction_date, transaction_type, invoice_type, amount, check_number, day_seq)
      values ('${company}', 'ZZHACK', 'ZZH001', CAST('2026-11-10' AS DATE), 'P', null, 400.00, '=1+1', 991)`);
    // ZZH002: a Spectrum-only invoice (no BuildOps match), paid off, billed on an AIA application: progress.
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type)
      values ('${company}', 'ZZH002', 'ZZHACK', 'ZJOB9', CAST('2026-10-31' AS DATE), CAST('2026-11-30' AS DATE), 500.00, 0.00, null, 'I')`);
    await warehouse.query(`insert into raw.spectrum__cr_billing_header_mc
      (company_code, job_number, application_number, period_end_date, revised_contract_amount, complete_to_date, previous_billed, amount_due, retention_amount, invoice_or_transaction)
      values ('${company}', 'ZJOB9', 1, CAST('2026-10-31' AS DATE), 5000.00, 500.00, 0.00, 500.00, 0.00, 'ZZH002')`);
    // ZZH003: a retention release billing (its gross is all retainage), paid off.
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, due_date, invoice_extension, retention_amount, remarks, transaction_type, terms_code)
      values ('${company}', 'ZZH003', 'ZZHACK', 'ZJOB9', CAST('2026-10-15' AS DATE), CAST('2026-11-14' AS DATE), 250.00, 250.00, null, 'I', 'N30')`);
    await warehouse.query(`insert into raw.spectrum__cr_pay_adjust_history_mc
      (company_code, customer_code, invoice_or_transaction, transaction_date, transaction_type, invoice_type, amount, check_number, day_seq)
      values ('${company}', 'ZZHACK', 'ZZH003', CAST('2026-11-05' AS DATE), 'P', 'R', 250.00, '7788', 992)`);
    await rebuild(warehouse, config, truth.asOf);
    out = mkdtempSync(join(tmpdir(), 'plumbline-feed-'));
    const written = await writeArFeed({ warehouse, outDir: join(out, 'first'), asOf: truth.asOf, companyCode: null, logger: silentLogger });
    dir = written.dir;
    manifest = readManifest(written.manifest);
  }, 240_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('the first feed covers all history through the as-of date', () => {
    expect(manifest.as_of).toBe(truth.asOf);
    expect(manifest.window).toEqual({ since: null, through: truth.asOf, since_source: 'all history' });
    expect(manifest.not_available).toEqual([]);
    // The manifest says each file's fields and types, in order, as the files have them.
    expect(manifest.schema.invoices?.slice(0, 3)).toEqual([
      { name: 'company_code', type: 'text' },
      { name: 'invoice_number', type: 'text' },
      { name: 'spectrum_invoice_number', type: 'text' },
    ]);
    const header = readFileSync(join(dir, 'invoices.csv'), 'utf8').split('\r\n')[0];
    expect(header).toBe(manifest.schema.invoices?.map((f) => f.name).join(','));
    expect(manifest.schema.customers?.map((f) => f.name)).toEqual(expect.arrayContaining(['address_1', 'city', 'state', 'zip_code', 'phone', 'terms_code']));
    expect(Object.keys(manifest.files).sort()).toEqual(['applications', 'customers', 'invoices', 'payments'].flatMap((n) => [`${n}.csv`, `${n}.jsonl`]).sort());
  });

  it('the manifest’s row counts, sizes and SHA-256 checksums match the files', () => {
    for (const [name, file] of Object.entries(manifest.files)) {
      const bytes = readFileSync(join(dir, name));
      expect(createHash('sha256').update(bytes).digest('hex'), name).toBe(file.sha256);
      expect(bytes.length, name).toBe(file.bytes);
      const lines = bytes.toString('utf8').split(name.endsWith('.csv') ? '\r\n' : '\n');
      expect(lines.pop(), `${name} ends with a line break`).toBe('');
      expect(lines.length - (name.endsWith('.csv') ? 1 : 0), name).toBe(file.rows);
    }
  });

  it('invoices: every open invoice (the open AR of the marts, to the cent) and every invoice of the window', async () => {
    const invoices = csvRows('invoices');
    expect(invoices.length).toBe(Number(await one('select count(*) from marts.ar_feed_invoices')));
    const open = invoices.filter((r) => cents(r.open_total) !== 0n);
    expect(open.length).toBe(Number(await one('select count(*) from marts.ar_aging')));
    expect(open.length).toBe(truth.ar_aging.rows.length + 1);
    const totals = manifest.files['invoices.csv']?.money_totals ?? {};
    expect(totals.open_total).toBe(String(await one('select cast(sum(open_total) as varchar) from marts.ar_aging')));
    expect(totals.open_total).toBe(money(cents(truth.ar_aging.totals.open_total) + cents('600.00')));
    expect(totals.open_net_of_retainage).toBe(String(await one('select cast(sum(open_net_of_retainage) as varchar) from marts.ar_aging')));
    expect(totals.gross_amount).toBe(String(await one('select cast(sum(gross_amount) as varchar) from marts.ar_feed_invoices')));
    expect(money(open.reduce((s, r) => s + cents(r.retainage_open), 0n))).toBe(money(cents(truth.ar_aging.totals.retainage_open)));
    expect(new Set(invoices.map((r) => r.invoice_type))).toEqual(new Set(['service', 'progress', 'retention']));
    expect(invoices.find((r) => r.invoice_number === 'ZZH003')).toMatchObject({ invoice_type: 'retention', terms_code: 'N30' });
    // What an AR tool needs to chase an invoice: status, terms, due date, PO, job and property.
    expect(new Set(invoices.map((r) => r.status))).toEqual(new Set(['open', 'partial', 'retention_held', 'paid']));
    expect(hackRow(invoices)).toMatchObject({ status: 'partial' });
    const matched = invoices.filter((r) => r.buildops_invoice_id !== '');
    expect(matched.every((r) => r.terms_code !== '' && r.due_date !== '' && r.property_id !== '' && r.job_description !== '')).toBe(true);
    expect(matched.some((r) => r.po_number !== '')).toBe(true);
    const hack = hackRow(invoices);
    expect(hack).toMatchObject({
      spectrum_invoice_number: 'ZZH001',
      buildops_invoice_id: '',
      invoice_type: 'service',
      open_total: '600.00',
      aging_bucket: 'current',
    });
    expect(invoices.find((r) => r.invoice_number === 'ZZH002')).toMatchObject({
      buildops_invoice_id: '',
      invoice_type: 'progress',
      open_total: '0.00',
      aging_bucket: '',
    });
    // A BuildOps-matched progress invoice carries both systems' ids.
    const progress = invoices.find((r) => r.invoice_type === 'progress' && r.buildops_invoice_id !== '');
    expect(progress?.buildops_invoice_number).not.toBe('');
  });

  it('payments and applications: counts and money equal marts.ar_feed_payments', async () => {
    const applications = csvRows('applications');
    const payments = csvRows('payments');
    expect(applications.length).toBe(Number(await one('select count(*) from marts.ar_feed_payments')));
    expect(payments.length).toBe(Number(await one('select count(distinct payment_id) from marts.ar_feed_payments')));
    const total = String(await one('select cast(sum(amount) as varchar) from marts.ar_feed_payments'));
    expect(manifest.files['applications.csv']?.money_totals.amount).toBe(total);
    expect(manifest.files['payments.csv']?.money_totals.amount).toBe(total);
    expect(money(applications.reduce((s, r) => s + cents(r.amount), 0n))).toBe(total);
    expect(manifest.files['payments.csv']?.money_totals.retainage_amount).toBe(
      String(await one("select cast(sum(amount) as varchar) from marts.ar_feed_payments where portion = 'retainage'")),
    );
    expect(payments.reduce((s, r) => s + Number(r.application_count), 0)).toBe(applications.length);
  });

  it('customers: every customer of the feed, with the open AR of marts.ar_aging_by_customer', async () => {
    const customers = csvRows('customers');
    // Address, phone and terms from Spectrum's customer master, for a dunning letter.
    const master = await warehouse.query<{ customer_code: string; city: string; phone: string; terms_code: string }>(
      `select customer_code, city, phone, terms_code from staging.stg_spectrum__customers where customer_code <> 'ZZHACK'`,
    );
    const byCode = new Map(master.map((m) => [m.customer_code, m]));
    const known = customers.filter((c) => byCode.has(String(c.customer_code)));
    expect(known.length).toBeGreaterThan(0);
    for (const c of known) {
      const m = byCode.get(String(c.customer_code))!;
      expect({ city: c.city, phone: c.phone, terms_code: c.terms_code }, String(c.customer_code)).toEqual({
        city: m.city ?? '',
        phone: m.phone ?? '',
        terms_code: m.terms_code ?? '',
      });
    }
    expect(known.every((c) => c.address_1 !== '' && c.zip_code !== '')).toBe(true);
    const totals = manifest.files['customers.csv']?.money_totals ?? {};
    expect(totals.open_total).toBe(String(await one('select cast(sum(open_total) as varchar) from marts.ar_aging_by_customer')));
    expect(totals.open_credits).toBe(truth.ar_aging.totals.open_credits);
    const named = new Set([...csvRows('invoices'), ...csvRows('payments')].map((r) => r.customer_code));
    expect(new Set(customers.map((r) => r.customer_code))).toEqual(new Set([...named, ...truth.ar_aging.by_customer.map((c) => c.customer_code as string)]));
  });

  it('text that a spreadsheet would run is prefixed in the CSV and kept as it is in JSON Lines; money is a string', () => {
    expect(csvRows('customers').find((r) => r.customer_code === 'ZZHACK')?.customer_name).toBe(`'${INJECTED}`);
    expect(readFileSync(join(dir, 'customers.csv'), 'utf8')).toContain(`ZZHACK,"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvRows('payments').find((r) => r.customer_code === 'ZZHACK' && r.check_number !== '7788')?.check_number).toBe("'=1+1");
    const json = jsonRows('customers').find((r) => r.customer_code === 'ZZHACK');
    expect(json).toMatchObject({ customer_name: INJECTED, open_total: '600.00', open_credits: '0.00' });
    expect(jsonRows('payments').find((r) => r.customer_code === 'ZZHACK' && r.check_number !== '7788')).toMatchObject({
      check_number: '=1+1',
      amount: '400.00',
      application_count: 1,
    });
  });

  it('the next feed starts where the previous one ended; --since overrides it', async () => {
    const next = readManifest(
      (await writeArFeed({ warehouse, outDir: join(out, 'next'), asOf: '2026-11-30', companyCode: null, logger: silentLogger })).manifest,
    );
    expect(next.window).toEqual({ since: truth.asOf, through: '2026-11-30', since_source: 'previous feed' });
    expect(next.files['applications.csv']?.rows).toBe(
      Number(await one(`select count(*) from marts.ar_feed_payments where transaction_date > cast('${truth.asOf}' as date)`)),
    );
    // Open invoices are always there in full; paid ones only when dated in the window.
    expect(next.files['invoices.csv']?.rows).toBe(
      Number(await one(`select count(*) from marts.ar_feed_invoices where open_total <> 0 or invoice_date > cast('${truth.asOf}' as date)`)),
    );

    const since = '2026-11-01';
    const windowed = await writeArFeed({ warehouse, outDir: join(out, 'since'), asOf: truth.asOf, since, companyCode: null, logger: silentLogger });
    const m = readManifest(windowed.manifest);
    expect(m.window).toEqual({ since, through: truth.asOf, since_source: 'option' });
    const applications = csvRows('applications', windowed.dir);
    expect(applications.length).toBe(
      Number(
        await one(
          `select count(*) from marts.ar_feed_payments where transaction_date > cast('${since}' as date) and transaction_date <= cast('${truth.asOf}' as date)`,
        ),
      ),
    );
    expect(applications.every((r) => (r.applied_date as string) > since && (r.applied_date as string) <= truth.asOf)).toBe(true);
    expect(applications.some((r) => r.invoice_number === 'ZZH001')).toBe(true);
    await expect(
      writeArFeed({ warehouse, outDir: join(out, 'bad'), asOf: truth.asOf, since: truth.asOf, companyCode: null, logger: silentLogger }),
    ).rejects.toThrow(/must be before the as-of date/);
  });
});
