/**
 * The write-back in the reports, after a real push to the sandbox's Spectrum on both warehouses:
 * the CFO report's section counts and sums what was sent, confirmed, waiting to be posted, blocked
 * (with its top reasons, by rule) and failed, each amount from its one defined place; the
 * reconciliation workbook's write-back sheet lists every blocked finding and every failed record
 * with rule, field, value, limit, message and fix, formula-safe; read through a reader of the marts
 * only, the section and the sheet show the same records, the failed ones included.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { writeReconciliationWorkbook } from '../../reports/excel/reconciliation.ts';
import { writeCfoReport } from '../../reports/html/index.ts';
import { reportContext } from '../../reports/html/sections.ts';
import type { Section } from '../../reports/html/sections.ts';
import { writebackSection } from '../../reports/html/writeback-section.ts';
import { readOutbox } from '../../writeback/outbox.ts';
import { push } from '../../writeback/push.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import type { PushSandbox } from '../writeback/sandbox-push.ts';
import { pushSandbox } from '../writeback/sandbox-push.ts';

const cents = (value: unknown): bigint => BigInt(Math.round(Number(value ?? 0) * 100));

describeEachWarehouse('write-back in the reports', (factory) => {
  let box: PushSandbox;
  let out: string;
  let tampered: string;
  let section: Section;
  let location: string;
  beforeAll(async () => {
    location = await factory.newLocation();
    box = await pushSandbox(1, 'tiny', location);
    out = mkdtempSync(join(tmpdir(), 'plumbline-wb-report-'));
    // One clean invoice whose payload would break a limit (the marts bypassed): it fails without being sent.
    tampered = box.truth.writeback_preflight.find((r) => r.record_type === 'invoice' && r.rules.length === 0)!.buildops_id;
    await box.warehouse.query(`update marts.writeback_outbound set customer_po = $1 where record_type = 'invoice' and buildops_id = $2`, [
      '=HYPERLINK("x")' + 'p'.repeat(20),
      tampered,
    ]);
    await push({ warehouse: box.warehouse, client: box.client(), readBack: box.readBack, runId: 'report-1', batchCode: 'BO261115', logger: silentLogger });
    section = await writebackSection(await reportContext(box.warehouse, box.truth.companyCode, box.truth.asOf));
  }, 240_000);
  afterAll(async () => {
    await box?.close();
    await factory.cleanup();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const row = (status: string): Record<string, unknown> => section.table!.rows.find((r) => r.status === status)!;

  describe('the CFO report section', () => {
    it('counts what was sent, waits to be posted, is blocked and failed, with the amounts of the outbox and the mart', async () => {
      const outbox = await readOutbox(box.warehouse);
      const invoices = box.truth.writeback_preflight.filter((r) => r.record_type === 'invoice');
      const cleanInvoices = invoices.filter((r) => r.rules.length === 0 && r.buildops_id !== tampered).map((r) => r.buildops_id);
      const blocked = box.truth.writeback_preflight.filter((r) => r.rules.length > 0);
      const clean = box.truth.writeback_preflight.filter((r) => r.rules.length === 0).length - 1;
      expect(Number(row('Sent to Spectrum').records)).toBe(clean);
      expect(Number(row('Waiting to be posted').records)).toBe(cleanInvoices.length);
      expect(Number(row('Blocked by preflight').records)).toBe(blocked.length);
      expect(Number(row('Failed').records)).toBe(1);
      // Amounts: the outbox's frozen amount for what went (or failed), the mart's invoice_total for what preflight holds.
      const total = (ids: readonly string[]): Promise<{ s: string }[]> =>
        box.warehouse.query<{ s: string }>(
          `select cast(coalesce(sum(invoice_total), 0) as varchar) as s from marts.writeback_outbound where record_type = 'invoice' and buildops_id in (${ids.map((_, i) => `$${i + 1}`).join(', ') || "''"})`,
          [...ids],
        );
      const [sentAmount] = await total(cleanInvoices);
      expect(cents(row('Sent to Spectrum').amount)).toBe(cents(sentAmount!.s));
      expect(cents(section.headlines.find((h) => h.label === 'Waiting to be posted')!.value)).toBe(cents(sentAmount!.s));
      const [blockedAmount] = await total(blocked.filter((r) => r.record_type === 'invoice').map((r) => r.buildops_id));
      expect(cents(row('Blocked by preflight').amount)).toBe(cents(blockedAmount!.s));
      const failed = outbox.find((r) => r.buildops_id === tampered)!;
      expect(failed.state).toBe('failed');
      expect(cents(row('Failed').amount)).toBe(cents(failed.amount));
    });

    it('names the top reasons by rule, the most frequent first, as the truth counts them', () => {
      const byRule = new Map<string, number>();
      for (const r of box.truth.writeback_preflight) for (const rule of r.rules) byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
      const reasons = section.table!.rows.filter((r) => String(r.status).startsWith('blocked: '));
      expect(reasons.length).toBe(Math.min(5, byRule.size));
      const counts = reasons.map((r) => Number(r.records));
      expect([...counts].sort((a, b) => b - a)).toEqual(counts);
      for (const r of reasons) expect(Number(r.records)).toBe(byRule.get(String(r.status).replace('blocked: ', '')));
      expect(counts[0]).toBe(Math.max(...byRule.values()));
      expect(section.chart?.svg).toContain('<svg');
    });

    it('is in the written report, escaped', async () => {
      const { html } = await writeCfoReport({
        warehouse: box.warehouse,
        outDir: out,
        asOf: box.truth.asOf,
        companyCode: box.truth.companyCode,
        logger: silentLogger,
      });
      const page = readFileSync(html, 'utf8');
      expect(page).toContain('<section id="writeback">');
      expect(page).toContain('Waiting to be posted');
      expect(page).toContain('Write-back to Spectrum');
    });
  });

  /** The write-back sheet of the workbook at `path`, by header. */
  const writebackSheetRows = async (path: string): Promise<Record<string, unknown>[]> => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const sheet = workbook.getWorksheet('Write-back exceptions')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const rows: Record<string, unknown>[] = [];
    sheet.eachRow((r, n) => {
      if (n === 1) return;
      const v = r.values as unknown[];
      rows.push(Object.fromEntries(header.map((h, i) => [String(h), v[i + 1]])));
    });
    return rows;
  };

  /**
   * A reader of the marts only: on Postgres a role granted SELECT on the marts schema and nothing
   * else (as plumbline_reader is); on DuckDB, where there are no roles, the warehouse itself, read
   * without the history connection (what report --reader --no-history does).
   */
  const withReader = async (work: (reader: Warehouse) => Promise<void>): Promise<void> => {
    if (factory.kind === 'duckdb') return work(box.warehouse);
    const role = `wb_reader_${process.pid}`;
    await box.warehouse.query(`create role ${role} login`);
    try {
      await box.warehouse.query(`grant usage on schema marts to ${role}`);
      await box.warehouse.query(`grant select on all tables in schema marts to ${role}`);
      const readerUrl = new URL(location);
      readerUrl.username = role;
      readerUrl.password = '';
      const reader = await openWarehouse(readerUrl.toString(), { readOnly: true, sandboxed: true });
      try {
        await expect(reader.query('select count(*) from meta.outbox')).rejects.toThrow(/permission denied/i);
        await work(reader);
      } finally {
        await reader.close();
      }
    } finally {
      await box.warehouse.query(`drop owned by ${role}`);
      await box.warehouse.query(`drop role ${role}`);
    }
  };

  describe('through a reader of the marts only', () => {
    it('the section and the sheet show the records the writer sees, the failed one included', async () => {
      await withReader(async (reader) => {
        const seen = await writebackSection(await reportContext(reader, box.truth.companyCode, box.truth.asOf));
        expect(seen.table!.rows).toEqual(section.table!.rows);
        expect(seen.headlines).toEqual(section.headlines);
        expect(Number(seen.table!.rows.find((r) => r.status === 'Failed')!.records)).toBe(1);
        const options = { asOf: box.truth.asOf, companyCode: box.truth.companyCode, logger: silentLogger };
        const writerDir = mkdtempSync(join(out, 'writer-'));
        const readerDir = mkdtempSync(join(out, 'reader-'));
        const written = await writebackSheetRows(await writeReconciliationWorkbook({ ...options, warehouse: box.warehouse, outDir: writerDir }));
        const read = await writebackSheetRows(await writeReconciliationWorkbook({ ...options, warehouse: reader, history: null, outDir: readerDir }));
        expect(read).toEqual(written);
        expect(read.filter((r) => r.State === 'failed').map((r) => [r['BuildOps id'], r.Rule, r.Amount])).toEqual([
          [tampered, 'field_limit_not_sent', Number((await readOutbox(box.warehouse)).find((r) => r.buildops_id === tampered)!.amount)],
        ]);
      });
    });
  });

  describe('the workbook sheet', () => {
    it('lists every blocked finding and the failed record with rule, field, value, limit, message and fix, formula-safe', async () => {
      // A value that a spreadsheet would run as a formula stays text.
      await box.warehouse.query(
        `update marts.writeback_preflight set value = '=SUM(1,1)' where buildops_id = (select min(buildops_id) from marts.writeback_preflight where rule = 'field_too_long') and rule = 'field_too_long'`,
      );
      const path = await writeReconciliationWorkbook({
        warehouse: box.warehouse,
        outDir: out,
        asOf: box.truth.asOf,
        companyCode: box.truth.companyCode,
        logger: silentLogger,
      });
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(path);
      const sheet = workbook.getWorksheet('Write-back exceptions')!;
      const header = (sheet.getRow(1).values as unknown[]).slice(1);
      expect(header).toEqual(['State', 'Record', 'BuildOps id', 'Outbox id', 'Amount', 'Rule', 'Field', 'Value', 'Limit', 'Message', 'Fix']);
      const rows: Record<string, unknown>[] = [];
      sheet.eachRow((r, n) => {
        if (n === 1) return;
        const v = r.values as unknown[];
        rows.push(Object.fromEntries(header.map((h, i) => [String(h), v[i + 1]])));
      });
      const [findings] = await box.warehouse.query<{ n: number }>(`select count(*) as n from marts.writeback_preflight`);
      expect(rows.filter((r) => r.State === 'blocked').length).toBe(Number(findings!.n));
      for (const r of rows.filter((r) => r.State === 'blocked'))
        for (const k of ['Rule', 'Field', 'Message', 'Fix']) expect(String(r[k] ?? '').length, k).toBeGreaterThan(0);
      expect(rows.filter((r) => r.State === 'blocked' && r.Rule === 'field_too_long').every((r) => /^\d+$/.test(String(r.Limit)))).toBe(true);
      const failed = rows.filter((r) => r.State === 'failed');
      expect(failed.length).toBe(1);
      expect(failed[0]).toMatchObject({ 'BuildOps id': tampered, Rule: 'field_limit_not_sent', Field: 'Customer_PO' });
      expect(String(failed[0]!.Message)).toMatch(/^Not sent to Spectrum: Customer PO is 35 characters; Spectrum allows 25/);
      // Formula-like text is kept as text, never a formula.
      expect(rows.some((r) => r.Value === "'=SUM(1,1)")).toBe(true);
      sheet.eachRow((r) => r.eachCell((cell) => expect(cell.formula).toBeUndefined()));
    });
  });
});
