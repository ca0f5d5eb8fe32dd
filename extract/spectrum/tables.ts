/**
 * The Spectrum tables of docs/sources.md as the extractor reads them: each column's kind
 * (how it is read, cleaned and typed), each table's key, write mode and date window.
 */
import type { ColumnSpec, ColumnType, WriteMode } from '../types.ts';

/**
 * How a column is read and typed:
 * - `code`: a padded key or code (`char`): trimmed; all blank = NULL.
 * - `text`: free text (names, descriptions, remarks, address lines): kept as it is.
 * - `money` decimal(18,2), `rate` decimal(9,4), `qty` decimal(18,4): read as text, never a float.
 * - `int`: a whole number (line, application and draw numbers).
 * - `date`: a business date (`datetime` at midnight in Spectrum) → DATE, read without a time zone.
 * - `timestamp`: an instant (only `Entered_Date`) → TIMESTAMP, read as UTC.
 * - `date_text`: `YYYYMMDD` text, kept and parsed into an extra DATE column.
 */
export type SpectrumColumnKind = 'code' | 'text' | 'money' | 'rate' | 'qty' | 'int' | 'date' | 'timestamp' | 'date_text';

/** One contract column. */
export interface SpectrumColumnDef {
  /** The name as Spectrum spells it (`Invoice_Date`). */
  source: string;
  /** The warehouse column (`invoice_date`). */
  name: string;
  kind: SpectrumColumnKind;
  /** A column the contract marks "to confirm": a query may leave it out, and it loads as null. */
  optional?: boolean;
}

/**
 * How a table meets the warehouse:
 * - `snapshot`: read whole (for the configured companies) and `replace`d: the load is the table now.
 * - `merge`: read over a date window, merged on `key`.
 * - `window`: read over a date window; the warehouse's rows of every (company, day) in the window
 *   are replaced by what was read (the table has no natural key; see README.md).
 */
export type SpectrumTableStrategy = 'snapshot' | 'merge' | 'window';

/** One Spectrum table. */
export interface SpectrumTableDef {
  table: SpectrumTableName;
  /** What the query is for, in an error message: "reading <purpose>". */
  purpose: string;
  columns: readonly SpectrumColumnDef[];
  strategy: SpectrumTableStrategy;
  /** The warehouse primary key (empty when no set of columns is unique and non-null). */
  key: readonly string[];
  /** The business-date column the window filters on (merge and window tables). */
  windowColumn?: string;
  /**
   * For a merge table whose rows carry no date of their own (the invoice lines): the parent
   * table whose date windows it. The query keeps the rows whose parent (matched on `on`) falls in
   * the window, and the cursor follows the run's as-of date, since the rows give none.
   */
  windowThrough?: { table: SpectrumTableName; on: readonly string[]; column: string };
}

const TABLE_NAMES = [
  'CR_CUSTOMER_MASTER_MC',
  'JC_JOB_MASTER_MC',
  'JC_PHASE_MASTER_MC',
  'JC_TRANSACTION_HISTORY_MC',
  'CR_INVOICE_HEADER_MC',
  'CR_INVOICE_DETAIL_MC',
  'CR_UNPOSTED_INVOICE_MC',
  'CR_OPEN_ITEM_MC',
  'CR_PAY_ADJUST_HISTORY_MC',
  'CR_BILLING_HEADER_MC',
  'CR_BILL_DETAIL_MC',
  'GL_MASTER_MC',
  'GL_MASTER_COST_CENTERS_MC',
  'VN_VENDOR_MASTER_MC',
  'VN_COMPLIANCE_MC',
  'VN_OPEN_ITEMS_MC',
  'PR_TIME_CARD_HISTORY_MC',
  'SY_PROCESSING_DATES_MC',
  'SY_TAX_CODES_MC',
  'JC_INSTALLATION_MC',
  'CR_INSTALLATION_MC',
  'GL_TRANSACTION_HISTORY_MC',
] as const;

/** A Spectrum table name of the contract. */
export type SpectrumTableName = (typeof TABLE_NAMES)[number];

/** Every contract table, in contract order. */
export const SPECTRUM_TABLE_NAMES: readonly SpectrumTableName[] = TABLE_NAMES;

// Column lists: `Name:kind`; a bare name is a code.
function columns(spec: string): SpectrumColumnDef[] {
  return spec
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => {
      const [source = '', kind = 'code'] = part.split(':');
      return { source, name: source.toLowerCase(), kind: kind as SpectrumColumnKind };
    });
}

const DEFS: readonly SpectrumTableDef[] = [
  {
    table: 'CR_CUSTOMER_MASTER_MC',
    purpose: 'the customer master',
    columns: columns('Company_Code Customer_Code Name:text Address_1:text Address_2:text City:text State:text Zip_Code:text Phone:text Terms_Code Status'),
    strategy: 'snapshot',
    key: ['company_code', 'customer_code'],
  },
  {
    table: 'JC_JOB_MASTER_MC',
    purpose: 'the job master',
    columns: columns(
      'Company_Code Job_Number Job_Description:text Status_Code Customer_Code Cost_Center Division Original_Contract:money Sales_Tax_Code Tax_Class_Code Retention_Percent:rate Price_Method_Code',
    ),
    strategy: 'snapshot',
    key: ['company_code', 'job_number'],
  },
  {
    table: 'JC_PHASE_MASTER_MC',
    purpose: 'job phases and cost types',
    columns: columns('Company_Code Job_Number Phase_Code Cost_Type Description:text Status_Code Original_Est_Cost:money Projected_Cost:money'),
    strategy: 'snapshot',
    key: ['company_code', 'job_number', 'phase_code', 'cost_type'],
  },
  {
    table: 'JC_TRANSACTION_HISTORY_MC',
    purpose: 'job cost and billing transactions',
    columns: columns(
      'Company_Code Job_Number Phase_Code Cost_Type Tran_Type_Code Tran_Date_Text:date_text Tran_Amount:money Cost_Center Draw_Appl_Number:int Invoice_Or_Transaction',
    ),
    strategy: 'window',
    key: ['company_code', 'tran_date', 'day_seq'],
    windowColumn: 'Tran_Date_Text',
  },
  {
    table: 'CR_INVOICE_HEADER_MC',
    purpose: 'posted AR invoice headers',
    columns: columns(
      'Company_Code Invoice_Or_Transaction Customer_Code Job_Number Invoice_Date:date Due_Date:date Invoice_Extension:money Sales_Tax_Amount:money Retention_Amount:money Retention_Percent:rate Batch_Code AR_GL_Account Cost_Center Terms_Code Remarks:text Transaction_Type',
    ),
    strategy: 'merge',
    key: ['company_code', 'invoice_or_transaction'],
    windowColumn: 'Invoice_Date',
  },
  {
    table: 'CR_INVOICE_DETAIL_MC',
    purpose: 'posted AR invoice lines',
    columns: columns(
      'Company_Code Invoice_Or_Transaction Line_Number:int Detail_Description:text Phase_Code Cost_Type GL_Account Line_Extension:money Retention_Amount:money Sales_Tax_Amount:money',
    ),
    strategy: 'merge',
    key: ['company_code', 'invoice_or_transaction', 'line_number'],
    // The lines carry no date: the window is their header's Invoice_Date.
    windowThrough: { table: 'CR_INVOICE_HEADER_MC', on: ['Company_Code', 'Invoice_Or_Transaction'], column: 'Invoice_Date' },
  },
  {
    table: 'CR_UNPOSTED_INVOICE_MC',
    purpose: 'imported AR invoices waiting in an entry batch',
    columns: columns(
      'Company_Code Invoice_Or_Transaction Customer_Code Job_Number Invoice_Date:date Invoice_Extension:money Retention_Amount:money Batch_Code Remarks:text Entered_Date:timestamp',
    ),
    strategy: 'snapshot',
    key: ['company_code', 'invoice_or_transaction'],
  },
  {
    table: 'CR_OPEN_ITEM_MC',
    purpose: 'open AR items',
    columns: columns('Company_Code Customer_Code Invoice_Or_Transaction Job_Number Transaction_Type Invoice_Date:date Due_Date:date Invoice_Balance:money'),
    strategy: 'snapshot',
    key: ['company_code', 'customer_code', 'invoice_or_transaction'],
  },
  {
    table: 'CR_PAY_ADJUST_HISTORY_MC',
    purpose: 'AR payments and adjustments',
    columns: columns('Company_Code Customer_Code Invoice_Or_Transaction Transaction_Date:date Transaction_Type Invoice_Type Amount:money Check_Number'),
    strategy: 'window',
    key: ['company_code', 'transaction_date', 'day_seq'],
    windowColumn: 'Transaction_Date',
  },
  {
    table: 'CR_BILLING_HEADER_MC',
    purpose: 'AIA pay application headers',
    columns: columns(
      'Company_Code Job_Number Application_Number:int Period_End_Date:date Revised_Contract_Amount:money Complete_To_Date:money Previous_Billed:money Amount_Due:money Retention_Amount:money Invoice_Or_Transaction',
    ),
    strategy: 'snapshot',
    key: ['company_code', 'job_number', 'application_number'],
  },
  {
    table: 'CR_BILL_DETAIL_MC',
    purpose: 'AIA pay application lines (G703)',
    columns: columns(
      'Company_Code Job_Number Application_Number:int Item_Number Description:text Scheduled_Value:money Previous_Complete:money This_Period:money Stored_Materials:money Complete_To_Date:money Retention_Amount:money',
    ),
    strategy: 'snapshot',
    key: ['company_code', 'job_number', 'application_number', 'item_number'],
  },
  {
    table: 'GL_MASTER_MC',
    purpose: 'the GL account master',
    columns: columns('Company_Code GL_Account Description:text Account_Type Is_Direct_Cost Cost_Type'),
    strategy: 'snapshot',
    key: ['company_code', 'gl_account'],
  },
  {
    table: 'GL_MASTER_COST_CENTERS_MC',
    purpose: 'cost centers',
    columns: columns('Company_Code Cost_Center Description:text Status'),
    strategy: 'snapshot',
    key: ['company_code', 'cost_center'],
  },
  {
    table: 'VN_VENDOR_MASTER_MC',
    purpose: 'the vendor master',
    columns: columns('Company_Code Vendor_Code Name:text Vendor_Type W9_On_File Status'),
    strategy: 'snapshot',
    key: ['company_code', 'vendor_code'],
  },
  {
    table: 'VN_COMPLIANCE_MC',
    purpose: 'vendor compliance documents (COI, W-9, lien waivers)',
    // Coverage_Amount (the insured limit of a COI) is to confirm per installation: a file or an
    // overriding query without it loads it as null ("not available"). The default SQL query reads
    // it; where the table has no such column, override the query without it.
    columns: [
      ...columns('Company_Code Vendor_Code Compliance_Type Job_Number Expiration_Date:date Received_Date:date'),
      { source: 'Coverage_Amount', name: 'coverage_amount', kind: 'money', optional: true },
    ],
    strategy: 'snapshot',
    // No unique non-null key: Job_Number is blank for documents that cover every job, and a
    // vendor may hold several documents of one type.
    key: [],
  },
  {
    table: 'VN_OPEN_ITEMS_MC',
    purpose: 'open AP items',
    columns: columns('Company_Code Vendor_Code Invoice_Number Job_Number Invoice_Date:date Open_Amount:money'),
    strategy: 'snapshot',
    key: ['company_code', 'vendor_code', 'invoice_number'],
  },
  {
    table: 'PR_TIME_CARD_HISTORY_MC',
    purpose: 'payroll time cards',
    columns: columns('Company_Code Employee_Code Job_Number Phase_Code Cost_Type Work_Date:date Hours:qty Amount:money Burden_Amount:money Check_Date:date'),
    strategy: 'window',
    key: ['company_code', 'work_date', 'day_seq'],
    windowColumn: 'Work_Date',
  },
  {
    table: 'SY_PROCESSING_DATES_MC',
    purpose: 'open processing dates per module',
    columns: columns('Company_Code Module Current_Date:date Min_Date:date Max_Date:date'),
    strategy: 'snapshot',
    key: ['company_code', 'module'],
  },
  {
    table: 'SY_TAX_CODES_MC',
    purpose: 'tax classes and sales tax codes',
    columns: columns('Company_Code Code Kind Rate:rate Status'),
    strategy: 'snapshot',
    key: ['company_code', 'code', 'kind'],
  },
  {
    table: 'JC_INSTALLATION_MC',
    purpose: 'job cost settings (phase mask, tax classification, cost centers)',
    columns: columns('Company_Code Phase_Mask Utilize_Tax_Classification Cost_Center_Enabled'),
    strategy: 'snapshot',
    key: ['company_code'],
  },
  {
    table: 'CR_INSTALLATION_MC',
    purpose: 'AR settings (default AR account, retention account, GL period rule)',
    columns: columns('Company_Code AR_GL_Account Invoice_Date_In_GL_Period Retention_GL_Account'),
    strategy: 'snapshot',
    key: ['company_code'],
  },
  {
    table: 'GL_TRANSACTION_HISTORY_MC',
    purpose: 'general ledger transactions',
    columns: columns('Company_Code GL_Account Transaction_Date:date Amount:money Source_Module Reference:text Description:text'),
    // No natural key (one posting may leave several equal lines): replaced day by day, like pay history.
    strategy: 'window',
    key: ['company_code', 'transaction_date', 'day_seq'],
    windowColumn: 'Transaction_Date',
  },
];

/** The definition of every contract table, by name. */
export const SPECTRUM_TABLES: ReadonlyMap<SpectrumTableName, SpectrumTableDef> = new Map(DEFS.map((d) => [d.table, d]));

/** The definition of one table (throws on a name outside the contract). */
export function tableDef(table: SpectrumTableName): SpectrumTableDef {
  const def = SPECTRUM_TABLES.get(table);
  if (!def) throw new Error(`${table} is not a Spectrum table of the contract`);
  return def;
}

/** The raw warehouse table of a Spectrum table: `spectrum__cr_invoice_header_mc`. */
export function rawTableName(table: SpectrumTableName): string {
  return `spectrum__${table.toLowerCase()}`;
}

/** The days table of a window table: which (company, day) the warehouse holds in full. */
export function daysTableName(table: SpectrumTableName): string {
  return `${rawTableName(table)}__days`;
}

const KIND_TYPES: Record<SpectrumColumnKind, ColumnType> = {
  code: 'varchar',
  text: 'varchar',
  money: 'decimal(18,2)',
  rate: 'decimal(9,4)',
  qty: 'decimal(18,4)',
  int: 'bigint',
  date: 'date',
  timestamp: 'timestamp',
  date_text: 'varchar',
};

/** The warehouse name of the DATE column a `date_text` column is parsed into. */
export function parsedDateColumn(column: SpectrumColumnDef): string {
  return column.name.replace(/_text$/, '');
}

/** The contract column the window filters on (throws for a table without one). */
export function windowColumnDef(def: SpectrumTableDef): SpectrumColumnDef {
  const column = def.columns.find((c) => c.source === def.windowColumn);
  if (!column) throw new Error(`${def.table} has no window column`);
  return column;
}

/** The warehouse column a window table's days are keyed on (`tran_date`, `work_date`, …). */
export function windowDateColumn(def: SpectrumTableDef): string {
  const column = windowColumnDef(def);
  return column.kind === 'date_text' ? parsedDateColumn(column) : column.name;
}

/** The warehouse columns of a table: the contract's, the parsed dates, and `day_seq` for window tables. */
export function warehouseColumns(def: SpectrumTableDef): ColumnSpec[] {
  const out: ColumnSpec[] = [];
  for (const column of def.columns) {
    out.push({ name: column.name, type: KIND_TYPES[column.kind] });
    if (column.kind === 'date_text') out.push({ name: parsedDateColumn(column), type: 'date' });
  }
  if (def.strategy === 'window') out.push({ name: 'day_seq', type: 'bigint' });
  return out;
}

/** The write mode of a strategy. */
export function writeMode(strategy: SpectrumTableStrategy): WriteMode {
  return strategy === 'snapshot' ? 'replace' : 'merge';
}
