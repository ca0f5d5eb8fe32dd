/**
 * marts.service_ticket_batches and service_ticket_batch_lines: hand-written tickets added to a
 * sandbox's BuildOps export before it is loaded, so that issue dates go through the real
 * extractor (epoch seconds → the company's calendar date). (The comparison with the ground
 * truth is in truth/service-ticket-batches.ts.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { runModels } from '../../transform/index.ts';
import { filesConfig, loadAndBuild, rebuild, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { batchLineRows, batchRows } from './truth/service-ticket-batches.ts';
import type { BatchRow } from './truth/service-ticket-batches.ts';

afterAll(() => removeSandboxExports());

/** Epoch seconds (as BuildOps sends issuedDate) of a UTC instant. */
function epoch(isoUtc: string): string {
  return String(Date.parse(isoUtc) / 1000);
}

interface Ticket {
  number: string;
  customer: string;
  department: string;
  issuedUtc: string;
  subtotal: number;
  tax: number;
  status?: string;
  syncStatus?: string;
  projectId?: string | null;
}

/** A BuildOps invoice record as the API (and the export file) has it. */
function invoiceRecord(t: Ticket): Record<string, unknown> {
  return {
    id: `zz-inv-${t.number}`,
    invoiceNumber: t.number,
    status: t.status ?? 'Approved',
    customerId: t.customer,
    billingCustomerId: t.customer,
    customerPropertyId: null,
    jobId: 'zz-job-s',
    jobNumber: 'ZS001',
    projectId: t.projectId ?? null,
    departmentName: t.department,
    issuedDate: epoch(t.issuedUtc),
    dueDate: epoch(t.issuedUtc),
    paymentTermName: 'Net 30',
    subtotal: t.subtotal,
    taxAmount: t.tax,
    salesTaxRate: 8.25,
    totalAmount: Math.round((t.subtotal + t.tax) * 100) / 100,
    retainageAmount: 0,
    retainagePercent: null,
    customerProvidedPONumber: null,
    invoiceItems: [],
    payments: [],
    accountingRefId: t.syncStatus === 'Synced' ? t.number : '',
    syncStatus: t.syncStatus ?? 'NotSynced',
    syncError: null,
    audit: {
      createdDate: '2026-11-12T21:04:31.000Z',
      lastUpdatedDate: '2026-11-12T21:04:31.000Z',
      lastUpdatedDateTime: 1794517471000,
      createdBy: 'test@contractor.example',
      lastUpdatedBy: 'test@contractor.example',
    },
    version: 1,
  };
}

function appendRecords(dir: string, endpoint: string, records: Record<string, unknown>[]): void {
  const path = join(dir, 'buildops', `${endpoint}.json`);
  const existing = JSON.parse(readFileSync(path, 'utf8')) as unknown[];
  writeFileSync(path, JSON.stringify([...existing, ...records]));
}

const audit = {
  createdDate: '2026-01-01T00:00:00.000Z',
  lastUpdatedDate: '2026-01-01T00:00:00.000Z',
  lastUpdatedDateTime: 1767225600000,
  createdBy: 'test@contractor.example',
  lastUpdatedBy: 'test@contractor.example',
};

describeEachWarehouse('service_ticket_batches hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let asOf: string;

  beforeAll(async () => {
    const { dir, truth } = await sandboxExport(1, 'tiny');
    // Customer ZZCUST (Spectrum code set) and a customer not in Spectrum yet (no accountingRefId).
    appendRecords(dir, 'customers', [
      { id: 'zz-cust-1', customerNumber: '9901', name: 'Zed Test Customer', status: 'active', isActive: true, accountingRefId: 'ZZCUST', audit, version: 1 },
      { id: 'zz-cust-2', customerNumber: '9902', name: 'Zed New Customer', status: 'active', isActive: true, accountingRefId: '', audit, version: 1 },
    ]);
    appendRecords(dir, 'invoices', [
      // Two Service tickets the same Chicago day: one batch.
      invoiceRecord({ number: 'ZT01', customer: 'zz-cust-1', department: 'Service', issuedUtc: '2026-11-10T15:00:00Z', subtotal: 100, tax: 8.25 }),
      invoiceRecord({ number: 'ZT02', customer: 'zz-cust-1', department: 'Service', issuedUtc: '2026-11-10T22:00:00Z', subtotal: 1000.5, tax: 0 }),
      // Same customer and day, another department: another batch; an unmapped department: cost center ''.
      invoiceRecord({ number: 'ZT03', customer: 'zz-cust-1', department: 'HVAC', issuedUtc: '2026-11-10T16:00:00Z', subtotal: 250, tax: 20.63 }),
      invoiceRecord({ number: 'ZT04', customer: 'zz-cust-1', department: 'Landscaping', issuedUtc: '2026-11-10T16:00:00Z', subtotal: 75, tax: 0 }),
      // 21:30 in Chicago on 2026-11-11 is 03:30 UTC on 2026-11-12.
      invoiceRecord({ number: 'ZT05', customer: 'zz-cust-1', department: 'Service', issuedUtc: '2026-11-12T03:30:00Z', subtotal: 310, tax: 4.13 }),
      // A duplicate of ZT05 (same total, another number, same day): batched all the same.
      invoiceRecord({ number: 'ZT06', customer: 'zz-cust-1', department: 'Service', issuedUtc: '2026-11-11T18:00:00Z', subtotal: 310, tax: 4.13 }),
      // Not batched: a project invoice, a synced one, a draft, and one whose customer has no Spectrum code.
      invoiceRecord({
        number: 'ZT07',
        customer: 'zz-cust-1',
        department: 'Service',
        issuedUtc: '2026-11-10T15:00:00Z',
        subtotal: 500,
        tax: 0,
        projectId: 'zz-proj',
      }),
      invoiceRecord({
        number: 'ZT08',
        customer: 'zz-cust-1',
        department: 'Service',
        issuedUtc: '2026-11-10T15:00:00Z',
        subtotal: 600,
        tax: 0,
        syncStatus: 'Synced',
      }),
      invoiceRecord({
        number: 'ZT09',
        customer: 'zz-cust-1',
        department: 'Service',
        issuedUtc: '2026-11-10T15:00:00Z',
        subtotal: 700,
        tax: 0,
        status: 'Draft',
      }),
      invoiceRecord({ number: 'ZT10', customer: 'zz-cust-2', department: 'Service', issuedUtc: '2026-11-10T15:00:00Z', subtotal: 800, tax: 0 }),
    ]);
    const location = await factory.newLocation();
    warehouse = await openWarehouse(location);
    config = filesConfig(dir, truth, location);
    asOf = truth.asOf; // 2026-11-15
    await loadAndBuild(warehouse, config, asOf);
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  async function zzBatches(): Promise<BatchRow[]> {
    return (await batchRows(warehouse)).filter((b) => b.customer_code === 'ZZCUST');
  }

  it('groups tickets by customer, issue date and cost center (an unmapped department is cost center "")', async () => {
    expect(await zzBatches()).toEqual([
      {
        company_code: '1',
        batch_key: 'ZZCUST|2026-11-10|',
        customer_code: 'ZZCUST',
        issue_date: '2026-11-10',
        cost_center: '',
        ticket_count: 1,
        subtotal: '75.00',
        tax_amount: '0.00',
        total_amount: '75.00',
        detail:
          'Post one summary AR invoice to customer ZZCUST dated 2026-11-10 with no cost center (department not mapped in department_cost_centers.csv) for 1 service ticket: $75.00 + $0.00 tax = $75.00',
      },
      {
        company_code: '1',
        batch_key: 'ZZCUST|2026-11-10|HVAC',
        customer_code: 'ZZCUST',
        issue_date: '2026-11-10',
        cost_center: 'HVAC',
        ticket_count: 1,
        subtotal: '250.00',
        tax_amount: '20.63',
        total_amount: '270.63',
        detail: 'Post one summary AR invoice to customer ZZCUST dated 2026-11-10 on cost center HVAC for 1 service ticket: $250.00 + $20.63 tax = $270.63',
      },
      {
        company_code: '1',
        batch_key: 'ZZCUST|2026-11-10|SVC',
        customer_code: 'ZZCUST',
        issue_date: '2026-11-10',
        cost_center: 'SVC',
        ticket_count: 2,
        subtotal: '1100.50',
        tax_amount: '8.25',
        total_amount: '1108.75',
        detail: 'Post one summary AR invoice to customer ZZCUST dated 2026-11-10 on cost center SVC for 2 service tickets: $1,100.50 + $8.25 tax = $1,108.75',
      },
      {
        company_code: '1',
        batch_key: 'ZZCUST|2026-11-11|SVC',
        customer_code: 'ZZCUST',
        issue_date: '2026-11-11',
        cost_center: 'SVC',
        ticket_count: 2,
        subtotal: '620.00',
        tax_amount: '8.26',
        total_amount: '628.26',
        detail: 'Post one summary AR invoice to customer ZZCUST dated 2026-11-11 on cost center SVC for 2 service tickets: $620.00 + $8.26 tax = $628.26',
      },
    ]);
  });

  it('a ticket issued at 21:30 Chicago time (03:30 UTC the next day) falls on the Chicago date; a duplicate is batched all the same', async () => {
    const lines = (await batchLineRows(warehouse)).filter((l) => l.batch_key.startsWith('ZZCUST|'));
    expect(lines.filter((l) => l.batch_key === 'ZZCUST|2026-11-11|SVC').map((l) => l.invoice_number)).toEqual(['ZT05', 'ZT06']);
    expect(lines.some((l) => l.batch_key.includes('2026-11-12'))).toBe(false);
  });

  it('a project invoice, a synced one, a draft and one whose customer has no Spectrum code are not batched', async () => {
    const lines = await batchLineRows(warehouse);
    const numbers = lines.filter((l) => l.invoice_number?.startsWith('ZT')).map((l) => l.invoice_number);
    expect(numbers.sort()).toEqual(['ZT01', 'ZT02', 'ZT03', 'ZT04', 'ZT05', 'ZT06']);
  });

  it('the tie-out check lines_tie_out fails the batches when a ticket is off by a cent, and the previous table stays', async () => {
    // A ticket whose BuildOps total is one cent more than its subtotal + tax.
    await warehouse.query(`insert into raw.buildops__invoices
      (id, invoice_number, status, customer_id, job_number, department_name, issued_date, issued_date_local, subtotal, tax_amount, total_amount, sync_status)
      values ('zz-inv-off', 'ZT99', 'Approved', 'zz-cust-1', 'ZS001', 'Service', CAST('2026-11-13 16:00:00' AS TIMESTAMP), CAST('2026-11-13' AS DATE),
        50.00, 0.00, 50.01, 'NotSynced')`);
    try {
      const models = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(config, asOf), runId: 'test-tie-out' });
      expect(models.find((m) => m.name === 'marts.service_ticket_batch_lines')).toMatchObject({ status: 'success' });
      const batches = models.find((m) => m.name === 'marts.service_ticket_batches');
      expect(batches).toMatchObject({ status: 'failed' });
      expect(batches?.failedCheck).toMatchObject({ name: 'lines_tie_out' });
      expect((await zzBatches()).map((b) => b.batch_key)).not.toContain('ZZCUST|2026-11-13|SVC');
    } finally {
      await warehouse.query(`delete from raw.buildops__invoices where id = 'zz-inv-off'`);
      await rebuild(warehouse, config, asOf);
    }
  });
});
