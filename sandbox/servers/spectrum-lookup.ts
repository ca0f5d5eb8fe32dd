// Reads of the store's Spectrum tables that Data Exchange validation needs. Codes are stored
// padded: every comparison trims them, as Spectrum's own char comparison ignores the padding.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

/** The settings and master data Data Exchange checks records against, for one connection. */
export class SpectrumLookup {
  constructor(private readonly connection: DuckDBConnection) {}

  /** First row of a query as an object of JS values (strings for decimals), or undefined. */
  async one(sql: string, values: Record<string, DuckDBValue> = {}): Promise<Record<string, unknown> | undefined> {
    const reader = await this.connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJS()[0] as Record<string, unknown> | undefined;
  }

  private async exists(sql: string, values: Record<string, DuckDBValue>): Promise<boolean> {
    return (await this.one(sql, values)) !== undefined;
  }

  /** JC installation settings of a company (phase mask, tax classification, cost centers). */
  async jcInstallation(company: string): Promise<{ phaseMask: string; utilizeTaxClass: boolean; costCenterEnabled: boolean } | undefined> {
    const row = await this.one(`SELECT * FROM spectrum."JC_INSTALLATION_MC" WHERE "Company_Code" = $c LIMIT 1`, { c: company });
    if (!row) return undefined;
    return {
      phaseMask: String(row.Phase_Mask ?? ''),
      utilizeTaxClass: String(row.Utilize_Tax_Classification ?? 'N').trim() === 'Y',
      costCenterEnabled: String(row.Cost_Center_Enabled ?? 'N').trim() === 'Y',
    };
  }

  /** CR installation settings (default AR GL account, invoice date in GL period). */
  async crInstallation(company: string): Promise<{ arGlAccount: string; invoiceDateInGlPeriod: boolean } | undefined> {
    const row = await this.one(`SELECT * FROM spectrum."CR_INSTALLATION_MC" WHERE "Company_Code" = $c LIMIT 1`, { c: company });
    if (!row) return undefined;
    return { arGlAccount: String(row.AR_GL_Account ?? '').trim(), invoiceDateInGlPeriod: String(row.Invoice_Date_In_GL_Period ?? 'N').trim() === 'Y' };
  }

  /** The open processing dates of a module (AR, JC ...), as YYYY-MM-DD strings. */
  async processingDates(company: string, module: string): Promise<{ min: string; max: string } | undefined> {
    const row = await this.one(
      `SELECT strftime("Min_Date", '%Y-%m-%d') AS min, strftime("Max_Date", '%Y-%m-%d') AS max
         FROM spectrum."SY_PROCESSING_DATES_MC" WHERE "Company_Code" = $c AND trim("Module") = $m LIMIT 1`,
      { c: company, m: module },
    );
    return row ? { min: String(row.min), max: String(row.max) } : undefined;
  }

  /** Does this company exist (has installation settings or customers)? */
  async companyExists(company: string): Promise<boolean> {
    return (
      (await this.exists(`SELECT 1 FROM spectrum."JC_INSTALLATION_MC" WHERE "Company_Code" = $c`, { c: company })) ||
      (await this.exists(`SELECT 1 FROM spectrum."CR_CUSTOMER_MASTER_MC" WHERE "Company_Code" = $c`, { c: company }))
    );
  }

  /** Is the customer in CR_CUSTOMER_MASTER_MC? */
  async customerExists(company: string, customer: string): Promise<boolean> {
    return this.exists(`SELECT 1 FROM spectrum."CR_CUSTOMER_MASTER_MC" WHERE "Company_Code" = $c AND rtrim("Customer_Code") = $k`, { c: company, k: customer });
  }

  /** The job's status code, or undefined when the job does not exist. */
  async jobStatus(company: string, job: string): Promise<string | undefined> {
    const row = await this.one(`SELECT "Status_Code" AS s FROM spectrum."JC_JOB_MASTER_MC" WHERE "Company_Code" = $c AND rtrim("Job_Number") = $k LIMIT 1`, {
      c: company,
      k: job,
    });
    return row ? String(row.s ?? '').trim() : undefined;
  }

  /** The phase + cost type's status on a job, or undefined when it is not there. */
  async phaseStatus(company: string, job: string, phase: string, costType: string): Promise<string | undefined> {
    const row = await this.one(
      `SELECT "Status_Code" AS s FROM spectrum."JC_PHASE_MASTER_MC"
        WHERE "Company_Code" = $c AND rtrim("Job_Number") = $j AND rtrim("Phase_Code") = $p AND rtrim("Cost_Type") = $t LIMIT 1`,
      { c: company, j: job, p: phase, t: costType },
    );
    return row ? String(row.s ?? '').trim() : undefined;
  }

  /** Is the cost center in GL_MASTER_COST_CENTERS_MC? */
  async costCenterExists(company: string, costCenter: string): Promise<boolean> {
    return this.exists(`SELECT 1 FROM spectrum."GL_MASTER_COST_CENTERS_MC" WHERE "Company_Code" = $c AND rtrim("Cost_Center") = $k`, {
      c: company,
      k: costCenter,
    });
  }

  /** Is this an active tax code of this kind (TAX_CLASS or SALES_TAX)? */
  async taxCodeValid(company: string, code: string, kind: 'TAX_CLASS' | 'SALES_TAX'): Promise<boolean> {
    return this.exists(
      `SELECT 1 FROM spectrum."SY_TAX_CODES_MC" WHERE "Company_Code" = $c AND trim("Code") = $k AND trim("Kind") = $kind AND coalesce(trim("Status"), 'A') = 'A'`,
      { c: company, k: code, kind },
    );
  }

  /** A GL account's direct-cost flag and allowed cost type (blank = any), or undefined. */
  async glAccount(company: string, account: string): Promise<{ directCost: boolean; costType: string } | undefined> {
    const row = await this.one(
      `SELECT "Is_Direct_Cost" AS d, "Cost_Type" AS t FROM spectrum."GL_MASTER_MC" WHERE "Company_Code" = $c AND rtrim("GL_Account") = $k LIMIT 1`,
      { c: company, k: account },
    );
    return row ? { directCost: String(row.d ?? 'N').trim() === 'Y', costType: String(row.t ?? '').trim() } : undefined;
  }

  /** Is the invoice number taken, posted or unposted? */
  async invoiceNumberTaken(company: string, invoice: string): Promise<boolean> {
    const values = { c: company, k: invoice };
    return (
      (await this.exists(`SELECT 1 FROM spectrum."CR_INVOICE_HEADER_MC" WHERE "Company_Code" = $c AND rtrim("Invoice_Or_Transaction") = $k`, values)) ||
      (await this.exists(`SELECT 1 FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE "Company_Code" = $c AND rtrim("Invoice_Or_Transaction") = $k`, values))
    );
  }
}
