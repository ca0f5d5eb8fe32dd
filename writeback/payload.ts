/**
 * The Spectrum Data Exchange payload of each outbound record, built from the exact field values
 * of marts.writeback_outbound (and its lines), and the hash that freezes it: a retry sends exactly
 * what preflight checked, never a payload rebuilt from newer marts.
 */
import { createHash } from 'node:crypto';

export type RecordType = 'job' | 'phase' | 'invoice';

/** A row of marts.writeback_outbound (decimals and dates as text, as the warehouse returns them). */
export interface OutboundRow {
  company_code: string;
  record_type: RecordType;
  buildops_id: string;
  buildops_version: number | null;
  send_order: number;
  parent_record_type: RecordType | null;
  parent_buildops_id: string | null;
  buildops_job_id: string | null;
  job_number: string | null;
  job_description: string | null;
  customer_code: string | null;
  cost_center: string | null;
  status_code: string | null;
  price_method_code: string | null;
  sales_tax_code: string | null;
  tax_class_code: string | null;
  original_contract: string | null;
  phase_code: string | null;
  mapped_phase_code: string | null;
  cost_type: string | null;
  description: string | null;
  invoice_number: string | null;
  transaction_type: string | null;
  invoice_date: string | null;
  gl_date: string | null;
  due_date: string | null;
  ar_gl_account: string | null;
  remarks: string | null;
  retention_percent: string | null;
  customer_po: string | null;
  invoice_total: string | null;
  terms_code: string | null;
  /** A service ticket on a daily summary invoice: the summary's buildops_id (daily:<batch_key>). */
  summary_buildops_id: string | null;
  /** A daily summary invoice: how many tickets it sums (null for every other record). */
  ticket_count: number | null;
}

/** A row of marts.writeback_outbound_lines. */
export interface OutboundLineRow {
  buildops_invoice_id: string;
  line_number: number;
  detail_description: string | null;
  /** The phase as cost_code_map.csv has it (phase_code is it without dashes, as sent). */
  mapped_phase_code: string | null;
  phase_code: string | null;
  cost_type: string | null;
  gl_account: string | null;
  line_extension: string;
  retention_amount: string;
  sales_tax_amount: string;
}

/** Spectrum field name → value, as sent (absent fields are left out, never sent blank). */
export type SpectrumFields = Record<string, string>;

/** What is sent for one record: the service and its fields (an invoice also has its lines). */
export interface Payload {
  service: 'AddJob' | 'AddPhase' | 'invoice';
  fields: SpectrumFields;
  lines?: SpectrumFields[];
}

function fields(entries: Record<string, string | number | null | undefined>): SpectrumFields {
  const out: SpectrumFields = {};
  for (const [key, value] of Object.entries(entries)) if (value !== null && value !== undefined && value !== '') out[key] = String(value);
  return out;
}

/** The payload of one outbound record; `lines` are the invoice's lines (ignored for jobs and phases). */
export function buildPayload(row: OutboundRow, lines: readonly OutboundLineRow[] = []): Payload {
  switch (row.record_type) {
    case 'job':
      return {
        service: 'AddJob',
        fields: fields({
          Company_Code: row.company_code,
          Job_Number: row.job_number,
          Job_Description: row.job_description,
          Customer_Code: row.customer_code,
          Cost_Center: row.cost_center,
          Status_Code: row.status_code,
          Price_Method_Code: row.price_method_code,
          Sales_Tax_Code: row.sales_tax_code,
          Tax_Class_Code: row.tax_class_code,
          Original_Contract: row.original_contract,
        }),
      };
    case 'phase':
      return {
        service: 'AddPhase',
        fields: fields({
          Company_Code: row.company_code,
          Job_Number: row.job_number,
          Phase_Code: row.phase_code,
          Cost_Type: row.cost_type,
          Description: row.description,
        }),
      };
    case 'invoice':
      return {
        service: 'invoice',
        fields: fields({
          Company_Code: row.company_code,
          Invoice_Or_Transaction: row.invoice_number,
          Transaction_Type: row.transaction_type,
          Customer_Code: row.customer_code,
          Job_Number: row.job_number,
          Invoice_Date: row.invoice_date,
          GL_Date: row.gl_date,
          Due_Date: row.due_date,
          AR_GL_Account: row.ar_gl_account,
          Cost_Center: row.cost_center,
          Terms_Code: row.terms_code,
          Remarks: row.remarks,
          Retention_Percent: row.retention_percent,
          Customer_PO: row.customer_po,
        }),
        lines: [...lines]
          .sort((a, b) => a.line_number - b.line_number)
          .map((l) =>
            fields({
              Detail_Description: l.detail_description,
              Phase_Code: l.phase_code,
              Cost_Type: l.cost_type,
              GL_Account: l.gl_account,
              Line_Extension: l.line_extension,
              Retention_Amount: l.retention_amount,
              Sales_Tax_Amount: l.sales_tax_amount,
            }),
          ),
      };
  }
}

/** The payload as stored: canonical JSON (keys in a fixed order), so equal payloads hash equal. */
export function payloadText(payload: Payload): string {
  return JSON.stringify(payload);
}

/** SHA-256 of the stored payload text. */
export function payloadHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The outbox id (the idempotency key): record type, BuildOps id and BuildOps version. */
export function outboxId(recordType: RecordType, buildopsId: string, version: number | null): string {
  return `${recordType}:${buildopsId}:v${version ?? 0}`;
}
