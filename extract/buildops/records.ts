/**
 * One BuildOps record → its rows: validation with zod (per record, unknown fields let through),
 * flattening of audit and nested objects, child tables for nested arrays, and the exact
 * conversions (money rounded to cents once, epoch seconds/millis to UTC instants, the business
 * date in the company's time zone). The API and the file export share this code.
 */
import { z } from 'zod';
import { dateInTimeZone, isIsoDate, parseStrictInstant } from '../../lib/dates.ts';
import { decimalToUnscaled, moneyFromNumber, unscaledToDecimal } from '../../lib/decimal.ts';
import type { ColumnSpec, ColumnType, QuarantineRecord, Row, TableSpec } from '../types.ts';
import type { ChildSpec, EndpointSpec, FieldKind, FieldSpec } from './endpoints.ts';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const COLUMN_TYPES: Record<FieldKind, ColumnType> = {
  text: 'varchar',
  boolean: 'boolean',
  integer: 'bigint',
  money: 'decimal(18,2)',
  rate: 'decimal(9,4)',
  quantity: 'decimal(18,4)',
  'unit-price': 'decimal(18,4)',
  date: 'date',
  instant: 'timestamp',
  'epoch-seconds': 'timestamp',
  'epoch-millis': 'timestamp',
};

/** The column a field of kind `epoch-seconds` adds beside its instant: the local business date. */
function localColumn(field: FieldSpec): string {
  return `${field.column}_local`;
}

function isInstantText(value: string): boolean {
  // Strict: Date.parse rolls 2026-02-30 over to March 2.
  return ISO_INSTANT.test(value) && parseStrictInstant(value) !== null;
}

function isEpochSeconds(value: unknown): boolean {
  return (typeof value === 'string' && /^-?\d{1,12}$/.test(value.trim())) || (typeof value === 'number' && Number.isInteger(value));
}

function fieldSchema(field: FieldSpec): z.ZodType {
  let schema: z.ZodType;
  switch (field.kind) {
    case 'text':
      schema = z.string();
      break;
    case 'boolean':
      schema = z.boolean();
      break;
    case 'integer':
    case 'epoch-millis':
      schema = z.number().int();
      break;
    case 'money':
    case 'rate':
    case 'quantity':
    case 'unit-price':
      schema = z.number();
      break;
    case 'date':
      // A business date; an ISO date-time is accepted too and read in the company's time zone.
      schema = z.string().refine((v) => isIsoDate(v) || isInstantText(v), { error: 'expected a date (YYYY-MM-DD)' });
      break;
    case 'instant':
      schema = z.string().refine(isInstantText, { error: 'expected an ISO-8601 date-time' });
      break;
    case 'epoch-seconds':
      schema = z.union([z.string(), z.number()]).refine(isEpochSeconds, { error: 'expected epoch seconds' });
      break;
  }
  return field.required ? schema : schema.nullish();
}

function shape(fields: readonly FieldSpec[]): Record<string, z.ZodType> {
  return Object.fromEntries(fields.map((field) => [field.source, fieldSchema(field)]));
}

function childSchema(child: ChildSpec): z.ZodType {
  const nested = Object.fromEntries((child.children ?? []).map((c) => [c.source, childSchema(c)]));
  return z.array(z.looseObject({ ...shape(child.fields), ...nested })).nullish();
}

/** The zod schema of an endpoint's records: declared fields typed, unknown fields let through. */
export function recordSchema(spec: EndpointSpec): z.ZodType<Record<string, unknown>> {
  const objects = Object.fromEntries(spec.objects.map((o) => [o.source, z.looseObject(shape(o.fields)).nullish()]));
  const children = Object.fromEntries(spec.children.map((c) => [c.source, childSchema(c)]));
  return z.looseObject({ ...shape(spec.fields), ...objects, ...children }) as unknown as z.ZodType<Record<string, unknown>>;
}

/** Whether a value passes its field's zod schema for sure (fieldSchema, checked directly). */
function fieldConforms(field: FieldSpec, value: unknown): boolean {
  if (value === null || value === undefined) return !field.required;
  switch (field.kind) {
    case 'text':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
    case 'epoch-millis':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'money':
    case 'rate':
    case 'quantity':
    case 'unit-price':
      return typeof value === 'number' && Number.isFinite(value);
    case 'date':
      return typeof value === 'string' && (isIsoDate(value) || isInstantText(value));
    case 'instant':
      return typeof value === 'string' && isInstantText(value);
    case 'epoch-seconds':
      return (typeof value === 'string' || typeof value === 'number') && isEpochSeconds(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function fieldsConform(fields: readonly FieldSpec[], record: Record<string, unknown>): boolean {
  for (const field of fields) if (!fieldConforms(field, record[field.source])) return false;
  return true;
}

function childConforms(child: ChildSpec, items: unknown): boolean {
  if (items === null || items === undefined) return true;
  if (!Array.isArray(items)) return false;
  for (const item of items) {
    if (!isPlainObject(item) || !fieldsConform(child.fields, item)) return false;
    for (const nested of child.children ?? []) if (!childConforms(nested, item[nested.source])) return false;
  }
  return true;
}

/**
 * Whether a record passes recordSchema for sure, checked field by field without zod (which costs
 * more than the rest of a record's mapping). False means only "ask zod": zod gives the reasons.
 */
export function conformsToSpec(spec: EndpointSpec, record: unknown): record is Record<string, unknown> {
  if (!isPlainObject(record) || !fieldsConform(spec.fields, record)) return false;
  for (const object of spec.objects) {
    const value = record[object.source];
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value) || !fieldsConform(object.fields, value)) return false;
  }
  for (const child of spec.children) if (!childConforms(child, record[child.source])) return false;
  return true;
}

function fieldColumns(field: FieldSpec): ColumnSpec[] {
  const columns: ColumnSpec[] = [{ name: field.column, type: COLUMN_TYPES[field.kind] }];
  if (field.kind === 'epoch-seconds') columns.push({ name: localColumn(field), type: 'date' });
  return columns;
}

function childTables(spec: EndpointSpec, child: ChildSpec, keyPrefix: readonly ColumnSpec[]): TableSpec[] {
  const keys: ColumnSpec[] = [...keyPrefix, { name: 'position', type: 'bigint' }];
  const parentId = 'parentIdColumn' in child && typeof child.parentIdColumn === 'string' ? [{ name: child.parentIdColumn, type: 'varchar' as const }] : [];
  const table: TableSpec = {
    schema: 'raw',
    name: child.table,
    columns: [...keys, ...parentId, ...child.fields.flatMap(fieldColumns)],
    primaryKey: keys.map((k) => k.name),
  };
  const nested = (child.children ?? []).flatMap((c) => childTables(spec, c, [...keyPrefix, { name: c.parentPositionColumn, type: 'bigint' }]));
  return [table, ...nested];
}

/** The tables of an endpoint: the parent first, then its child tables (all in `raw`). */
export function endpointTables(spec: EndpointSpec): TableSpec[] {
  const parent: TableSpec = {
    schema: 'raw',
    name: spec.table,
    columns: [...spec.fields.flatMap(fieldColumns), ...spec.objects.flatMap((o) => o.fields.flatMap(fieldColumns))],
    primaryKey: ['id'],
  };
  const rootKey: ColumnSpec = { name: spec.parentKey, type: 'varchar' };
  return [parent, ...spec.children.flatMap((c) => childTables(spec, c, [rootKey]))];
}

/** A JSON number as exact decimal text at `scale` digits (half away from zero), from its shortest form. */
export function decimalFromNumber(value: number, scale: number): string {
  if (scale === 2) return moneyFromNumber(value);
  const text = String(value).includes('e') ? value.toFixed(12) : String(value);
  return unscaledToDecimal(decimalToUnscaled(text, scale), scale);
}

function dateOf(value: string, timeZone: string): string {
  return isIsoDate(value) ? value : dateInTimeZone(new Date(value), timeZone);
}

/** Sets the column(s) of one validated field on `row`. */
function putField(row: Row, field: FieldSpec, value: unknown, timeZone: string): void {
  if (value === null || value === undefined) {
    row[field.column] = null;
    if (field.kind === 'epoch-seconds') row[localColumn(field)] = null;
    return;
  }
  switch (field.kind) {
    case 'text':
    case 'boolean':
      row[field.column] = value;
      return;
    case 'integer':
      row[field.column] = value;
      return;
    case 'money':
      row[field.column] = moneyFromNumber(value as number);
      return;
    case 'rate':
    case 'quantity':
    case 'unit-price':
      row[field.column] = decimalFromNumber(value as number, 4);
      return;
    case 'date':
      row[field.column] = dateOf(value as string, timeZone);
      return;
    case 'instant':
      row[field.column] = new Date(value as string);
      return;
    case 'epoch-millis':
      row[field.column] = new Date(value as number);
      return;
    case 'epoch-seconds': {
      const instant = new Date(Number(value) * 1000);
      row[field.column] = instant;
      row[localColumn(field)] = dateInTimeZone(instant, timeZone);
      return;
    }
  }
}

const NOTHING: ReadonlySet<string> = new Set();
// putFields runs for every record and nested element: each field list's names are collected once.
const sourcesByFields = new WeakMap<readonly FieldSpec[], ReadonlySet<string>>();

function declaredSources(fields: readonly FieldSpec[]): ReadonlySet<string> {
  let sources = sourcesByFields.get(fields);
  if (!sources) {
    sources = new Set(fields.map((field) => field.source));
    sourcesByFields.set(fields, sources);
  }
  return sources;
}

/** Copies the declared fields, then the undeclared ones (named `prefix` + field; never over a declared column). */
function putFields(
  row: Row,
  fields: readonly FieldSpec[],
  source: Record<string, unknown>,
  timeZone: string,
  prefix = '',
  skip: ReadonlySet<string> = NOTHING,
): void {
  const declared = declaredSources(fields);
  for (const field of fields) putField(row, field, source[field.source], timeZone);
  for (const [key, value] of Object.entries(source)) {
    if (declared.has(key) || skip.has(key)) continue;
    const name = prefix + key;
    if (!(name in row)) row[name] = value;
  }
}

/** The rows of one validated record, per table name. */
export interface RecordRows {
  /** Rows per table, the parent first. */
  rows: Map<string, Row[]>;
}

function putChildren(out: Map<string, Row[]>, child: ChildSpec, items: unknown, key: Row, timeZone: string): void {
  if (!Array.isArray(items)) return;
  const nestedSources = new Set((child.children ?? []).map((c) => c.source));
  items.forEach((item, index) => {
    const element = (item ?? {}) as Record<string, unknown>;
    // Positions are 1-based, like Spectrum's line numbers (a PO receipt line's poLineIndex stays 0-based as sent).
    const position = index + 1;
    const row: Row = {};
    putFields(row, child.fields, element, timeZone, '', nestedSources);
    // The key columns go last so that an undeclared field can never overwrite them.
    Object.assign(row, key, { position });
    out.get(child.table)!.push(row);
    for (const nested of child.children ?? []) {
      const nestedKey: Row = { ...key, [nested.parentPositionColumn]: position };
      if (nested.parentIdColumn) nestedKey[nested.parentIdColumn] = typeof element.id === 'string' ? element.id : null;
      putChildren(out, nested, element[nested.source], nestedKey, timeZone);
    }
  });
}

/** Flattens one validated record into its parent row and child rows. */
export function recordToRows(spec: EndpointSpec, tables: readonly TableSpec[], record: Record<string, unknown>, timeZone: string): Map<string, Row[]> {
  const out = new Map<string, Row[]>(tables.map((t) => [t.name, []]));
  const parent: Row = {};
  const structured = new Set([...spec.objects.map((o) => o.source), ...spec.children.map((c) => c.source)]);
  putFields(parent, spec.fields, record, timeZone, '', structured);
  for (const object of spec.objects) {
    const value = record[object.source];
    const source = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    putFields(parent, object.fields, source, timeZone, object.prefix);
  }
  out.get(spec.table)!.push(parent);
  for (const child of spec.children) putChildren(out, child, record[child.source], { [spec.parentKey]: record.id }, timeZone);
  return out;
}

/** Reasons a record failed validation, each naming the field (`totalAmount: expected number, received string`). */
export function issueReasons(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(record)';
    return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
}

/** The quarantine record of a record that failed validation. */
export function quarantineOf(record: unknown, reasons: readonly string[]): QuarantineRecord {
  const id = record !== null && typeof record === 'object' ? (record as { id?: unknown }).id : undefined;
  return { recordKey: typeof id === 'string' && id !== '' ? id : null, rawRecord: record, reasons };
}
