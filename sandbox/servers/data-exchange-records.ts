// Spectrum's own checks on Data Exchange records (jobs, phases, AR invoices) and the writes an
// accepted record makes. Each check answers like Spectrum: the first invalid field, by column.
import type { DuckDBConnection } from '@duckdb/node-api';
import { SpectrumLookup } from './spectrum-lookup.ts';

/** One Data Exchange response: error_code I (invalid field), A (abort), '' (accepted). */
export interface DxResponse {
  error_code: 'I' | 'A' | 'W' | '';
  desc: string;
  column: string;
  /** JSON invoice service only: which record of the batch (1-based) and its invoice number. */
  record?: number;
  Invoice_Or_Transaction?: string;
}

/** A record as received: field name → value (SOAP gives strings, JSON may give numbers). */
export type DxRecord = Record<string, unknown>;

class Invalid extends Error {
  constructor(
    readonly column: string,
    desc: string,
  ) {
    super(desc);
  }
}

// Characters Spectrum refuses in key fields (invoice, job, customer codes).
const INVALID_KEY_CHARS = /[/*?"'><#,&~]/;
const INVALID_KEY_CHAR_LIST = '/ * ? " \' > < # , & ~';

/** Read a field, accepting Spectrum's `p`-prefixed parameter names too. */
function field(record: DxRecord, name: string): string | undefined {
  const value = record[name] ?? record[`p${name}`];
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  return text === '' ? undefined : text;
}

function text(record: DxRecord, name: string, opts: { max?: number; required?: boolean; key?: boolean; label?: string } = {}): string | undefined {
  const value = field(record, name);
  const label = opts.label ?? name;
  if (value === undefined || value.trim() === '') {
    if (opts.required) throw new Invalid(name, `${label} is required`);
    return undefined;
  }
  if (opts.max !== undefined && value.length > opts.max) {
    throw new Invalid(name, `${label} is ${value.length} characters; Spectrum allows ${opts.max}`);
  }
  if (opts.key) {
    const bad = INVALID_KEY_CHARS.exec(value);
    if (bad) throw new Invalid(name, `${label} contains the invalid character '${bad[0]}' (not allowed: ${INVALID_KEY_CHAR_LIST})`);
    if (value !== value.trim()) throw new Invalid(name, `${label} has leading or trailing spaces`);
  }
  return value;
}

/** An amount as exact cents (bigint); undefined when absent. */
function money(record: DxRecord, name: string, opts: { required?: boolean } = {}): bigint | undefined {
  const raw = field(record, name);
  if (raw === undefined) {
    if (opts.required) throw new Invalid(name, `${name} is required`);
    return undefined;
  }
  const m = /^\s*(-)?(\d*)(?:\.(\d*))?\s*$/.exec(raw);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Invalid(name, `${name} '${raw}' is not a number`);
  const digits = (m[3] ?? '').padEnd(3, '0');
  let cents = BigInt(m[2] || '0') * 100n + BigInt(digits.slice(0, 2));
  if (Number(digits[2]) >= 5) cents += 1n; // half-up on the third decimal
  return m[1] ? -cents : cents;
}

/** Cents as a DECIMAL literal string. */
export function centsText(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** A date field as YYYY-MM-DD (accepts YYYY-MM-DD[Thh:mm...], MM/DD/YYYY). */
function date(record: DxRecord, name: string, opts: { required?: boolean } = {}): string | undefined {
  const raw = field(record, name);
  if (raw === undefined) {
    if (opts.required) throw new Invalid(name, `${name} is required`);
    return undefined;
  }
  let y: number, mo: number, d: number;
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(raw.trim());
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw.trim()))) [y, mo, d] = [Number(m[3]), Number(m[1]), Number(m[2])];
  else throw new Invalid(name, `${name} '${raw}' is not a date`);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw new Invalid(name, `${name} '${raw}' is not a date`);
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const pad = (code: string, width: number): string => code.padEnd(width, ' ');

function outcome(error: unknown): DxResponse {
  if (error instanceof Invalid) return { error_code: 'I', desc: error.message, column: error.column };
  throw error;
}

/** Does a phase code fit the mask (digits where the mask has 9, its length without dashes)? */
export function fitsPhaseMask(phase: string, mask: string): boolean {
  const positions = mask.replaceAll('-', '');
  if (phase.length !== positions.length) return false;
  return [...positions].every((m, i) => (m === '9' ? /\d/.test(phase[i]!) : true));
}

async function requireCompany(lookup: SpectrumLookup, record: DxRecord, company: string): Promise<string> {
  const value = text(record, 'Company_Code', { required: true, max: 3 })!;
  if (value !== company) throw new Invalid('Company_Code', `Company_Code '${value}' is not the company of this authorization`);
  return value;
}

/** AddJob: check a job and insert it into JC_JOB_MASTER_MC. */
export async function addJob(connection: DuckDBConnection, company: string, record: DxRecord): Promise<DxResponse> {
  const lookup = new SpectrumLookup(connection);
  try {
    await requireCompany(lookup, record, company);
    const job = text(record, 'Job_Number', { required: true, max: 10, key: true })!;
    if ((await lookup.jobStatus(company, job)) !== undefined) throw new Invalid('Job_Number', `Job ${job} already exists`);
    const description = text(record, 'Job_Description', { max: 25 });
    const customer = text(record, 'Customer_Code', { required: true, max: 10, key: true })!;
    if (!(await lookup.customerExists(company, customer))) throw new Invalid('Customer_Code', `Customer ${customer} does not exist`);
    const install = await lookup.jcInstallation(company);
    const costCenter = text(record, 'Cost_Center', { max: 10, required: install?.costCenterEnabled ?? false });
    if (costCenter !== undefined && !(await lookup.costCenterExists(company, costCenter)))
      throw new Invalid('Cost_Center', `Cost center ${costCenter} does not exist`);
    const status = text(record, 'Status_Code', { max: 1 }) ?? 'A';
    if (!['A', 'I', 'C'].includes(status)) throw new Invalid('Status_Code', `Status_Code '${status}' must be A, I or C`);
    const priceMethod = text(record, 'Price_Method_Code', { max: 1 }) ?? 'F';
    if (!['F', 'T', 'C', 'U'].includes(priceMethod)) throw new Invalid('Price_Method_Code', `Price_Method_Code '${priceMethod}' must be F, T, C or U`);
    const salesTax = text(record, 'Sales_Tax_Code', { max: 10 });
    const taxClass = text(record, 'Tax_Class_Code', { max: 15 });
    if (install?.utilizeTaxClass) {
      if (!taxClass) throw new Invalid('Tax_Class_Code', 'Tax_Class_Code is required (the installation uses tax classification)');
      if (!(await lookup.taxCodeValid(company, taxClass, 'TAX_CLASS'))) throw new Invalid('Tax_Class_Code', `Tax class ${taxClass} is not valid`);
    } else if (salesTax !== undefined && !(await lookup.taxCodeValid(company, salesTax, 'SALES_TAX'))) {
      throw new Invalid('Sales_Tax_Code', `Sales tax code ${salesTax} is not valid`);
    }
    const contract = money(record, 'Original_Contract') ?? 0n;
    const retention = field(record, 'Retention_Percent');
    if (retention !== undefined && !/^\d+(\.\d+)?$/.test(retention)) throw new Invalid('Retention_Percent', `Retention_Percent '${retention}' is not a number`);
    await connection.run(
      `INSERT INTO spectrum."JC_JOB_MASTER_MC" ("Company_Code","Job_Number","Job_Description","Status_Code","Customer_Code","Cost_Center","Division","Original_Contract","Sales_Tax_Code","Tax_Class_Code","Retention_Percent","Price_Method_Code")
       VALUES ($c, $job, $d, $s, $cust, $cc, $div, CAST($amt AS DECIMAL(14,2)), $st, $tc, CAST($ret AS DECIMAL(9,4)), $pm)`,
      {
        c: company,
        job: pad(job, 10),
        d: description ?? null,
        s: status,
        cust: pad(customer, 10),
        cc: costCenter === undefined ? null : pad(costCenter, 10),
        div: field(record, 'Division') ?? null,
        amt: centsText(contract),
        st: salesTax ?? null,
        tc: taxClass ?? null,
        ret: retention ?? null,
        pm: priceMethod,
      },
    );
    return { error_code: '', desc: `Job ${job} added`, column: '' };
  } catch (error) {
    return outcome(error);
  }
}

/** AddPhase: check a phase + cost type and insert it into JC_PHASE_MASTER_MC. */
export async function addPhase(connection: DuckDBConnection, company: string, record: DxRecord): Promise<DxResponse> {
  const lookup = new SpectrumLookup(connection);
  try {
    await requireCompany(lookup, record, company);
    const job = text(record, 'Job_Number', { required: true, max: 10, key: true })!;
    const jobStatus = await lookup.jobStatus(company, job);
    if (jobStatus === undefined) throw new Invalid('Job_Number', `Job ${job} does not exist`);
    if (jobStatus === 'C') throw new Invalid('Job_Number', `Job ${job} is complete and takes no new phases`);
    const phase = text(record, 'Phase_Code', { required: true, max: 20 })!;
    if (phase.includes('-')) throw new Invalid('Phase_Code', `Phase_Code '${phase}' must be sent without dashes`);
    const mask = (await lookup.jcInstallation(company))?.phaseMask;
    if (mask && !fitsPhaseMask(phase, mask)) throw new Invalid('Phase_Code', `Phase_Code '${phase}' does not fit the phase mask ${mask}`);
    const costType = text(record, 'Cost_Type', { required: true, max: 3 })!;
    const description = text(record, 'Description', { max: 25 });
    if ((await lookup.phaseStatus(company, job, phase, costType)) !== undefined) {
      throw new Invalid('Phase_Code', `Phase ${phase} cost type ${costType} already exists on job ${job}`);
    }
    const estimate = money(record, 'Original_Est_Cost') ?? 0n;
    await connection.run(
      `INSERT INTO spectrum."JC_PHASE_MASTER_MC" ("Company_Code","Job_Number","Phase_Code","Cost_Type","Description","Status_Code","Original_Est_Cost","Projected_Cost")
       VALUES ($c, $j, $p, $t, $d, 'A', CAST($e AS DECIMAL(14,2)), NULL)`,
      { c: company, j: pad(job, 10), p: pad(phase, 20), t: pad(costType, 3), d: description ?? null, e: centsText(estimate) },
    );
    return { error_code: '', desc: `Phase ${phase} ${costType} added to job ${job}`, column: '' };
  } catch (error) {
    return outcome(error);
  }
}

/** The normalized invoice kept with an unposted invoice, for posting later. */
export interface UnpostedInvoice {
  company: string;
  invoice: string;
  customer: string;
  job: string | null;
  invoiceDate: string;
  glDate: string;
  dueDate: string | null;
  batchCode: string;
  arGlAccount: string;
  costCenter: string | null;
  termsCode: string | null;
  remarks: string | null;
  retentionPercent: string | null;
  customerPo: string | null;
  transactionType: 'I' | 'C';
  lines: Array<{
    description: string | null;
    phase: string | null;
    costType: string | null;
    glAccount: string | null;
    extensionCents: string;
    retentionCents: string;
    salesTaxCents: string;
  }>;
}

/** Check one AR invoice (header + invoiceDetails) and return it normalized, or the first error. */
export async function checkInvoice(
  connection: DuckDBConnection,
  company: string,
  record: DxRecord,
  takenInBatch: ReadonlySet<string>,
): Promise<UnpostedInvoice | DxResponse> {
  const lookup = new SpectrumLookup(connection);
  try {
    await requireCompany(lookup, record, company);
    const invoice = text(record, 'Invoice_Or_Transaction', { required: true, max: 10, key: true })!;
    if (takenInBatch.has(invoice) || (await lookup.invoiceNumberTaken(company, invoice))) {
      throw new Invalid('Invoice_Or_Transaction', `Invoice ${invoice} already exists`);
    }
    const customer = text(record, 'Customer_Code', { required: true, max: 10, key: true })!;
    if (!(await lookup.customerExists(company, customer))) throw new Invalid('Customer_Code', `Customer ${customer} does not exist`);
    const job = text(record, 'Job_Number', { max: 10, key: true });
    if (job !== undefined) {
      const status = await lookup.jobStatus(company, job);
      if (status === undefined) throw new Invalid('Job_Number', `Job ${job} does not exist`);
      if (status === 'C') throw new Invalid('Job_Number', `Job ${job} is complete and takes no new invoices`);
    }
    const invoiceDate = date(record, 'Invoice_Date', { required: true })!;
    const glDate = date(record, 'GL_Date') ?? invoiceDate;
    const period = await lookup.processingDates(company, 'AR');
    if (period) {
      for (const [column, value] of [
        ['Invoice_Date', invoiceDate],
        ['GL_Date', glDate],
      ] as const) {
        if (value < period.min || value > period.max) {
          throw new Invalid(column, `${column} ${value} is outside the open AR period (${period.min} … ${period.max})`);
        }
      }
    }
    const cr = await lookup.crInstallation(company);
    if (cr?.invoiceDateInGlPeriod && invoiceDate.slice(0, 7) !== glDate.slice(0, 7)) {
      throw new Invalid('Invoice_Date', `Invoice_Date ${invoiceDate} is not in the fiscal month of GL_Date ${glDate}`);
    }
    const dueDate = date(record, 'Due_Date') ?? null;
    const batchCode = text(record, 'Batch_Code', { required: true, max: 10 })!;
    const arGlAccount = text(record, 'AR_GL_Account', { max: 12 }) ?? cr?.arGlAccount;
    if (!arGlAccount) throw new Invalid('AR_GL_Account', 'AR_GL_Account is required (no default in CR installation)');
    const arAccount = await lookup.glAccount(company, arGlAccount);
    if (!arAccount) throw new Invalid('AR_GL_Account', `GL account ${arGlAccount} does not exist`);
    if (arAccount.directCost) throw new Invalid('AR_GL_Account', `GL account ${arGlAccount} is a direct cost account`);
    const costCenter = text(record, 'Cost_Center', { max: 10 });
    if (costCenter !== undefined && !(await lookup.costCenterExists(company, costCenter)))
      throw new Invalid('Cost_Center', `Cost center ${costCenter} does not exist`);
    const termsCode = text(record, 'Terms_Code', { max: 10 });
    const remarks = text(record, 'Remarks', { max: 65 });
    const customerPo = text(record, 'Customer_PO', { max: 25 });
    const retentionPercent = field(record, 'Retention_Percent');
    if (retentionPercent !== undefined && !/^\d+(\.\d+)?$/.test(retentionPercent))
      throw new Invalid('Retention_Percent', `Retention_Percent '${retentionPercent}' is not a number`);
    const transactionType = text(record, 'Transaction_Type', { max: 1 }) ?? 'I';
    if (transactionType !== 'I' && transactionType !== 'C') throw new Invalid('Transaction_Type', `Transaction_Type '${transactionType}' must be I or C`);

    const details = record.invoiceDetails;
    if (!Array.isArray(details) || details.length === 0) throw new Invalid('invoiceDetails', 'An invoice needs at least one detail line');
    const lines: UnpostedInvoice['lines'] = [];
    for (const [i, raw] of details.entries()) {
      const line = (raw ?? {}) as DxRecord;
      try {
        const description = text(line, 'Detail_Description', { max: 30 });
        const extension = money(line, 'Line_Extension', { required: true })!;
        const retention = money(line, 'Retention_Amount') ?? 0n;
        const salesTax = money(line, 'Sales_Tax_Amount') ?? 0n;
        const phase = text(line, 'Phase_Code', { max: 20 });
        const costType = text(line, 'Cost_Type', { max: 3 });
        if (phase !== undefined) {
          if (job === undefined) throw new Invalid('Phase_Code', `Phase ${phase} needs a Job_Number on the invoice`);
          const status = await lookup.phaseStatus(company, job, phase, costType ?? '');
          if (status === undefined) throw new Invalid('Phase_Code', `Phase ${phase} cost type ${costType ?? ''} is not on job ${job}`);
          if (status !== 'A') throw new Invalid('Phase_Code', `Phase ${phase} cost type ${costType ?? ''} on job ${job} is not active`);
        }
        const glAccount = text(line, 'GL_Account', { max: 12 });
        if (glAccount !== undefined) {
          const account = await lookup.glAccount(company, glAccount);
          if (!account) throw new Invalid('GL_Account', `GL account ${glAccount} does not exist`);
          if (account.costType && costType !== undefined && account.costType !== costType) {
            throw new Invalid('Cost_Type', `Cost type ${costType} is not allowed with GL account ${glAccount} (allowed: ${account.costType})`);
          }
        }
        lines.push({
          description: description ?? null,
          phase: phase ?? null,
          costType: costType ?? null,
          glAccount: glAccount ?? null,
          extensionCents: extension.toString(),
          retentionCents: retention.toString(),
          salesTaxCents: salesTax.toString(),
        });
      } catch (error) {
        if (error instanceof Invalid) throw new Invalid(error.column, `Line ${i + 1}: ${error.message}`);
        throw error;
      }
    }
    return {
      company,
      invoice,
      customer,
      job: job ?? null,
      invoiceDate,
      glDate,
      dueDate,
      batchCode,
      arGlAccount,
      costCenter: costCenter ?? null,
      termsCode: termsCode ?? null,
      remarks: remarks ?? null,
      retentionPercent: retentionPercent ?? null,
      customerPo: customerPo ?? null,
      transactionType,
      lines,
    };
  } catch (error) {
    return outcome(error);
  }
}

/** Totals of an invoice in cents: gross (lines incl. retention, plus sales tax), retention, tax. */
export function invoiceTotals(inv: UnpostedInvoice): { gross: bigint; retention: bigint; salesTax: bigint } {
  let extension = 0n;
  let retention = 0n;
  let salesTax = 0n;
  for (const line of inv.lines) {
    extension += BigInt(line.extensionCents);
    retention += BigInt(line.retentionCents);
    salesTax += BigInt(line.salesTaxCents);
  }
  return { gross: extension + salesTax, retention, salesTax };
}

/** Where the full invoice of an unposted row is kept until it is posted. */
export const UNPOSTED_PAYLOAD_DDL = [
  'CREATE SCHEMA IF NOT EXISTS data_exchange',
  'CREATE TABLE IF NOT EXISTS data_exchange.unposted_invoice (company_code VARCHAR NOT NULL, invoice VARCHAR NOT NULL, payload VARCHAR NOT NULL)',
];

/** Write an accepted invoice into the unposted entry batch (CR_UNPOSTED_INVOICE_MC). */
export async function insertUnposted(connection: DuckDBConnection, inv: UnpostedInvoice, enteredAt: Date): Promise<void> {
  const totals = invoiceTotals(inv);
  await connection.run('BEGIN TRANSACTION');
  try {
    await connection.run(
      `INSERT INTO spectrum."CR_UNPOSTED_INVOICE_MC" ("Company_Code","Invoice_Or_Transaction","Customer_Code","Job_Number","Invoice_Date","Invoice_Extension","Retention_Amount","Batch_Code","Remarks","Entered_Date")
       VALUES ($c, $i, $cu, $j, CAST($d AS TIMESTAMP), CAST($g AS DECIMAL(14,2)), CAST($r AS DECIMAL(14,2)), $b, $rem, CAST($e AS TIMESTAMP))`,
      {
        c: inv.company,
        i: pad(inv.invoice, 10),
        cu: pad(inv.customer, 10),
        j: inv.job === null ? null : pad(inv.job, 10),
        d: inv.invoiceDate,
        g: centsText(totals.gross),
        r: centsText(totals.retention),
        b: inv.batchCode,
        rem: inv.remarks,
        e: enteredAt.toISOString().replace('T', ' ').replace('Z', ''),
      },
    );
    await connection.run(`INSERT INTO data_exchange.unposted_invoice VALUES ($c, $i, $p)`, { c: inv.company, i: inv.invoice, p: JSON.stringify(inv) });
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}
