/**
 * For contrast: a naive loader, one parameterised INSERT per row (BuildOps invoices and their
 * lines), the way the design rules out. Run at a small size only.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { jsonArrayBatches } from '../extract/buildops/json-array-file.ts';

interface Invoice {
  id: string;
  invoiceNumber?: string;
  status?: string;
  totalAmount?: number;
  invoiceItems?: { lineNumber?: number; itemCode?: string; amount?: number }[];
}

/** Inserts the first `records` invoices of the export, row by row; returns the rows inserted. */
export async function naiveInsertLoad(exportDir: string, path: string, records: number): Promise<number> {
  const invoices: Invoice[] = [];
  for await (const batch of (await jsonArrayBatches(join(exportDir, 'buildops', 'invoices.json'), records))!) {
    invoices.push(...(batch as Invoice[]).slice(0, records - invoices.length));
    if (invoices.length >= records) break;
  }
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  let rows = 0;
  try {
    await conn.run('CREATE TABLE invoices (id VARCHAR, invoice_number VARCHAR, status VARCHAR, total_amount DECIMAL(18,2))');
    await conn.run('CREATE TABLE invoice_items (invoice_id VARCHAR, line_number INTEGER, item_code VARCHAR, amount DECIMAL(18,2))');
    for (const invoice of invoices) {
      await conn.run('INSERT INTO invoices VALUES ($1, $2, $3, CAST($4 AS DECIMAL(18,2)))', [
        invoice.id,
        invoice.invoiceNumber ?? null,
        invoice.status ?? null,
        String(invoice.totalAmount ?? 0),
      ]);
      rows++;
      for (const [i, item] of (invoice.invoiceItems ?? []).entries()) {
        await conn.run('INSERT INTO invoice_items VALUES ($1, $2, $3, CAST($4 AS DECIMAL(18,2)))', [
          invoice.id,
          item.lineNumber ?? i + 1,
          item.itemCode ?? null,
          String(item.amount ?? 0),
        ]);
        rows++;
      }
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return rows;
}
