// Posting an entry batch, as a person does inside Spectrum: unposted invoices become invoice
// headers, details, open items (and job-cost billing rows) and leave the unposted table.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { UnpostedInvoice } from './data-exchange-records.ts';
import { UNPOSTED_PAYLOAD_DDL, centsText, invoiceTotals } from './data-exchange-records.ts';

const pad = (code: string, width: number): string => code.padEnd(width, ' ');

/** Post the unposted invoices of one batch (or of every batch); returns the invoice numbers posted. */
export async function postUnpostedBatch(store: { instance: DuckDBInstance }, batchCode?: string): Promise<string[]> {
  const connection = await store.instance.connect();
  try {
    for (const statement of UNPOSTED_PAYLOAD_DDL) await connection.run(statement);
    await connection.run('BEGIN TRANSACTION');
    try {
      const posted = await postAll(connection, batchCode);
      await connection.run('COMMIT');
      return posted;
    } catch (error) {
      await connection.run('ROLLBACK');
      throw error;
    }
  } finally {
    connection.closeSync();
  }
}

async function postAll(connection: DuckDBConnection, batchCode: string | undefined): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    `SELECT u."Company_Code" AS company, rtrim(u."Invoice_Or_Transaction") AS invoice, rtrim(u."Customer_Code") AS customer,
            rtrim(u."Job_Number") AS job, strftime(u."Invoice_Date", '%Y-%m-%d') AS invoice_date,
            CAST(u."Invoice_Extension" AS VARCHAR) AS gross, CAST(u."Retention_Amount" AS VARCHAR) AS retention,
            u."Batch_Code" AS batch, u."Remarks" AS remarks, p.payload
       FROM spectrum."CR_UNPOSTED_INVOICE_MC" u
       LEFT JOIN data_exchange.unposted_invoice p ON p.company_code = u."Company_Code" AND p.invoice = rtrim(u."Invoice_Or_Transaction")
      WHERE $batch IS NULL OR trim(u."Batch_Code") = $batch
      ORDER BY u."Entered_Date", u."Invoice_Or_Transaction"`,
    { batch: batchCode ?? null },
  );
  const posted: string[] = [];
  for (const row of reader.getRowObjectsJS()) {
    const inv = row.payload ? (JSON.parse(String(row.payload)) as UnpostedInvoice) : fromRow(row);
    await postOne(connection, inv);
    await connection.run(`DELETE FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE "Company_Code" = $c AND rtrim("Invoice_Or_Transaction") = $i`, {
      c: inv.company,
      i: inv.invoice,
    });
    await connection.run(`DELETE FROM data_exchange.unposted_invoice WHERE company_code = $c AND invoice = $i`, { c: inv.company, i: inv.invoice });
    posted.push(inv.invoice);
  }
  return posted;
}

// An unposted row the generator planted has no payload: post it as a one-line invoice.
function fromRow(row: Record<string, unknown>): UnpostedInvoice {
  const cents = (v: unknown): string => {
    const [whole = '0', frac = ''] = String(v ?? '0').split('.');
    const negative = whole.startsWith('-');
    const value = BigInt(whole.replace('-', '')) * 100n + BigInt(frac.padEnd(2, '0').slice(0, 2));
    return (negative ? -value : value).toString();
  };
  const gross = BigInt(cents(row.gross));
  return {
    company: String(row.company),
    invoice: String(row.invoice),
    customer: String(row.customer),
    job: row.job === null ? null : String(row.job),
    invoiceDate: String(row.invoice_date),
    glDate: String(row.invoice_date),
    dueDate: null,
    batchCode: String(row.batch ?? ''),
    arGlAccount: '',
    costCenter: null,
    termsCode: null,
    remarks: row.remarks === null ? null : String(row.remarks),
    retentionPercent: null,
    customerPo: null,
    transactionType: gross < 0n ? 'C' : 'I',
    lines: [
      {
        description: null,
        phase: null,
        costType: null,
        glAccount: null,
        extensionCents: gross.toString(),
        retentionCents: cents(row.retention),
        salesTaxCents: '0',
      },
    ],
  };
}

async function postOne(connection: DuckDBConnection, inv: UnpostedInvoice): Promise<void> {
  const totals = invoiceTotals(inv);
  const job = inv.job === null ? null : pad(inv.job, 10);
  const invoice = pad(inv.invoice, 10);
  const customer = pad(inv.customer, 10);
  await connection.run(
    `INSERT INTO spectrum."CR_INVOICE_HEADER_MC" ("Company_Code","Invoice_Or_Transaction","Customer_Code","Job_Number","Invoice_Date","Due_Date","Invoice_Extension","Sales_Tax_Amount","Retention_Amount","Retention_Percent","Batch_Code","AR_GL_Account","Cost_Center","Terms_Code","Remarks","Transaction_Type")
     VALUES ($c, $i, $cu, $j, CAST($d AS TIMESTAMP), CAST($due AS TIMESTAMP), CAST($g AS DECIMAL(14,2)), CAST($t AS DECIMAL(14,2)), CAST($r AS DECIMAL(14,2)), CAST($rp AS DECIMAL(9,4)), $b, $ar, $cc, $terms, $rem, $tt)`,
    {
      c: inv.company,
      i: invoice,
      cu: customer,
      j: job,
      d: inv.invoiceDate,
      due: inv.dueDate,
      g: centsText(totals.gross),
      t: centsText(totals.salesTax),
      r: centsText(totals.retention),
      rp: inv.retentionPercent,
      b: inv.batchCode,
      ar: inv.arGlAccount ? pad(inv.arGlAccount, 12) : null,
      cc: inv.costCenter === null ? null : pad(inv.costCenter, 10),
      terms: inv.termsCode,
      rem: inv.remarks,
      tt: inv.transactionType,
    },
  );
  for (const [n, line] of inv.lines.entries()) {
    await connection.run(
      `INSERT INTO spectrum."CR_INVOICE_DETAIL_MC" ("Company_Code","Invoice_Or_Transaction","Line_Number","Detail_Description","Phase_Code","Cost_Type","GL_Account","Line_Extension","Retention_Amount","Sales_Tax_Amount")
       VALUES ($c, $i, $n, $desc, $p, $ct, $gl, CAST($e AS DECIMAL(14,2)), CAST($r AS DECIMAL(14,2)), CAST($t AS DECIMAL(14,2)))`,
      {
        c: inv.company,
        i: invoice,
        n: n + 1,
        desc: line.description,
        p: line.phase === null ? null : pad(line.phase, 20),
        ct: line.costType === null ? null : pad(line.costType, 3),
        gl: line.glAccount === null ? null : pad(line.glAccount, 12),
        e: centsText(BigInt(line.extensionCents)),
        r: centsText(BigInt(line.retentionCents)),
        t: centsText(BigInt(line.salesTaxCents)),
      },
    );
    // Posting an AR invoice on a job also records the billing in job cost history.
    if (job !== null) {
      await connection.run(
        `INSERT INTO spectrum."JC_TRANSACTION_HISTORY_MC" ("Company_Code","Job_Number","Phase_Code","Cost_Type","Tran_Type_Code","Tran_Date_Text","Tran_Amount","Cost_Center","Draw_Appl_Number","Invoice_Or_Transaction")
         VALUES ($c, $j, $p, $ct, 'AR', $td, CAST($e AS DECIMAL(14,2)), $cc, NULL, $i)`,
        {
          c: inv.company,
          j: job,
          p: line.phase === null ? null : pad(line.phase, 20),
          ct: line.costType === null ? null : pad(line.costType, 3),
          td: inv.invoiceDate.replaceAll('-', ''),
          e: centsText(BigInt(line.extensionCents)),
          cc: inv.costCenter === null ? null : pad(inv.costCenter, 10),
          i: invoice,
        },
      );
    }
  }
  await connection.run(
    `INSERT INTO spectrum."CR_OPEN_ITEM_MC" ("Company_Code","Customer_Code","Invoice_Or_Transaction","Job_Number","Transaction_Type","Invoice_Date","Due_Date","Invoice_Balance")
     VALUES ($c, $cu, $i, $j, $tt, CAST($d AS TIMESTAMP), CAST($due AS TIMESTAMP), CAST($g AS DECIMAL(14,2)))`,
    { c: inv.company, cu: customer, i: invoice, j: job, tt: inv.transactionType, d: inv.invoiceDate, due: inv.dueDate, g: centsText(totals.gross) },
  );
}
