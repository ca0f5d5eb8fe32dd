/**
 * Reads Spectrum back, live, over SQL: is this record there, posted or waiting in an unposted
 * batch? Used before any retry of a record whose previous attempt may have reached Spectrum, to
 * confirm sent records, and to check a person's mark-synced. It uses the same Spectrum SQL client
 * as the extractor (one module, not a second client), never the windowed extract.
 */
import type { SpectrumSqlClient } from '../extract/spectrum/sql-client.ts';
import type { RecordType, SpectrumFields } from './payload.ts';

/** Where a record was found in Spectrum. */
export interface FoundRecord {
  /** `posted` (invoice header, job or phase master) or `unposted` (an imported invoice waiting in its batch). */
  where: 'posted' | 'unposted';
  /** Spectrum's key of the record (invoice number, job number, job/phase/cost type). */
  ref: string;
  /** For an invoice: whether its Remarks carry this record's `BO:<id>` (else only the number matched). */
  ours: boolean;
}

/** What write-back needs to know of Spectrum, live. */
export interface SpectrumReadBack {
  /** The record of this type with these Spectrum fields, or null when Spectrum has none. */
  find(recordType: RecordType, fields: SpectrumFields): Promise<FoundRecord | null>;
  /** A posted or unposted invoice of this customer, date and amount (for mark-synced), or null. */
  findInvoiceLike(company: string, customer: string, date: string, amount: string): Promise<FoundRecord | null>;
}

const TRIM = (column: string): string => `RTRIM(LTRIM(${column}))`;

/** The live read-back over Spectrum SQL. */
export class SqlReadBack implements SpectrumReadBack {
  constructor(private readonly client: SpectrumSqlClient) {}

  async find(recordType: RecordType, fields: SpectrumFields): Promise<FoundRecord | null> {
    const company = fields.Company_Code ?? '';
    if (recordType === 'job') {
      const rows = await this.rows(
        `SELECT ${TRIM('[Job_Number]')} AS [ref] FROM [dbo].[JC_JOB_MASTER_MC] WHERE [Company_Code] = @c AND ${TRIM('[Job_Number]')} = @job`,
        { c: company, job: fields.Job_Number ?? '' },
        'JC_JOB_MASTER_MC',
      );
      return rows[0] ? { where: 'posted', ref: String(rows[0].ref), ours: true } : null;
    }
    if (recordType === 'phase') {
      const rows = await this.rows(
        `SELECT ${TRIM('[Job_Number]')} AS [job], ${TRIM('[Phase_Code]')} AS [phase], ${TRIM('[Cost_Type]')} AS [cost_type] FROM [dbo].[JC_PHASE_MASTER_MC]
          WHERE [Company_Code] = @c AND ${TRIM('[Job_Number]')} = @job AND ${TRIM('[Phase_Code]')} = @phase AND ${TRIM('[Cost_Type]')} = @ct`,
        { c: company, job: fields.Job_Number ?? '', phase: fields.Phase_Code ?? '', ct: fields.Cost_Type ?? '' },
        'JC_PHASE_MASTER_MC',
      );
      return rows[0] ? { where: 'posted', ref: `${String(rows[0].job)}/${String(rows[0].phase)}/${String(rows[0].cost_type)}`, ours: true } : null;
    }
    const parameters = { c: company, n: fields.Invoice_Or_Transaction ?? '', r: fields.Remarks ?? '' };
    // By Remarks = BO:<id> first (it survives a renumbering), then by number; posted before unposted.
    for (const [where, table] of [
      ['posted', 'CR_INVOICE_HEADER_MC'],
      ['unposted', 'CR_UNPOSTED_INVOICE_MC'],
    ] as const) {
      const rows = await this.rows(
        `SELECT ${TRIM('[Invoice_Or_Transaction]')} AS [ref], ${TRIM('[Remarks]')} AS [remarks] FROM [dbo].[${table}]
          WHERE [Company_Code] = @c AND (${TRIM('[Remarks]')} = @r OR ${TRIM('[Invoice_Or_Transaction]')} = @n)`,
        parameters,
        table,
      );
      const ours = rows.find((r) => parameters.r !== '' && String(r.remarks ?? '') === parameters.r);
      if (ours) return { where, ref: String(ours.ref), ours: true };
      if (rows[0]) return { where, ref: String(rows[0].ref), ours: false };
    }
    return null;
  }

  async findInvoiceLike(company: string, customer: string, date: string, amount: string): Promise<FoundRecord | null> {
    for (const [where, table] of [
      ['posted', 'CR_INVOICE_HEADER_MC'],
      ['unposted', 'CR_UNPOSTED_INVOICE_MC'],
    ] as const) {
      const rows = await this.rows(
        `SELECT ${TRIM('[Invoice_Or_Transaction]')} AS [ref] FROM [dbo].[${table}]
          WHERE [Company_Code] = @c AND ${TRIM('[Customer_Code]')} = @cust
            AND CONVERT(varchar(10), CAST([Invoice_Date] AS date), 23) = @d AND CAST([Invoice_Extension] AS varchar(40)) = @a`,
        { c: company, cust: customer, d: date, a: amount },
        table,
      );
      if (rows[0]) return { where, ref: String(rows[0].ref), ours: false };
    }
    return null;
  }

  private async rows(query: string, parameters: Record<string, string>, table: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const row of this.client.stream(query, parameters, { table, purpose: 'write-back read-back', overridden: false })) out.push(row);
    return out;
  }
}
