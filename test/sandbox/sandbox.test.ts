// The sandbox generator: deterministic, streamed, and its ground truth is present in its own
// tables — checked here independently (SQL over the store, TypeScript over the export), never
// with the generator's own code.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportContractor, readGroundTruth, type GroundTruth } from '../../sandbox/index.ts';
import { generate, hashTree, rows, toCents, type Generated } from './helpers.ts';

const tmp: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'plumbline-sandbox-'));
  tmp.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of tmp) await rm(dir, { recursive: true, force: true });
});

const EXPECTED_TYPES = [
  'invoice_status.missing_in_spectrum',
  'invoice_status.awaiting_posting',
  'invoice_status.paid_not_reflected',
  'invoice_status.paid_in_buildops_only',
  'invoice_status.amount_mismatch',
  'cost_code_drift.unmapped_item',
  'cost_code_drift.mapping_target_missing',
  'cost_code_drift.mapping_target_inactive',
  'cost_code_drift.gl_cost_type_mismatch',
  'cost_code_drift.posted_cost_code_mismatch',
  'billing_duplicates.billed_in_both_systems',
  'billing_duplicates.duplicate_invoice',
  'billing_duplicates.previous_mismatch',
  'billing_duplicates.over_scheduled_value',
  'retainage_reconciliation.mismatch',
  'subcontractor_compliance.coi_missing',
  'subcontractor_compliance.coi_expired',
  'subcontractor_compliance.w9_missing',
  'subcontractor_compliance.lien_waiver_missing',
  ...[
    'field_too_long',
    'invalid_characters',
    'state_code',
    'phone_format',
    'negative_amount',
    'closed_period',
    'customer_not_in_spectrum',
    'job_not_in_spectrum',
    'phase_not_on_job',
    'duplicate_number',
    'cost_center_mismatch',
    'tax_class_invalid',
    'phase_mask',
    'gl_account',
    'unmapped_item',
    'job_complete',
  ].map((r) => `writeback_preflight.${r}`),
];

describe('sandbox export', () => {
  it('is byte-identical for the same seed and differs for another seed', async () => {
    const dirs: string[] = [];
    for (const seed of ['alpha', 'alpha', 'beta']) {
      const g = await generate(seed);
      const dir = await tempDir();
      await exportContractor(g.store, dir);
      g.store.close();
      dirs.push(dir);
    }
    const [a, b, c] = await Promise.all(dirs.map(hashTree));
    expect(Object.keys(a!)).toContain('ground-truth.json');
    expect(Object.keys(a!)).toContain('buildops/pay-applications.json');
    expect(Object.keys(a!)).toContain('spectrum/CR_INVOICE_HEADER_MC.csv');
    expect(Object.keys(a!)).toContain('mappings/cost_code_map.csv');
    expect(b).toEqual(a);
    expect(c!['buildops/invoices.json']).not.toBe(a!['buildops/invoices.json']);
    expect(c!['ground-truth.json']).not.toBe(a!['ground-truth.json']);
    const truth = await readGroundTruth(dirs[0]!);
    expect(truth.seed).toBe('alpha');
    expect(truth.asOf).toBe('2026-11-15');
  });

  it('writes RFC 4180 CSV with padding kept and dates as YYYY-MM-DD', async () => {
    const g = await generate('csv');
    const dir = await tempDir();
    await exportContractor(g.store, dir);
    g.store.close();
    const csv = await readFile(join(dir, 'spectrum', 'CR_INVOICE_HEADER_MC.csv'), 'utf8');
    const [header, first] = csv.split('\r\n');
    expect(header).toBe(
      'Company_Code,Invoice_Or_Transaction,Customer_Code,Job_Number,Invoice_Date,Due_Date,Invoice_Extension,Sales_Tax_Amount,Retention_Amount,Retention_Percent,Batch_Code,AR_GL_Account,Cost_Center,Terms_Code,Remarks,Transaction_Type',
    );
    expect(first).toMatch(/^[12],"\S+ *","\S+ *","\S+ *",\d{4}-\d\d-\d\d,/);
    const invoices = JSON.parse(await readFile(join(dir, 'buildops', 'invoices.json'), 'utf8')) as { id: string; issuedDate: string }[];
    expect(invoices.map((i) => i.id)).toEqual([...invoices.map((i) => i.id)].sort());
    expect(invoices[0]!.issuedDate).toMatch(/^\d{10}$/);
  });
});

describe('sandbox ground truth (tiny)', () => {
  let g: Generated;
  let t: GroundTruth;
  beforeAll(async () => {
    await generate('warmup'); // the first run pays for JIT and native loading
    g = await generate(20261115);
    t = g.truth;
  });
  afterAll(() => g.store.close());

  it('generates in under a second', () => {
    expect(g.ms).toBeLessThan(1000);
  });

  it('plants at least one case of every finding type and rule', () => {
    for (const type of EXPECTED_TYPES) expect(t.planted[type] ?? 0, type).toBeGreaterThanOrEqual(1);
  });

  it('missing_in_spectrum invoices have no Spectrum header or unposted row; awaiting_posting ones only an unposted row', async () => {
    for (const r of t.invoice_status) {
      const key = `BO:${r.buildops_invoice_id}`;
      const [h] = await rows(
        g.store,
        `SELECT count(*)::INT n FROM spectrum."CR_INVOICE_HEADER_MC" WHERE "Company_Code" = '1' AND ("Remarks" = $1 OR trim("Invoice_Or_Transaction") = $2)`,
        [key, r.invoice_number],
      );
      const [u] = await rows(
        g.store,
        `SELECT count(*)::INT n FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE "Company_Code" = '1' AND ("Remarks" = $1 OR trim("Invoice_Or_Transaction") = $2)`,
        [key, r.invoice_number],
      );
      if (r.drift_type === 'missing_in_spectrum') expect([h!.n, u!.n]).toEqual([0, 0]);
      else if (r.drift_type === 'awaiting_posting') expect([h!.n, u!.n]).toEqual([0, 1]);
      else expect(h!.n).toBe(1);
    }
  });

  it('invoice_status drift recomputed in SQL over the whole store is exactly the truth (no misses, no extras)', async () => {
    const found = await rows(
      g.store,
      `
      WITH bo AS (
        SELECT id, (doc->>'invoiceNumber') num, (doc->>'status') status, (doc->>'syncStatus') sync,
               round((doc->>'totalAmount')::DOUBLE * 100)::BIGINT total
        FROM buildops.invoices),
      h AS (SELECT trim("Invoice_Or_Transaction") num, "Remarks" rem, ("Invoice_Extension" * 100)::BIGINT gross,
                   ("Retention_Amount" * 100)::BIGINT ret
            FROM spectrum."CR_INVOICE_HEADER_MC" WHERE "Company_Code" = '1' AND "Transaction_Type" = 'I'),
      u AS (SELECT trim("Invoice_Or_Transaction") num, "Remarks" rem FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE "Company_Code" = '1'),
      matched AS (
        SELECT bo.*,
          coalesce((SELECT num FROM h WHERE rem = 'BO:' || bo.id),
                   (SELECT num FROM h WHERE h.num = bo.num AND (rem IS NULL OR rem NOT LIKE 'BO:%'))) hnum,
          (SELECT num FROM u WHERE rem = 'BO:' || bo.id) unum
        FROM bo),
      pay AS (SELECT trim("Invoice_Or_Transaction") num, count(*) n, sum("Amount" * 100)::BIGINT paid,
                     sum(CASE WHEN "Invoice_Type" = 'R' THEN "Amount" * 100 ELSE 0 END)::BIGINT rpaid
              FROM spectrum."CR_PAY_ADJUST_HISTORY_MC" WHERE "Company_Code" = '1' GROUP BY 1),
      st AS (
        SELECT m.id, m.status, m.sync, m.total, m.hnum, m.unum, h.gross, h.ret,
               coalesce(p.n, 0) n, coalesce(p.paid, 0) paid, coalesce(p.rpaid, 0) rpaid
        FROM matched m LEFT JOIN h ON h.num = m.hnum LEFT JOIN pay p ON p.num = m.hnum),
      s AS (
        SELECT *, CASE WHEN hnum IS NULL AND unum IS NULL THEN 'missing' WHEN hnum IS NULL THEN 'unposted'
                       WHEN gross - paid = 0 THEN 'paid' WHEN n = 0 THEN 'open'
                       WHEN (gross - paid) - (ret - rpaid) > 0 THEN 'partial' ELSE 'retention_held' END sstatus
        FROM st
        WHERE sync IN ('Synced', 'Bypassed', 'Failed', 'Pending') OR status IN ('Exported', 'Paid') OR hnum IS NOT NULL OR unum IS NOT NULL)
      SELECT id, sstatus, CASE WHEN sstatus = 'missing' THEN 'missing_in_spectrum' WHEN sstatus = 'unposted' THEN 'awaiting_posting'
                      WHEN sstatus IN ('paid', 'retention_held') AND status <> 'Paid' THEN 'paid_not_reflected'
                      WHEN status = 'Paid' AND sstatus IN ('open', 'partial') THEN 'paid_in_buildops_only'
                      WHEN abs(total - gross) > 1 THEN 'amount_mismatch' END drift
      FROM s ORDER BY id`,
    );
    const drift = found.filter((r) => r.drift !== null).map((r) => [r.id, r.drift, r.sstatus]);
    expect(drift).toEqual(t.invoice_status.map((r) => [r.buildops_invoice_id, r.drift_type, r.spectrum_status]));
    expect(new Set(found.map((r) => r.sstatus))).toEqual(new Set(['missing', 'unposted', 'open', 'partial', 'retention_held', 'paid']));
  });

  it('AIA tie-out findings recomputed from CR_BILL_DETAIL_MC and pay applications are exactly the truth', async () => {
    const spectrum = await rows(
      g.store,
      `
      WITH d AS (SELECT trim("Job_Number") job, "Application_Number" app, "Item_Number" item, ("Previous_Complete" * 100)::BIGINT prev,
                        ("Complete_To_Date" * 100)::BIGINT ctd, ("Scheduled_Value" * 100)::BIGINT sv
                 FROM spectrum."CR_BILL_DETAIL_MC" WHERE "Company_Code" = '1')
      SELECT 'previous_mismatch' t, d.job, d.app, d.item, abs(d.prev - p.ctd) amount FROM d JOIN d p ON p.job = d.job AND p.item = d.item AND p.app = d.app - 1 WHERE d.prev <> p.ctd
      UNION ALL SELECT 'over_scheduled_value', job, app, item, ctd - sv FROM d WHERE ctd > sv ORDER BY 1, 2, 3, 4`,
    );
    const payApps = await rows(
      g.store,
      `
      WITH l AS (SELECT (doc->>'jobNumber') job, (doc->>'applicationNumber')::INT app, unnest(from_json(doc->'lines', '["JSON"]')) line FROM buildops.pay_applications),
      d AS (SELECT job, app, (line->>'itemNumber') item, round((line->>'previousCompleted')::DOUBLE * 100)::BIGINT prev,
                   round((line->>'completedToDate')::DOUBLE * 100)::BIGINT ctd, round((line->>'scheduledValue')::DOUBLE * 100)::BIGINT sv FROM l)
      SELECT 'previous_mismatch' t, d.job, d.app, d.item, abs(d.prev - p.ctd) amount FROM d JOIN d p ON p.job = d.job AND p.item = d.item AND p.app = d.app - 1 WHERE d.prev <> p.ctd
      UNION ALL SELECT 'over_scheduled_value', job, app, item, ctd - sv FROM d WHERE ctd > sv ORDER BY 1, 2, 3, 4`,
    );
    const expected = (system: string): unknown[] =>
      t.billing_duplicates
        .filter((r) => r.source_system === system && (r.finding_type === 'previous_mismatch' || r.finding_type === 'over_scheduled_value'))
        .map((r) => ({
          t: r.finding_type,
          job: r.job_number,
          app: r.application_number,
          item: r.item_number,
          amount: BigInt(toCents(r.amount_at_risk)),
        }));
    expect(spectrum).toEqual(expected('spectrum'));
    expect(payApps).toEqual(expected('buildops'));
  });

  it('paid_not_reflected invoices are paid in Spectrum and not Paid in BuildOps', async () => {
    const cases = t.invoice_status.filter((r) => r.drift_type === 'paid_not_reflected');
    expect(cases.length).toBeGreaterThan(0);
    for (const r of cases) {
      const [p] = await rows(
        g.store,
        `SELECT coalesce(sum("Amount"), 0)::VARCHAR paid FROM spectrum."CR_PAY_ADJUST_HISTORY_MC" WHERE "Company_Code" = '1' AND trim("Invoice_Or_Transaction") = $1`,
        [r.invoice_number],
      );
      expect(toCents(p!.paid)).toBe(toCents(r.spectrum_gross));
      const [doc] = await rows(g.store, `SELECT doc->>'status' AS status FROM buildops.invoices WHERE id = $1`, [r.buildops_invoice_id]);
      expect(doc!.status).not.toBe('Paid');
    }
  });

  it('unmapped items are active and absent from the mapping; clean mapped items map to phases on their jobs', async () => {
    const unmapped = t.cost_code_drift.filter((r) => r.finding_type === 'unmapped_item');
    for (const r of unmapped) {
      const [m] = await rows(g.store, 'SELECT count(*)::INT n FROM sandbox.cost_code_map WHERE item_code = $1', [r.item_code!]);
      expect(m!.n).toBe(0);
      const [p] = await rows(g.store, `SELECT (doc->>'isActive')::BOOLEAN active FROM buildops.products WHERE (doc->>'code') = $1`, [r.item_code!]);
      expect(p!.active).toBe(true);
    }
    // Independently: every (item, job) line whose mapped phase is missing or inactive on a Spectrum job is in the truth.
    const found = await rows(
      g.store,
      `
      WITH lines AS (
        SELECT doc->>'jobNumber' job, unnest(from_json(doc->'invoiceItems', '["JSON"]')) item FROM buildops.invoices WHERE (doc->>'status') <> 'Void'),
      mapped AS (SELECT job, (l.item->>'itemCode') code, m.phase_code, m.cost_type FROM lines l JOIN sandbox.cost_code_map m ON m.item_code = (l.item->>'itemCode'))
      SELECT DISTINCT mapped.code, mapped.job, CASE WHEN p."Status_Code" IS NULL THEN 'mapping_target_missing' ELSE 'mapping_target_inactive' END t
      FROM mapped JOIN spectrum."JC_JOB_MASTER_MC" j ON j."Company_Code" = '1' AND trim(j."Job_Number") = mapped.job
      LEFT JOIN spectrum."JC_PHASE_MASTER_MC" p ON p."Company_Code" = '1' AND trim(p."Job_Number") = mapped.job AND trim(p."Phase_Code") = mapped.phase_code AND trim(p."Cost_Type") = mapped.cost_type
      WHERE p."Status_Code" IS DISTINCT FROM 'A' ORDER BY 1, 2`,
    );
    const expected = t.cost_code_drift
      .filter((r) => r.finding_type.startsWith('mapping_target'))
      .map((r) => ({
        code: r.item_code,
        job: r.job_number,
        t: r.finding_type,
      }));
    expect(found).toEqual(expected.sort((a, b) => (`${a.code}|${a.job}` < `${b.code}|${b.job}` ? -1 : 1)));
  });

  it('AR aging totals equal sums over open items, headers and pay history of company 1', async () => {
    const perCustomer = await rows(
      g.store,
      `
      WITH h AS (SELECT trim("Customer_Code") c, trim("Invoice_Or_Transaction") n, coalesce("Due_Date", "Invoice_Date" + INTERVAL 30 DAY) due, "Retention_Amount" ret
                 FROM spectrum."CR_INVOICE_HEADER_MC" WHERE "Company_Code" = '1' AND "Transaction_Type" = 'I'),
           o AS (SELECT trim("Invoice_Or_Transaction") n, sum("Invoice_Balance") bal FROM spectrum."CR_OPEN_ITEM_MC" WHERE "Company_Code" = '1' AND "Transaction_Type" = 'I' GROUP BY 1),
           p AS (SELECT trim("Invoice_Or_Transaction") n, sum("Amount") paid FROM spectrum."CR_PAY_ADJUST_HISTORY_MC" WHERE "Company_Code" = '1' AND "Invoice_Type" = 'R' GROUP BY 1),
           a AS (SELECT h.c, o.bal, h.ret - coalesce(p.paid, 0) ret_open, date_diff('day', h.due, DATE '${t.asOf}') dpd FROM h JOIN o USING (n) LEFT JOIN p USING (n) WHERE o.bal <> 0)
      SELECT c, sum(bal)::VARCHAR open_total, sum(ret_open)::VARCHAR retainage_open,
             sum(CASE WHEN dpd <= 0 THEN bal - ret_open ELSE 0 END)::VARCHAR "current",
             sum(CASE WHEN dpd BETWEEN 1 AND 30 THEN bal - ret_open ELSE 0 END)::VARCHAR b30,
             sum(CASE WHEN dpd BETWEEN 31 AND 60 THEN bal - ret_open ELSE 0 END)::VARCHAR b60,
             sum(CASE WHEN dpd BETWEEN 61 AND 90 THEN bal - ret_open ELSE 0 END)::VARCHAR b90,
             sum(CASE WHEN dpd > 90 THEN bal - ret_open ELSE 0 END)::VARCHAR b90p
      FROM a GROUP BY c ORDER BY c`,
    );
    const credits = await rows(
      g.store,
      `SELECT trim("Customer_Code") c, sum("Invoice_Balance")::VARCHAR cr FROM spectrum."CR_OPEN_ITEM_MC" WHERE "Company_Code" = '1' AND "Transaction_Type" IN ('C', 'P') GROUP BY 1`,
    );
    const truthByCustomer = new Map(t.ar_aging.by_customer.map((r) => [r.customer_code, r]));
    for (const r of perCustomer) {
      const tr = truthByCustomer.get(String(r.c))!;
      expect(tr, String(r.c)).toBeDefined();
      expect([r.open_total, r.retainage_open, r.current, r.b30, r.b60, r.b90, r.b90p].map(toCents)).toEqual(
        [tr.open_total, tr.retainage_open, tr.current, tr['1-30'], tr['31-60'], tr['61-90'], tr['90+']].map(toCents),
      );
    }
    for (const r of credits) expect(toCents(truthByCustomer.get(String(r.c))!.open_credits)).toBe(toCents(r.cr));
    const sumOpen = perCustomer.reduce((s, r) => s + toCents(r.open_total), 0);
    expect(toCents(t.ar_aging.totals.open_total)).toBe(sumOpen);
    // The edges the contract names: due exactly on as-of is current; retention paid while regular is open.
    expect(t.ar_aging.rows.some((r) => r.days_past_due === 0 && r.aging_bucket === 'current')).toBe(true);
    expect(t.planted['plant.retention_paid_regular_open']).toBe(1);
  });

  it('keeps company 2 disjoint: overlapping codes, none of its rows in company 1 totals', async () => {
    const tables = [
      'CR_CUSTOMER_MASTER_MC',
      'JC_JOB_MASTER_MC',
      'CR_INVOICE_HEADER_MC',
      'CR_OPEN_ITEM_MC',
      'CR_PAY_ADJUST_HISTORY_MC',
      'PR_TIME_CARD_HISTORY_MC',
      'SY_PROCESSING_DATES_MC',
      'VN_COMPLIANCE_MC',
    ];
    for (const table of tables) {
      const counts = await rows(g.store, `SELECT "Company_Code" c, count(*)::INT n FROM spectrum."${table}" GROUP BY 1 ORDER BY 1`);
      expect(
        counts.map((r) => r.c),
        table,
      ).toEqual(['1', '2']);
    }
    const [overlap] = await rows(
      g.store,
      `SELECT count(*)::INT n FROM spectrum."CR_INVOICE_HEADER_MC" a JOIN spectrum."CR_INVOICE_HEADER_MC" b USING ("Invoice_Or_Transaction") WHERE a."Company_Code" = '1' AND b."Company_Code" = '2'`,
    );
    expect(overlap!.n).toBeGreaterThan(0);
    const [all] = await rows(g.store, `SELECT sum("Invoice_Balance")::VARCHAR s FROM spectrum."CR_OPEN_ITEM_MC" WHERE "Transaction_Type" = 'I'`);
    expect(toCents(all!.s)).not.toBe(toCents(t.ar_aging.totals.open_total));
    const [payroll] = await rows(g.store, `SELECT strftime(max("Work_Date"), '%Y-%m-%d') d FROM spectrum."PR_TIME_CARD_HISTORY_MC" WHERE "Company_Code" = '1'`);
    expect(payroll!.d).toBe(t.payrollThrough);
  });

  it('pads Spectrum key codes and leaves Company_Code unpadded', async () => {
    const [r] = await rows(
      g.store,
      `SELECT length("Customer_Code")::INT c, length("Job_Number")::INT j, length("Invoice_Or_Transaction")::INT i, length("Company_Code")::INT co FROM spectrum."CR_INVOICE_HEADER_MC" LIMIT 1`,
    );
    expect(r).toEqual({ c: 10, j: 10, i: 10, co: 1 });
    const [p] = await rows(g.store, `SELECT length("Phase_Code")::INT p, length("Cost_Type")::INT t FROM spectrum."JC_PHASE_MASTER_MC" LIMIT 1`);
    expect(p).toEqual({ p: 20, t: 3 });
  });

  it('retainage truth matches the sums of both systems per job', async () => {
    for (const r of t.retainage_reconciliation) {
      const [bo] = await rows(
        g.store,
        `SELECT coalesce(sum((doc->>'retainageAmount')::DECIMAL(18,2)), 0)::VARCHAR s FROM buildops.invoices WHERE (doc->>'jobNumber') = $1 AND (doc->>'status') <> 'Void'`,
        [r.job_number],
      );
      const [sp] = await rows(
        g.store,
        `SELECT coalesce(sum("Retention_Amount"), 0)::VARCHAR s FROM spectrum."CR_INVOICE_HEADER_MC" WHERE "Company_Code" = '1' AND trim("Job_Number") = $1`,
        [r.job_number],
      );
      expect([toCents(bo!.s), toCents(sp!.s)]).toEqual([toCents(r.buildops_retainage_billed), toCents(r.spectrum_retainage_billed)]);
    }
    expect(t.retainage_reconciliation.filter((r) => r.status === 'mismatch').length).toBeGreaterThan(0);
  });

  it('WIP cost to date and billed to date are the sums of company 1 job cost and AR headers', async () => {
    for (const w of t.wip_schedule) {
      const [c] = await rows(
        g.store,
        `SELECT coalesce(sum("Tran_Amount"), 0)::VARCHAR s FROM spectrum."JC_TRANSACTION_HISTORY_MC" WHERE "Company_Code" = '1' AND trim("Job_Number") = $1 AND "Tran_Type_Code" <> 'AR' AND "Tran_Date_Text" <= $2`,
        [w.job_number, t.asOf.replaceAll('-', '')],
      );
      const [b] = await rows(
        g.store,
        `SELECT coalesce(sum("Invoice_Extension"), 0)::VARCHAR s FROM spectrum."CR_INVOICE_HEADER_MC" WHERE "Company_Code" = '1' AND trim("Job_Number") = $1 AND "Invoice_Date" <= DATE '${t.asOf}'`,
        [w.job_number],
      );
      expect([toCents(c!.s), toCents(b!.s)], w.job_number).toEqual([toCents(w.cost_to_date), toCents(w.billed_to_date)]);
    }
    expect(t.wip_schedule.some((w) => toCents(w.unprocessed_labor_cost) > 0)).toBe(true);
    expect(t.wip_schedule.some((w) => w.items_without_rate.length > 0)).toBe(true);
  });

  it('service ticket batches and duplicates recomputed from the BuildOps records agree', async () => {
    const docs = (await rows(g.store, 'SELECT doc FROM buildops.invoices')).map((r) => JSON.parse(String(r.doc)) as Record<string, unknown>);
    const customers = new Map(
      (await rows(g.store, 'SELECT doc FROM buildops.customers'))
        .map(
          (r) =>
            JSON.parse(String(r.doc)) as {
              id: string;
              accountingRefId: string | null;
            },
        )
        .map((c) => [c.id, c.accountingRefId]),
    );
    const costCenters = new Map(
      (await rows(g.store, 'SELECT department_name, cost_center FROM sandbox.department_cost_centers')).map((r) => [
        String(r.department_name),
        String(r.cost_center),
      ]),
    );
    const chicago = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/Chicago',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    const dayOf = (epoch: unknown): string => chicago.format(new Date(Number(epoch) * 1000));
    const batches = new Map<string, { count: number; total: number }>();
    for (const d of docs) {
      if (d.projectId !== null || d.status !== 'Approved' || d.syncStatus !== 'NotSynced') continue;
      const code = customers.get(String(d.customerId));
      if (!code) continue;
      const key = `${code}|${dayOf(d.issuedDate)}|${costCenters.get(String(d.departmentName)) ?? ''}`;
      const b = batches.get(key) ?? { count: 0, total: 0 };
      b.count += 1;
      b.total += Math.round(Number(d.totalAmount) * 100);
      batches.set(key, b);
    }
    expect(Object.fromEntries([...batches].sort(([a], [b]) => (a < b ? -1 : 1)))).toEqual(
      Object.fromEntries(t.service_ticket_batches.map((b) => [b.batch_key, { count: b.ticket_count, total: toCents(b.total_amount) }])),
    );
    const live = docs.filter((d) => d.status !== 'Void');
    const dups = live.filter((later) =>
      live.some(
        (o) =>
          o !== later &&
          o.invoiceNumber !== later.invoiceNumber &&
          o.customerId === later.customerId &&
          o.jobId === later.jobId &&
          o.totalAmount === later.totalAmount &&
          Number(o.issuedDate) < Number(later.issuedDate) &&
          Number(later.issuedDate) - Number(o.issuedDate) <= 4 * 86400 &&
          Date.parse(dayOf(later.issuedDate)) - Date.parse(dayOf(o.issuedDate)) <= 3 * 86400000,
      ),
    );
    expect(dups.map((d) => d.id).sort()).toEqual(
      t.billing_duplicates
        .filter((r) => r.finding_type === 'duplicate_invoice')
        .map((r) => r.buildops_invoice_id)
        .sort(),
    );
    // The void copy of the duplicated invoice exists and is not flagged.
    expect(docs.some((d) => d.status === 'Void')).toBe(true);
  });

  it('write-back truth agrees with the store for customers, numbers, periods and mappings', async () => {
    const doc = async (table: string, id: string): Promise<Record<string, unknown>> => {
      const [r] = await rows(g.store, `SELECT doc FROM buildops.${table} WHERE id = $1`, [id]);
      return JSON.parse(String(r!.doc)) as Record<string, unknown>;
    };
    const count = async (sql: string, params: string[]): Promise<number> => Number((await rows(g.store, sql, params))[0]!.n);
    const [period] = await rows(
      g.store,
      `SELECT strftime("Min_Date", '%Y-%m-%d') lo, strftime("Max_Date", '%Y-%m-%d') hi FROM spectrum."SY_PROCESSING_DATES_MC" WHERE "Company_Code" = '1' AND "Module" = 'AR'`,
    );
    const chicago = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/Chicago',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    for (const r of t.writeback_preflight) {
      if (r.record_type === 'job') {
        const job = await doc('jobs', r.buildops_id);
        const customer = await doc('customers', String(job.customerId));
        const inSpectrum = customer.accountingRefId
          ? await count(`SELECT count(*)::INT n FROM spectrum."CR_CUSTOMER_MASTER_MC" WHERE "Company_Code" = '1' AND trim("Customer_Code") = $1`, [
              String(customer.accountingRefId),
            ])
          : 0;
        expect(r.rules.includes('customer_not_in_spectrum'), r.buildops_id).toBe(inSpectrum === 0);
        const taken = await count(`SELECT count(*)::INT n FROM spectrum."JC_JOB_MASTER_MC" WHERE "Company_Code" = '1' AND trim("Job_Number") = $1`, [
          String(job.jobNumber),
        ]);
        expect(r.rules.includes('duplicate_number'), r.buildops_id).toBe(taken > 0);
      }
      if (r.record_type === 'invoice') {
        const inv = await doc('invoices', r.buildops_id);
        const day = chicago.format(new Date(Number(inv.issuedDate) * 1000));
        expect(r.rules.includes('closed_period'), r.buildops_id).toBe(day < String(period!.lo) || day > String(period!.hi));
        const items = (inv.invoiceItems as { itemCode: string }[]).map((i) => i.itemCode);
        let unmapped = false;
        for (const code of items) if ((await count('SELECT count(*)::INT n FROM sandbox.cost_code_map WHERE item_code = $1', [code])) === 0) unmapped = true;
        expect(r.rules.includes('unmapped_item'), r.buildops_id).toBe(unmapped);
        const numberTaken = await count(
          `SELECT (SELECT count(*) FROM spectrum."CR_INVOICE_HEADER_MC" WHERE "Company_Code" = '1' AND trim("Invoice_Or_Transaction") = $1) + (SELECT count(*) FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE "Company_Code" = '1' AND trim("Invoice_Or_Transaction") = $1) AS n`,
          [String(inv.invoiceNumber)],
        );
        expect(r.rules.includes('duplicate_number'), r.buildops_id).toBe(numberTaken > 0);
        expect(r.rules.includes('negative_amount')).toBe(Number(inv.totalAmount) < 0);
      }
    }
    expect(t.writeback_preflight.some((r) => r.rules.length === 0)).toBe(true);
  });

  it('compliance truth covers every active assignment, with the expiring-on-as-of COI still good', async () => {
    const jobs = (await rows(g.store, 'SELECT doc FROM buildops.jobs')).map(
      (r) =>
        JSON.parse(String(r.doc)) as {
          jobNumber: string;
          assignedSubcontractors: {
            vendorAccountingRefId: string;
            startDate: string;
            endDate: string | null;
          }[];
        },
    );
    const active = jobs.flatMap((j) =>
      j.assignedSubcontractors
        .filter((a) => a.startDate <= t.asOf && (a.endDate === null || a.endDate >= t.asOf))
        .map((a) => `${j.jobNumber}|${a.vendorAccountingRefId}`),
    );
    expect(t.subcontractor_compliance.map((r) => `${r.job_number}|${r.vendor_code}`).sort()).toEqual(active.sort());
    expect(t.subcontractor_compliance.some((r) => r.coi_expires_on === t.asOf && r.is_compliant)).toBe(true);
    const [blank] = await rows(g.store, `SELECT count(*)::INT n FROM spectrum."VN_COMPLIANCE_MC" WHERE "Company_Code" = '1' AND "Job_Number" IS NULL`);
    expect(blank!.n).toBeGreaterThan(0);
  });
});

describe('sandbox at small scale', () => {
  it('generates with every planted type and more cases than tiny', async () => {
    const g = await generate(7, 'small');
    try {
      for (const type of EXPECTED_TYPES) expect(g.truth.planted[type] ?? 0, type).toBeGreaterThanOrEqual(1);
      expect(g.truth.planted['invoice_status.missing_in_spectrum']).toBeGreaterThanOrEqual(2);
      const [n] = await rows(g.store, 'SELECT count(*)::INT n FROM buildops.invoices');
      expect(n!.n).toBeGreaterThan(300);
    } finally {
      g.store.close();
    }
  });
});
