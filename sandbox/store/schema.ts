// The sandbox store's DDL: one DuckDB database holding both simulated systems.
//
// The servers (sandbox/servers/) read these tables to answer as BuildOps and Spectrum would,
// and the export writes them as files; the names below are the shared interface, keep them stable.
//
// - schema `buildops`: one table per BuildOps list endpoint (dashes → underscores), each
//   (id, updated_at, doc) where doc is the record's JSON exactly as the API returns it in `items`
//   and updated_at = audit.lastUpdatedDate (UTC), the column `updatedAfter` filters on.
// - schema `spectrum`: one table per Spectrum table of docs/sources.md, with the
//   contract's exact (case-sensitive, so always quoted) column names. Company_Code is unpadded;
//   key code columns are right-padded with spaces to their char width as real Spectrum does.
//   "Blank" columns (a regular payment's Invoice_Type, a GL account's Cost_Type, a compliance
//   row that applies to all jobs) are NULL.
// - schema `sandbox`: the generator's own bookkeeping (run metadata, mapping files, ground truth).

/** The kinds of Spectrum column, each with one SQL type. */
export type SpectrumColumnKind =
  | 'company' // Company_Code, varchar(3), unpadded
  | 'code' // a key code, right-padded to `width`
  | 'text' // free text / unpadded code
  | 'flag' // one-letter flag
  | 'money' // DECIMAL(14,2)
  | 'rate' // DECIMAL(9,4): rates and percents
  | 'qty' // DECIMAL(12,2): hours and quantities
  | 'datetime' // TIMESTAMP (SQL Server datetime; midnight for business dates)
  | 'date_text' // VARCHAR(8) YYYYMMDD
  | 'int'; // INTEGER (line and application numbers)

/** One Spectrum column: its exact name, kind and (for padded codes) char width. */
export interface SpectrumColumn {
  name: string;
  kind: SpectrumColumnKind;
  width?: number;
}

/** The BuildOps list endpoints of docs/sources.md, as the API path names them. */
export const BUILDOPS_ENDPOINTS = [
  'customers',
  'properties',
  'departments',
  'jobs',
  'products',
  'invoices',
  'payments',
  'projects',
  'pay-applications',
  'purchase-orders',
  'timesheets',
  'employees',
  'vendors',
  'service-agreements',
] as const;

/** A BuildOps list endpoint name (`pay-applications`, ...). */
export type BuildOpsEndpoint = (typeof BUILDOPS_ENDPOINTS)[number];

/** The store table of a BuildOps endpoint: `pay-applications` → `pay_applications`. */
export function buildOpsTable(endpoint: BuildOpsEndpoint): string {
  return endpoint.replaceAll('-', '_');
}

// Char widths of Spectrum's padded key columns.
const W = {
  Customer_Code: 10,
  Job_Number: 10,
  Invoice_Or_Transaction: 10,
  Vendor_Code: 10,
  Phase_Code: 20,
  Cost_Type: 3,
  Cost_Center: 10,
  GL_Account: 12,
  AR_GL_Account: 12,
  Retention_GL_Account: 12,
  Employee_Code: 10,
} as const;

const company: SpectrumColumn = { name: 'Company_Code', kind: 'company' };
const code = (name: keyof typeof W): SpectrumColumn => ({
  name,
  kind: 'code',
  width: W[name],
});
const col = (name: string, kind: Exclude<SpectrumColumnKind, 'code' | 'company'>): SpectrumColumn => ({ name, kind });

/** Every Spectrum table of docs/sources.md with its columns, in contract order. */
export const SPECTRUM_TABLES = {
  CR_CUSTOMER_MASTER_MC: [
    company,
    code('Customer_Code'),
    col('Name', 'text'),
    col('Address_1', 'text'),
    col('Address_2', 'text'),
    col('City', 'text'),
    col('State', 'text'),
    col('Zip_Code', 'text'),
    col('Phone', 'text'),
    col('Terms_Code', 'text'),
    col('Status', 'flag'),
  ],
  JC_JOB_MASTER_MC: [
    company,
    code('Job_Number'),
    col('Job_Description', 'text'),
    col('Status_Code', 'flag'),
    code('Customer_Code'),
    code('Cost_Center'),
    col('Division', 'text'),
    col('Original_Contract', 'money'),
    col('Sales_Tax_Code', 'text'),
    col('Tax_Class_Code', 'text'),
    col('Retention_Percent', 'rate'),
    col('Price_Method_Code', 'flag'),
  ],
  JC_PHASE_MASTER_MC: [
    company,
    code('Job_Number'),
    code('Phase_Code'),
    code('Cost_Type'),
    col('Description', 'text'),
    col('Status_Code', 'flag'),
    col('Original_Est_Cost', 'money'),
    col('Projected_Cost', 'money'),
  ],
  JC_TRANSACTION_HISTORY_MC: [
    company,
    code('Job_Number'),
    code('Phase_Code'),
    code('Cost_Type'),
    col('Tran_Type_Code', 'text'),
    col('Tran_Date_Text', 'date_text'),
    col('Tran_Amount', 'money'),
    code('Cost_Center'),
    col('Draw_Appl_Number', 'int'),
    code('Invoice_Or_Transaction'),
  ],
  CR_INVOICE_HEADER_MC: [
    company,
    code('Invoice_Or_Transaction'),
    code('Customer_Code'),
    code('Job_Number'),
    col('Invoice_Date', 'datetime'),
    col('Due_Date', 'datetime'),
    col('Invoice_Extension', 'money'),
    col('Sales_Tax_Amount', 'money'),
    col('Retention_Amount', 'money'),
    col('Retention_Percent', 'rate'),
    col('Batch_Code', 'text'),
    code('AR_GL_Account'),
    code('Cost_Center'),
    col('Terms_Code', 'text'),
    col('Remarks', 'text'),
    col('Transaction_Type', 'flag'),
  ],
  CR_INVOICE_DETAIL_MC: [
    company,
    code('Invoice_Or_Transaction'),
    col('Line_Number', 'int'),
    col('Detail_Description', 'text'),
    code('Phase_Code'),
    code('Cost_Type'),
    code('GL_Account'),
    col('Line_Extension', 'money'),
    col('Retention_Amount', 'money'),
    col('Sales_Tax_Amount', 'money'),
  ],
  CR_UNPOSTED_INVOICE_MC: [
    company,
    code('Invoice_Or_Transaction'),
    code('Customer_Code'),
    code('Job_Number'),
    col('Invoice_Date', 'datetime'),
    col('Invoice_Extension', 'money'),
    col('Retention_Amount', 'money'),
    col('Batch_Code', 'text'),
    col('Remarks', 'text'),
    col('Entered_Date', 'datetime'),
  ],
  CR_OPEN_ITEM_MC: [
    company,
    code('Customer_Code'),
    code('Invoice_Or_Transaction'),
    code('Job_Number'),
    col('Transaction_Type', 'flag'),
    col('Invoice_Date', 'datetime'),
    col('Due_Date', 'datetime'),
    col('Invoice_Balance', 'money'),
  ],
  CR_PAY_ADJUST_HISTORY_MC: [
    company,
    code('Customer_Code'),
    code('Invoice_Or_Transaction'),
    col('Transaction_Date', 'datetime'),
    col('Transaction_Type', 'flag'),
    col('Invoice_Type', 'flag'),
    col('Amount', 'money'),
    col('Check_Number', 'text'),
  ],
  CR_BILLING_HEADER_MC: [
    company,
    code('Job_Number'),
    col('Application_Number', 'int'),
    col('Period_End_Date', 'datetime'),
    col('Revised_Contract_Amount', 'money'),
    col('Complete_To_Date', 'money'),
    col('Previous_Billed', 'money'),
    col('Amount_Due', 'money'),
    col('Retention_Amount', 'money'),
    code('Invoice_Or_Transaction'),
  ],
  CR_BILL_DETAIL_MC: [
    company,
    code('Job_Number'),
    col('Application_Number', 'int'),
    col('Item_Number', 'text'),
    col('Description', 'text'),
    col('Scheduled_Value', 'money'),
    col('Previous_Complete', 'money'),
    col('This_Period', 'money'),
    col('Stored_Materials', 'money'),
    col('Complete_To_Date', 'money'),
    col('Retention_Amount', 'money'),
  ],
  GL_MASTER_MC: [company, code('GL_Account'), col('Description', 'text'), col('Account_Type', 'text'), col('Is_Direct_Cost', 'flag'), code('Cost_Type')],
  GL_MASTER_COST_CENTERS_MC: [company, code('Cost_Center'), col('Description', 'text'), col('Status', 'flag')],
  VN_VENDOR_MASTER_MC: [company, code('Vendor_Code'), col('Name', 'text'), col('Vendor_Type', 'flag'), col('W9_On_File', 'flag'), col('Status', 'flag')],
  VN_COMPLIANCE_MC: [
    company,
    code('Vendor_Code'),
    col('Compliance_Type', 'text'),
    code('Job_Number'),
    col('Expiration_Date', 'datetime'),
    col('Received_Date', 'datetime'),
    col('Coverage_Amount', 'money'),
  ],
  VN_OPEN_ITEMS_MC: [
    company,
    code('Vendor_Code'),
    col('Invoice_Number', 'text'),
    code('Job_Number'),
    col('Invoice_Date', 'datetime'),
    col('Open_Amount', 'money'),
  ],
  PR_TIME_CARD_HISTORY_MC: [
    company,
    code('Employee_Code'),
    code('Job_Number'),
    code('Phase_Code'),
    code('Cost_Type'),
    col('Work_Date', 'datetime'),
    col('Hours', 'qty'),
    col('Amount', 'money'),
    col('Burden_Amount', 'money'),
    col('Check_Date', 'datetime'),
  ],
  SY_PROCESSING_DATES_MC: [company, col('Module', 'text'), col('Current_Date', 'datetime'), col('Min_Date', 'datetime'), col('Max_Date', 'datetime')],
  SY_TAX_CODES_MC: [company, col('Code', 'text'), col('Kind', 'text'), col('Rate', 'rate'), col('Status', 'flag')],
  JC_INSTALLATION_MC: [company, col('Phase_Mask', 'text'), col('Utilize_Tax_Classification', 'flag'), col('Cost_Center_Enabled', 'flag')],
  CR_INSTALLATION_MC: [company, code('AR_GL_Account'), col('Invoice_Date_In_GL_Period', 'flag'), code('Retention_GL_Account')],
  GL_TRANSACTION_HISTORY_MC: [
    company,
    code('GL_Account'),
    col('Transaction_Date', 'datetime'),
    col('Amount', 'money'),
    col('Source_Module', 'text'),
    col('Reference', 'text'),
    col('Description', 'text'),
  ],
} as const satisfies Record<string, readonly SpectrumColumn[]>;

/** A Spectrum table name (`CR_INVOICE_HEADER_MC`, ...). */
export type SpectrumTable = keyof typeof SPECTRUM_TABLES;

/** The Spectrum table names in a stable order. */
export const SPECTRUM_TABLE_NAMES = Object.keys(SPECTRUM_TABLES) as SpectrumTable[];

/** The SQL type of a Spectrum column kind. */
export function sqlType(column: SpectrumColumn): string {
  switch (column.kind) {
    case 'company':
      return 'VARCHAR(3)';
    case 'code':
      return `VARCHAR(${column.width ?? 10})`;
    case 'text':
      return 'VARCHAR';
    case 'flag':
      return 'VARCHAR(1)';
    case 'money':
      return 'DECIMAL(14,2)';
    case 'rate':
      return 'DECIMAL(9,4)';
    case 'qty':
      return 'DECIMAL(12,2)';
    case 'datetime':
      return 'TIMESTAMP';
    case 'date_text':
      return 'VARCHAR(8)';
    case 'int':
      return 'INTEGER';
  }
}

/** Sandbox bookkeeping tables: run metadata, the mapping files, the ground truth. */
const SANDBOX_DDL = [
  'CREATE TABLE IF NOT EXISTS sandbox.meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)',
  'CREATE TABLE IF NOT EXISTS sandbox.cost_code_map (item_code VARCHAR NOT NULL, phase_code VARCHAR NOT NULL, cost_type VARCHAR NOT NULL)',
  'CREATE TABLE IF NOT EXISTS sandbox.department_cost_centers (department_name VARCHAR NOT NULL, cost_center VARCHAR NOT NULL)',
  'CREATE TABLE IF NOT EXISTS sandbox.labor_rates (item_code VARCHAR NOT NULL, burdened_rate DECIMAL(14,2) NOT NULL)',
  'CREATE TABLE IF NOT EXISTS sandbox.customer_requirements (customer_code VARCHAR NOT NULL, compliance_type VARCHAR NOT NULL, minimum_amount DECIMAL(14,2) NOT NULL)',
  // The ground truth as one JSON document (written by the generator, exported as ground-truth.json).
  'CREATE TABLE IF NOT EXISTS sandbox.ground_truth (doc VARCHAR NOT NULL)',
];

/** The mapping files of marts.md held in the `sandbox` schema, with their CSV columns. */
export const MAPPING_FILES = {
  cost_code_map: ['item_code', 'phase_code', 'cost_type'],
  department_cost_centers: ['department_name', 'cost_center'],
  labor_rates: ['item_code', 'burdened_rate'],
  customer_requirements: ['customer_code', 'compliance_type', 'minimum_amount'],
} as const;

/** Quote an identifier for DuckDB (keeps the case of Spectrum's column names). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Every statement that creates the store's schemas and tables (idempotent). */
export function schemaStatements(): string[] {
  const out = ['CREATE SCHEMA IF NOT EXISTS buildops', 'CREATE SCHEMA IF NOT EXISTS spectrum', 'CREATE SCHEMA IF NOT EXISTS sandbox'];
  for (const endpoint of BUILDOPS_ENDPOINTS) {
    out.push(`CREATE TABLE IF NOT EXISTS buildops.${buildOpsTable(endpoint)} (id VARCHAR PRIMARY KEY, updated_at TIMESTAMP NOT NULL, doc VARCHAR NOT NULL)`);
  }
  for (const table of SPECTRUM_TABLE_NAMES) {
    const cols = SPECTRUM_TABLES[table].map((c) => `${quoteIdent(c.name)} ${sqlType(c)}`).join(', ');
    out.push(`CREATE TABLE IF NOT EXISTS spectrum.${quoteIdent(table)} (${cols})`);
  }
  out.push(...SANDBOX_DDL);
  return out;
}
