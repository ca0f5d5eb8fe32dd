/** marts.ar_aging and marts.ar_aging_by_customer against the ground truth: every open invoice and customer, to the cent. */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';
import type { ArAgingCustomerTruth, ArAgingRowTruth } from '../../../sandbox/ground-truth.ts';
import { sortedBy } from '../../support/sandbox-warehouse.ts';

export const marts = ['ar_aging', 'ar_aging_by_customer'];

export type AgingRow = ArAgingRowTruth & { company_code: string };

export async function agingRows(warehouse: Warehouse): Promise<AgingRow[]> {
  const rows = await warehouse.query<Record<string, unknown>>(`
    select company_code, customer_code, job_number, invoice_number, buildops_invoice_id,
      cast(due_date as varchar) as due_date, days_past_due, aging_bucket,
      cast(open_total as varchar) as open_total, cast(retainage_open as varchar) as retainage_open,
      cast(open_net_of_retainage as varchar) as open_net_of_retainage
    from marts.ar_aging order by invoice_number`);
  return rows.map((r) => ({ ...(r as unknown as AgingRow), days_past_due: Number(r.days_past_due) }));
}

type CustomerRow = Record<'customer_code' | 'b0' | 'b1' | 'b2' | 'b3' | 'b4' | 'net' | 'ret' | 'credits' | 'total', string>;

export async function customerRows(warehouse: Warehouse): Promise<ArAgingCustomerTruth[]> {
  const rows = await warehouse.query<CustomerRow>(`
    select customer_code,
      cast(bucket_current as varchar) as b0, cast(bucket_1_30 as varchar) as b1, cast(bucket_31_60 as varchar) as b2,
      cast(bucket_61_90 as varchar) as b3, cast(bucket_90_plus as varchar) as b4,
      cast(open_net_of_retainage as varchar) as net, cast(retainage_open as varchar) as ret,
      cast(open_credits as varchar) as credits, cast(open_total as varchar) as total
    from marts.ar_aging_by_customer order by customer_code`);
  return rows.map((r) => ({
    customer_code: r.customer_code,
    current: r.b0,
    '1-30': r.b1,
    '31-60': r.b2,
    '61-90': r.b3,
    '90+': r.b4,
    open_net_of_retainage: r.net,
    retainage_open: r.ret,
    open_credits: r.credits,
    open_total: r.total,
  }));
}

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const rows = await agingRows(warehouse);
  expect(rows.every((r) => r.company_code === truth.companyCode)).toBe(true);
  const actual = rows.map(({ company_code: _company, ...rest }) => rest);
  expect(sortedBy(actual, 'invoice_number')).toEqual(sortedBy(truth.ar_aging.rows, 'invoice_number'));

  const customers = await customerRows(warehouse);
  expect(sortedBy(customers, 'customer_code')).toEqual(sortedBy(truth.ar_aging.by_customer, 'customer_code'));

  const [totals] = await warehouse.query<Record<string, string>>(`
    select cast(sum(open_net_of_retainage) as varchar) as net, cast(sum(retainage_open) as varchar) as ret,
      cast(sum(open_credits) as varchar) as credits, cast(sum(open_total) as varchar) as total
    from marts.ar_aging_by_customer`);
  expect(totals).toEqual({
    net: truth.ar_aging.totals.open_net_of_retainage,
    ret: truth.ar_aging.totals.retainage_open,
    credits: truth.ar_aging.totals.open_credits,
    total: truth.ar_aging.totals.open_total,
  });
}
