/**
 * The BuildOps list endpoints of docs/sources.md, declared once: each field's source name,
 * its warehouse column and its kind. The zod schemas, the table specs and the record → rows
 * mapping are all derived from these declarations, so the API and the file export cannot drift.
 */

/** How a source field is validated and stored. */
export type FieldKind =
  /** JSON string → varchar. */
  | 'text'
  | 'boolean'
  /** JSON integer → bigint. */
  | 'integer'
  /** JSON number → decimal(18,2), rounded to cents once, here. */
  | 'money'
  /** Rates and percents → decimal(9,4). */
  | 'rate'
  /** Quantities, hours → decimal(18,4). */
  | 'quantity'
  /** Unit prices and unit costs → decimal(18,4): material unit costs carry fractions of a cent. */
  | 'unit-price'
  /** A business date (`YYYY-MM-DD`) → date. */
  | 'date'
  /** ISO-8601 text → UTC timestamp. */
  | 'instant'
  /** Epoch seconds as text (invoice issuedDate/dueDate) → timestamp plus a local business date column. */
  | 'epoch-seconds'
  /** Epoch milliseconds (audit.lastUpdatedDateTime) → timestamp. */
  | 'epoch-millis';

export interface FieldSpec {
  /** The field's name in the API record. */
  source: string;
  /** The warehouse column (snake_case). */
  column: string;
  kind: FieldKind;
  /** A record without it (or with null) is quarantined. */
  required?: boolean;
}

/** A nested object flattened into the parent row, its fields prefixed (audit → audit_*). */
export interface ObjectSpec {
  source: string;
  /** Prefix of the columns of its undeclared fields. */
  prefix: string;
  fields: readonly FieldSpec[];
}

/** A nested array loaded into a child table keyed by the parent key and the element's position. */
export interface ChildSpec {
  source: string;
  table: string;
  fields: readonly FieldSpec[];
  /** Arrays nested in each element (purchase-order receipts → receipt lines). */
  children?: readonly NestedChildSpec[];
}

/** A child of a child: keyed by the root key, the parent element's position, then its own position. */
export interface NestedChildSpec extends ChildSpec {
  /** Column holding the parent element's position (e.g. receipt_position). */
  parentPositionColumn: string;
  /** Column holding the parent element's id, when it has one (e.g. receipt_id). */
  parentIdColumn?: string;
}

/**
 * How an endpoint pages and filters: the quirks of the BuildOps API, declared per
 * endpoint so the client reads them here and never tests an endpoint's name.
 */
export interface PagingSpec {
  /** The page-size query parameter: `limit`, or `page_size` (employees answer 400 to `limit`). */
  pageSizeParam: 'limit' | 'page_size';
  /**
   * When the last page has come (an empty page always ends paging; a short page never does):
   * `total-count` once `totalCount` records came, `has-more` at `hasMore: false` (payments),
   * `empty-page` only at an empty page (service-agreements, whose pages are capped).
   */
  end: 'total-count' | 'has-more' | 'empty-page';
  /** The most records the server puts on a page whatever is asked (service-agreements: 10); sizes the prefetch. */
  maxPageSize?: number;
  /**
   * Where the `updatedAfter` window is applied: by the `server`, or by the `client` for an
   * endpoint that ignores it (employees), on `audit.lastUpdatedDateTime`.
   */
  updatedAfter: 'server' | 'client';
}

/** The paging of every endpoint without a quirk. */
export const STANDARD_PAGING: PagingSpec = { pageSizeParam: 'limit', end: 'total-count', updatedAfter: 'server' };

export interface EndpointSpec {
  /** The API path name (`pay-applications`). */
  endpoint: string;
  /** Its paging quirks (STANDARD_PAGING when it has none). */
  paging: PagingSpec;
  /** The parent table (`buildops__pay_applications`). */
  table: string;
  /** The parent key's column name in child tables (`pay_application_id`). */
  parentKey: string;
  fields: readonly FieldSpec[];
  objects: readonly ObjectSpec[];
  children: readonly ChildSpec[];
}

const f = (source: string, column: string, kind: FieldKind, required = false): FieldSpec => ({ source, column, kind, required });
const text = (source: string, column: string, required = false): FieldSpec => f(source, column, 'text', required);

const ID = f('id', 'id', 'text', true);
const VERSION = f('version', 'version', 'integer');

const AUDIT: ObjectSpec = {
  source: 'audit',
  prefix: 'audit_',
  fields: [
    f('createdDate', 'audit_created_date', 'instant'),
    f('lastUpdatedDate', 'audit_last_updated_date', 'instant'),
    f('lastUpdatedDateTime', 'audit_last_updated_date_time', 'epoch-millis'),
    text('createdBy', 'audit_created_by'),
    text('lastUpdatedBy', 'audit_last_updated_by'),
  ],
};

/** Every endpoint, in the order the contract lists them. */
export const BUILDOPS_ENDPOINT_SPECS: readonly EndpointSpec[] = [
  {
    endpoint: 'customers',
    paging: STANDARD_PAGING,
    table: 'buildops__customers',
    parentKey: 'customer_id',
    fields: [
      ID,
      text('customerNumber', 'customer_number'),
      text('name', 'name'),
      text('status', 'status'),
      f('isActive', 'is_active', 'boolean'),
      text('phonePrimary', 'phone_primary'),
      text('accountingRefId', 'accounting_ref_id'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [
      {
        source: 'addresses',
        table: 'buildops__customers__addresses',
        fields: [
          text('addressType', 'address_type'),
          text('addressLine1', 'address_line1'),
          text('addressLine2', 'address_line2'),
          text('city', 'city'),
          text('state', 'state'),
          text('zipcode', 'zipcode'),
        ],
      },
    ],
  },
  {
    endpoint: 'properties',
    paging: STANDARD_PAGING,
    table: 'buildops__properties',
    parentKey: 'property_id',
    fields: [ID, text('customerId', 'customer_id'), text('billingCustomerId', 'billing_customer_id'), text('propertyName', 'property_name'), VERSION],
    objects: [
      {
        source: 'address',
        prefix: 'address_',
        fields: [
          text('addressLine1', 'address_line1'),
          text('addressLine2', 'address_line2'),
          text('city', 'city'),
          text('state', 'state'),
          text('zipcode', 'zipcode'),
        ],
      },
      AUDIT,
    ],
    children: [],
  },
  {
    endpoint: 'departments',
    paging: STANDARD_PAGING,
    table: 'buildops__departments',
    parentKey: 'department_id',
    fields: [ID, text('name', 'name'), VERSION],
    objects: [AUDIT],
    children: [],
  },
  {
    endpoint: 'jobs',
    paging: STANDARD_PAGING,
    table: 'buildops__jobs',
    parentKey: 'job_id',
    fields: [
      ID,
      text('jobNumber', 'job_number'),
      text('name', 'name'),
      text('jobTypeName', 'job_type_name'),
      text('status', 'status'),
      text('customerId', 'customer_id'),
      text('billingCustomerId', 'billing_customer_id'),
      text('customerPropertyId', 'customer_property_id'),
      text('projectId', 'project_id'),
      text('taxRateName', 'tax_rate_name'),
      f('isProgressBilled', 'is_progress_billed', 'boolean'),
      text('accountingRefId', 'accounting_ref_id'),
      text('syncStatus', 'sync_status'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [
      { source: 'departments', table: 'buildops__jobs__departments', fields: [text('id', 'id'), text('name', 'name')] },
      {
        source: 'assignedSubcontractors',
        table: 'buildops__jobs__assigned_subcontractors',
        fields: [
          text('vendorId', 'vendor_id'),
          text('vendorAccountingRefId', 'vendor_accounting_ref_id'),
          f('startDate', 'start_date', 'date'),
          f('endDate', 'end_date', 'date'),
        ],
      },
    ],
  },
  {
    endpoint: 'products',
    paging: STANDARD_PAGING,
    table: 'buildops__products',
    parentKey: 'product_id',
    fields: [
      ID,
      text('code', 'code'),
      text('name', 'name'),
      text('type', 'type'),
      f('isActive', 'is_active', 'boolean'),
      text('glExpenseAccount', 'gl_expense_account'),
      text('glRevenueAccount', 'gl_revenue_account'),
      text('costType', 'cost_type'),
      f('unitPrice', 'unit_price', 'unit-price'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [],
  },
  {
    endpoint: 'invoices',
    paging: STANDARD_PAGING,
    table: 'buildops__invoices',
    parentKey: 'invoice_id',
    fields: [
      ID,
      text('invoiceNumber', 'invoice_number'),
      text('status', 'status'),
      text('customerId', 'customer_id'),
      text('billingCustomerId', 'billing_customer_id'),
      text('customerPropertyId', 'customer_property_id'),
      text('jobId', 'job_id'),
      text('jobNumber', 'job_number'),
      text('projectId', 'project_id'),
      text('departmentName', 'department_name'),
      f('issuedDate', 'issued_date', 'epoch-seconds'),
      f('dueDate', 'due_date', 'epoch-seconds'),
      text('paymentTermName', 'payment_term_name'),
      f('subtotal', 'subtotal', 'money'),
      f('taxAmount', 'tax_amount', 'money'),
      f('salesTaxRate', 'sales_tax_rate', 'rate'),
      f('totalAmount', 'total_amount', 'money', true),
      f('retainageAmount', 'retainage_amount', 'money'),
      f('retainagePercent', 'retainage_percent', 'rate'),
      text('customerProvidedPONumber', 'customer_provided_po_number'),
      text('accountingRefId', 'accounting_ref_id'),
      text('syncStatus', 'sync_status'),
      text('syncError', 'sync_error'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [
      {
        source: 'invoiceItems',
        table: 'buildops__invoices__items',
        fields: [
          text('id', 'id'),
          text('lineItemType', 'line_item_type'),
          text('productId', 'product_id'),
          text('itemCode', 'item_code'),
          text('name', 'name'),
          text('description', 'description'),
          f('quantity', 'quantity', 'quantity'),
          f('unitPrice', 'unit_price', 'unit-price'),
          f('amount', 'amount', 'money'),
          f('taxable', 'taxable', 'boolean'),
        ],
      },
      {
        source: 'payments',
        table: 'buildops__invoices__payments',
        fields: [text('paymentId', 'payment_id'), f('appliedAmount', 'applied_amount', 'money'), f('appliedDate', 'applied_date', 'date')],
      },
    ],
  },
  {
    endpoint: 'payments',
    paging: { ...STANDARD_PAGING, end: 'has-more' },
    table: 'buildops__payments',
    parentKey: 'payment_id',
    fields: [
      ID,
      text('paymentNumber', 'payment_number'),
      text('customerId', 'customer_id'),
      f('paymentDate', 'payment_date', 'date'),
      f('amount', 'amount', 'money', true),
      text('paymentType', 'payment_type'),
      text('accountingRefId', 'accounting_ref_id'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [
      {
        source: 'applications',
        table: 'buildops__payments__applications',
        fields: [text('invoiceId', 'invoice_id'), f('appliedAmount', 'applied_amount', 'money')],
      },
    ],
  },
  {
    endpoint: 'projects',
    paging: STANDARD_PAGING,
    table: 'buildops__projects',
    parentKey: 'project_id',
    fields: [
      ID,
      text('projectNumber', 'project_number'),
      text('name', 'name'),
      text('jobId', 'job_id'),
      // Assumed (to confirm): the service job a converted project grew out of; absent = null.
      text('sourceJobId', 'source_job_id'),
      f('contractAmount', 'contract_amount', 'money'),
      f('retainagePercent', 'retainage_percent', 'rate'),
      text('status', 'status'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [],
  },
  {
    endpoint: 'pay-applications',
    paging: STANDARD_PAGING,
    table: 'buildops__pay_applications',
    parentKey: 'pay_application_id',
    fields: [
      ID,
      text('projectId', 'project_id'),
      text('jobNumber', 'job_number'),
      f('applicationNumber', 'application_number', 'integer'),
      f('periodFrom', 'period_from', 'date'),
      f('periodTo', 'period_to', 'date'),
      text('status', 'status'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [
      {
        source: 'lines',
        table: 'buildops__pay_applications__lines',
        fields: [
          text('itemNumber', 'item_number'),
          text('description', 'description'),
          f('scheduledValue', 'scheduled_value', 'money'),
          f('previousCompleted', 'previous_completed', 'money'),
          f('thisPeriod', 'this_period', 'money'),
          f('materialsStored', 'materials_stored', 'money'),
          f('completedToDate', 'completed_to_date', 'money'),
          f('retainageAmount', 'retainage_amount', 'money'),
        ],
      },
    ],
  },
  {
    endpoint: 'purchase-orders',
    paging: STANDARD_PAGING,
    table: 'buildops__purchase_orders',
    parentKey: 'purchase_order_id',
    fields: [
      ID,
      text('poNumber', 'po_number'),
      text('vendorId', 'vendor_id'),
      text('vendorAccountingRefId', 'vendor_accounting_ref_id'),
      text('jobId', 'job_id'),
      text('jobNumber', 'job_number'),
      text('status', 'status'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [
      {
        source: 'lines',
        table: 'buildops__purchase_orders__lines',
        fields: [
          text('productId', 'product_id'),
          text('itemCode', 'item_code'),
          text('description', 'description'),
          f('quantity', 'quantity', 'quantity'),
          f('unitCost', 'unit_cost', 'unit-price'),
          text('costType', 'cost_type'),
          text('glExpenseAccount', 'gl_expense_account'),
        ],
      },
      {
        source: 'receipts',
        table: 'buildops__purchase_orders__receipts',
        fields: [
          text('id', 'id'),
          text('receiptNumber', 'receipt_number'),
          text('vendorDocumentNumber', 'vendor_document_number'),
          f('receivedDate', 'received_date', 'date'),
        ],
        children: [
          {
            source: 'lines',
            table: 'buildops__purchase_orders__receipt_lines',
            parentPositionColumn: 'receipt_position',
            parentIdColumn: 'receipt_id',
            fields: [f('poLineIndex', 'po_line_index', 'integer'), f('quantity', 'quantity', 'quantity'), f('amount', 'amount', 'money')],
          },
        ],
      },
    ],
  },
  {
    endpoint: 'timesheets',
    paging: STANDARD_PAGING,
    table: 'buildops__timesheets',
    parentKey: 'timesheet_id',
    fields: [
      ID,
      text('employeeId', 'employee_id'),
      text('jobId', 'job_id'),
      text('jobNumber', 'job_number'),
      f('workDate', 'work_date', 'date'),
      f('hours', 'hours', 'quantity'),
      text('productId', 'product_id'),
      text('approvedStatus', 'approved_status'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [],
  },
  {
    endpoint: 'employees',
    paging: { ...STANDARD_PAGING, pageSizeParam: 'page_size', updatedAfter: 'client' },
    table: 'buildops__employees',
    parentKey: 'employee_id',
    fields: [ID, text('name', 'name'), f('isActive', 'is_active', 'boolean'), f('isTechnician', 'is_technician', 'boolean'), VERSION],
    objects: [AUDIT],
    children: [],
  },
  {
    endpoint: 'vendors',
    paging: STANDARD_PAGING,
    table: 'buildops__vendors',
    parentKey: 'vendor_id',
    fields: [ID, text('name', 'name'), text('accountingRefId', 'accounting_ref_id'), f('isSubcontractor', 'is_subcontractor', 'boolean'), VERSION],
    objects: [AUDIT],
    children: [],
  },
  {
    endpoint: 'service-agreements',
    paging: { ...STANDARD_PAGING, end: 'empty-page', maxPageSize: 10 },
    table: 'buildops__service_agreements',
    parentKey: 'service_agreement_id',
    fields: [
      ID,
      text('agreementNumber', 'agreement_number'),
      text('customerId', 'customer_id'),
      text('status', 'status'),
      f('startDate', 'start_date', 'date'),
      f('endDate', 'end_date', 'date'),
      VERSION,
    ],
    objects: [AUDIT],
    children: [
      {
        source: 'maintenances',
        table: 'buildops__service_agreements__maintenances',
        fields: [text('id', 'id'), f('scheduledDate', 'scheduled_date', 'date'), text('jobId', 'job_id')],
      },
    ],
  },
];

/** The endpoint names (`customers`, ..., `service-agreements`). */
export const BUILDOPS_ENDPOINTS: readonly string[] = BUILDOPS_ENDPOINT_SPECS.map((s) => s.endpoint);

/** The declaration of one endpoint (throws on a name outside the contract). */
export function endpointSpec(endpoint: string): EndpointSpec {
  const spec = BUILDOPS_ENDPOINT_SPECS.find((s) => s.endpoint === endpoint);
  if (!spec) throw new Error(`${endpoint} is not a BuildOps endpoint of the contract`);
  return spec;
}
