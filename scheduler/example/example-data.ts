/**
 * A small built-in example: a few Spectrum AR invoices, open items and retention payments of
 * one contractor, enough to show the pipeline end to end before any source is configured.
 * (The sandbox — a whole simulated contractor with both systems — replaces it in `plumbline demo`.)
 */
import type { TableSpec } from '../../load/types.ts';

export const EXAMPLE_TABLES: TableSpec[] = [
  {
    schema: 'raw',
    name: 'example__invoices',
    primaryKey: ['invoice_number'],
    columns: [
      { name: 'invoice_number', type: 'varchar' },
      { name: 'customer_code', type: 'varchar' },
      { name: 'customer_name', type: 'varchar' },
      { name: 'due_date', type: 'date' },
      { name: 'gross_amount', type: 'decimal(18,2)' },
      { name: 'retainage_billed', type: 'decimal(18,2)' },
      { name: 'retainage_paid', type: 'decimal(18,2)' },
      { name: 'open_total', type: 'decimal(18,2)' },
    ],
  },
];

// Codes padded as Spectrum pads them: the staging model trims.
export const EXAMPLE_ROWS = [
  {
    invoice_number: '24017-01  ',
    customer_code: 'NORTHWIND ',
    customer_name: 'Northwind Medical Center',
    due_date: '2026-08-30',
    gross_amount: '84200.00',
    retainage_billed: '8420.00',
    retainage_paid: '0.00',
    open_total: '8420.00',
  },
  {
    invoice_number: '24017-02  ',
    customer_code: 'NORTHWIND ',
    customer_name: 'Northwind Medical Center',
    due_date: '2026-10-30',
    gross_amount: '61500.00',
    retainage_billed: '6150.00',
    retainage_paid: '0.00',
    open_total: '61500.00',
  },
  {
    invoice_number: 'S-10442   ',
    customer_code: 'HARBOR    ',
    customer_name: 'Harbor Point Offices',
    due_date: '2026-11-20',
    gross_amount: '1840.55',
    retainage_billed: '0.00',
    retainage_paid: '0.00',
    open_total: '1840.55',
  },
  {
    invoice_number: 'S-10388   ',
    customer_code: 'HARBOR    ',
    customer_name: 'Harbor Point Offices',
    due_date: '2026-09-12',
    gross_amount: '2210.00',
    retainage_billed: '0.00',
    retainage_paid: '0.00',
    open_total: '2210.00',
  },
  {
    invoice_number: '23988-07  ',
    customer_code: 'LAKESIDE  ',
    customer_name: 'Lakeside School District',
    due_date: '2026-07-15',
    gross_amount: '120000.00',
    retainage_billed: '12000.00',
    retainage_paid: '4000.00',
    open_total: '8000.00',
  },
  {
    invoice_number: 'S-10490   ',
    customer_code: 'MERIDIAN  ',
    customer_name: 'Meridian Cold Storage',
    due_date: '2026-10-01',
    gross_amount: '9875.40',
    retainage_billed: '0.00',
    retainage_paid: '0.00',
    open_total: '4875.40',
  },
];
