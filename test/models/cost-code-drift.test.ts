/**
 * marts.cost_code_drift: hand-written cases added to a loaded sandbox's raw tables (items ZZ-*,
 * jobs ZJOB*). The comparison with the ground truth is in truth/cost-code-drift.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { loadSandbox, rebuild, removeSandboxExports, sortedBy } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { driftRows } from './truth/cost-code-drift.ts';
import type { DriftRow } from './truth/cost-code-drift.ts';

afterAll(() => removeSandboxExports());

describeEachWarehouse('cost_code_drift hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let asOf: string;
  let company: string;

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    ({ warehouse, config, asOf } = loaded);
    company = loaded.truth.companyCode;

    // Spectrum: jobs ZJOB1 and ZJOB2 in the run's company; ZJOB9 only in another company.
    // ZJOB1 has phase ZZ200/E inactive and ZZ300/L active. GL ZZ9000 allows any cost type
    // (blank: spaces), ZZ5000 only L; in the other company ZZ9000 allows only E.
    await warehouse.query(`insert into raw.spectrum__jc_job_master_mc (company_code, job_number, job_description, status_code, customer_code)
      values ('${company}', 'ZJOB1 ', 'Test job one', 'A', 'ZZTEST'), ('${company}', 'ZJOB2 ', 'Test job two', 'A', 'ZZTEST'),
        ('2', 'ZJOB9 ', 'Other company job', 'A', 'ZZTEST')`);
    await warehouse.query(`insert into raw.spectrum__jc_phase_master_mc (company_code, job_number, phase_code, cost_type, description, status_code)
      values ('${company}', 'ZJOB1 ', 'ZZ200 ', 'E', 'Lift', 'I'), ('${company}', 'ZJOB1 ', 'ZZ300 ', 'L', 'Labor', 'A'),
        ('2', 'ZJOB9 ', 'ZZ300 ', 'L', 'Labor', 'I')`);
    await warehouse.query(`insert into raw.spectrum__gl_master_mc (company_code, gl_account, description, account_type, is_direct_cost, cost_type)
      values ('${company}', 'ZZ9000', 'Any cost', 'Expense', 'Y', '  '), ('${company}', 'ZZ5000', 'Labor cost', 'Expense', 'Y', 'L'),
        ('2', 'ZZ9000', 'Equipment cost', 'Expense', 'Y', 'E')`);

    // BuildOps pricebook and the user's mapping.
    await warehouse.query(`insert into raw.buildops__products (id, code, name, type, is_active, gl_expense_account, gl_revenue_account, cost_type)
      values
      ('zz-p-unmapped', 'ZZ-UNMAPPED', 'Unmapped part', 'material', true, 'ZZ9000', '400000', 'M'),
      ('zz-p-unused', 'ZZ-UNUSED', 'Unmapped, never billed', 'material', true, 'ZZ9000', '400000', 'M'),
      ('zz-p-old', 'ZZ-OLD', 'Retired, unmapped', 'material', false, 'ZZ9000', '400000', 'M'),
      ('zz-p-pipe', 'ZZ-PIPE', 'Pipe', 'material', true, 'ZZ9000', '400000', 'M'),
      ('zz-p-lift', 'ZZ-LIFT', 'Lift', 'equipment', true, 'ZZ9000', '400000', 'E'),
      ('zz-p-ok', 'ZZ-OK', 'Labor', 'labor', true, 'ZZ9000', '400000', 'L'),
      ('zz-p-any', 'ZZ-ANY', 'Other', 'other', true, 'ZZ9000', '400000', 'O'),
      ('zz-p-tape', 'ZZ-TAPE', 'Tape', 'material', true, 'ZZ5000', '400000', 'M')`);
    await warehouse.query(`insert into raw.mappings__cost_code_map (item_code, phase_code, cost_type)
      values ('ZZ-PIPE', 'ZZ100', 'M'), ('ZZ-LIFT', 'ZZ200', 'E'), ('ZZ-OK', 'ZZ300', 'L'), ('ZZ-ANY', 'ZZ300', 'O'), ('ZZ-TAPE', 'ZZ300', 'M')`);

    // BuildOps invoices (Draft, not synced, unless said otherwise).
    const invoice = (id: string, number: string, status: string, job: string, total: string, sync = 'NotSynced'): string =>
      `('${id}', '${number}', '${status}', '${job}', ${total}, ${total}, 0.00, '${sync}')`;
    await warehouse.query(`insert into raw.buildops__invoices (id, invoice_number, status, job_number, subtotal, total_amount, tax_amount, sync_status)
      values
      ${invoice('zz-bo-u1', 'ZU-1', 'Draft', 'ZJOB1', '100.00')},
      ${invoice('zz-bo-u2', 'ZU-2', 'Draft', 'ZJOB2', '25.50')},
      ${invoice('zz-bo-u3', 'ZU-3', 'Void', 'ZJOB1', '999.00')},
      ${invoice('zz-bo-p1', 'Zb-1', 'Draft', 'ZJOB1', '50.00')},
      ${invoice('zz-bo-p2', 'ZB-2', 'Draft', 'ZJOB1', '65.00')},
      ${invoice('zz-bo-n1', 'ZN-1', 'Draft', 'ZJOB9', '80.00')},
      ${invoice('zz-bo-s1', 'ZS-1', 'Exported', 'ZJOB1', '300.00', 'Synced')}`);
    const line = (invoiceId: string, position: number, item: string, amount: string): string =>
      `('${invoiceId}', ${position}, '${invoiceId}-${position}', 'MiscLineItem', 'zz-p-${item.slice(3).toLowerCase()}', '${item}', ${amount})`;
    await warehouse.query(`insert into raw.buildops__invoices__items (invoice_id, position, id, line_item_type, product_id, item_code, amount)
      values
      ${line('zz-bo-u1', 1, 'ZZ-UNMAPPED', '100.00')},
      ${line('zz-bo-u2', 1, 'ZZ-UNMAPPED', '25.50')},
      ${line('zz-bo-u3', 1, 'ZZ-UNMAPPED', '999.00')},
      ${line('zz-bo-p1', 1, 'ZZ-PIPE', '10.00')},
      ${line('zz-bo-p1', 2, 'ZZ-LIFT', '40.00')},
      ${line('zz-bo-p2', 1, 'ZZ-OK', '5.00')},
      ${line('zz-bo-p2', 2, 'ZZ-OK', '5.00')},
      ${line('zz-bo-p2', 3, 'ZZ-PIPE', '20.00')},
      ${line('zz-bo-p2', 4, 'ZZ-OK', '5.00')},
      ${line('zz-bo-p2', 5, 'ZZ-PIPE', '30.00')},
      ${line('zz-bo-n1', 1, 'ZZ-LIFT', '70.00')},
      ${line('zz-bo-n1', 2, 'ZZ-PIPE', '10.00')},
      ${line('zz-bo-s1', 1, 'ZZ-OK', '100.00')},
      ${line('zz-bo-s1', 2, 'ZZ-OK', '200.00')}`);

    // zz-bo-s1 posted in Spectrum, renumbered ZZS-1R (matched by Remarks): line 1 on the mapped
    // phase, line 2 on another phase + cost type.
    await warehouse.query(`insert into raw.spectrum__cr_invoice_header_mc
      (company_code, invoice_or_transaction, customer_code, job_number, invoice_date, invoice_extension, retention_amount, remarks, transaction_type)
      values ('${company}', 'ZZS-1R ', 'ZZTEST ', 'ZJOB1 ', CAST('2026-11-01' AS DATE), 300.00, 0.00, 'BO:zz-bo-s1', 'I')`);
    await warehouse.query(`insert into raw.spectrum__cr_invoice_detail_mc
      (company_code, invoice_or_transaction, line_number, detail_description, phase_code, cost_type, gl_account, line_extension)
      values ('${company}', 'ZZS-1R ', 1, 'Labor', 'ZZ300 ', 'L', '400000', 100.00), ('${company}', 'ZZS-1R ', 2, 'Labor', 'ZZ200 ', 'E', '400000', 200.00)`);
    await rebuild(warehouse, config, asOf);
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  async function zzRows(): Promise<DriftRow[]> {
    return sortedBy(
      (await driftRows(warehouse)).filter((r) => r.item_code?.startsWith('ZZ-')),
      'finding_type',
      'item_code',
    );
  }

  const nulls = {
    job_number: null,
    phase_code: null,
    cost_type: null,
    mapped_phase_code: null,
    mapped_cost_type: null,
    gl_account: null,
    invoice_number: null,
    line_number: null,
    buildops_invoice_id: null,
  };

  it('an unmapped item used on two jobs gives one row only (Σ of its non-void lines), never line-level rows', async () => {
    const rows = (await zzRows()).filter((r) => r.item_code === 'ZZ-UNMAPPED');
    expect(rows).toEqual([
      {
        company_code: company,
        finding_type: 'unmapped_item',
        item_code: 'ZZ-UNMAPPED',
        ...nulls,
        amount: '125.50',
        detail:
          'Item ZZ-UNMAPPED is active in the BuildOps pricebook but has no row in cost_code_map.csv (125.50 billed on non-void invoices): map it to a Spectrum phase and cost type.',
      },
    ]);
  });

  it('an unmapped item never billed is found with amount 0.00; an inactive unmapped item is not', async () => {
    const rows = await zzRows();
    expect(rows.find((r) => r.item_code === 'ZZ-UNUSED')).toMatchObject({ finding_type: 'unmapped_item', amount: '0.00', invoice_number: null });
    expect(rows.filter((r) => r.item_code === 'ZZ-OLD')).toEqual([]);
  });

  it('an item on three lines of one job gives one row: Σ amounts, the first line by invoice number in byte order, then position', async () => {
    // 'ZB-2' < 'Zb-1' in byte order (a linguistic collation would put Zb-1 first).
    const rows = (await zzRows()).filter((r) => r.item_code === 'ZZ-PIPE');
    expect(rows).toEqual([
      {
        company_code: company,
        finding_type: 'mapping_target_missing',
        item_code: 'ZZ-PIPE',
        job_number: 'ZJOB1',
        phase_code: 'ZZ100',
        cost_type: 'M',
        mapped_phase_code: 'ZZ100',
        mapped_cost_type: 'M',
        gl_account: null,
        invoice_number: 'ZB-2',
        line_number: 3,
        buildops_invoice_id: 'zz-bo-p2',
        amount: '60.00',
        detail:
          'Item ZZ-PIPE maps to phase ZZ100/M, which does not exist on job ZJOB1: 3 invoice lines (60.00, first on invoice ZB-2 line 3). Add the phase to the job in Spectrum or correct cost_code_map.csv.',
      },
    ]);
  });

  it('a mapping to a phase that is inactive on the job is mapping_target_inactive', async () => {
    const rows = (await zzRows()).filter((r) => r.item_code === 'ZZ-LIFT');
    expect(rows).toEqual([
      {
        company_code: company,
        finding_type: 'mapping_target_inactive',
        item_code: 'ZZ-LIFT',
        job_number: 'ZJOB1',
        phase_code: 'ZZ200',
        cost_type: 'E',
        mapped_phase_code: 'ZZ200',
        mapped_cost_type: 'E',
        gl_account: null,
        invoice_number: 'Zb-1',
        line_number: 2,
        buildops_invoice_id: 'zz-bo-p1',
        amount: '40.00',
        detail:
          'Item ZZ-LIFT maps to phase ZZ200/E, which is inactive (status I) on job ZJOB1: 1 invoice line (40.00, first on invoice Zb-1 line 2). Reactivate the phase in Spectrum or correct cost_code_map.csv.',
      },
    ]);
  });

  it('lines on a job Spectrum does not have (in the run company) give no line-level rows', async () => {
    expect((await zzRows()).filter((r) => r.job_number === 'ZJOB9' || r.invoice_number === 'ZN-1')).toEqual([]);
  });

  it('a GL account allowing any cost type (blank) is not a mismatch; one allowing another cost type is', async () => {
    const rows = (await zzRows()).filter((r) => r.finding_type === 'gl_cost_type_mismatch');
    expect(rows).toEqual([
      {
        company_code: company,
        finding_type: 'gl_cost_type_mismatch',
        item_code: 'ZZ-TAPE',
        ...nulls,
        cost_type: 'L',
        mapped_phase_code: 'ZZ300',
        mapped_cost_type: 'M',
        gl_account: 'ZZ5000',
        amount: null,
        detail:
          "Item ZZ-TAPE: its expense GL account ZZ5000 allows cost type L only, but cost_code_map.csv maps it to phase ZZ300/M: correct the mapping or the item's GL account.",
      },
    ]);
  });

  it('a posted Spectrum line on another phase than its item maps to is posted_cost_code_mismatch (Spectrum number and amount)', async () => {
    const rows = (await zzRows()).filter((r) => r.finding_type === 'posted_cost_code_mismatch');
    expect(rows).toEqual([
      {
        company_code: company,
        finding_type: 'posted_cost_code_mismatch',
        item_code: 'ZZ-OK',
        job_number: 'ZJOB1',
        phase_code: 'ZZ200',
        cost_type: 'E',
        mapped_phase_code: 'ZZ300',
        mapped_cost_type: 'L',
        gl_account: null,
        invoice_number: 'ZZS-1R',
        line_number: 2,
        buildops_invoice_id: 'zz-bo-s1',
        amount: '200.00',
        detail:
          'Invoice ZZS-1R line 2 (item ZZ-OK, 200.00) was posted in Spectrum to phase ZZ200/E on job ZJOB1, but cost_code_map.csv maps the item to ZZ300/L: revenue on the wrong cost code; correct the posting in Spectrum.',
      },
    ]);
  });

  it('the first line stays in byte order when the invoice number column has a linguistic collation', async () => {
    // Postgres columns take the database's collation (en_US on many servers), which sorts
    // 'Zb-1' before 'ZB-2'. Give the raw column such a collation and rebuild.
    const collation = factory.kind === 'postgres' ? '"en-x-icu"' : 'nocase';
    if (factory.kind === 'postgres') {
      const [icu] = await warehouse.query<{ n: string | number }>(`select count(*) as n from pg_collation where collname = 'en-x-icu'`);
      if (Number(icu?.n) === 0) return; // a Postgres built without ICU: nothing to prove here
      await warehouse.query('drop view staging.stg_buildops__invoices cascade');
    }
    await warehouse.query(`alter table raw.buildops__invoices alter column invoice_number type varchar collate ${collation}`);
    await rebuild(warehouse, config, asOf);
    if (factory.kind === 'postgres') {
      // The proof that the collation bites: a plain order now puts Zb-1 first.
      const [first] = await warehouse.query<{ n: string }>(
        `select invoice_number as n from staging.stg_buildops__invoices where invoice_number in ('Zb-1', 'ZB-2') order by invoice_number limit 1`,
      );
      expect(first?.n).toBe('Zb-1');
    }
    const row = (await zzRows()).find((r) => r.item_code === 'ZZ-PIPE');
    expect(row).toMatchObject({ invoice_number: 'ZB-2', line_number: 3, amount: '60.00' });
  });
});
