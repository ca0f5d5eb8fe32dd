/**
 * A BuildOps export file read and typed by DuckDB (`read_json` with the declared fields as
 * columns; the DuckDB warehouse itself, or a private DuckDB feeding Postgres), the fast path for
 * the largest files (invoices and their lines). json-shape.ts has already vouched for the JSON
 * types of every field; the SQL types each value exactly as records.ts does — money rounded half
 * away from zero from the number's shortest text, epoch seconds to an instant and the business
 * date in the company's time zone, dates strictly — and marks a record whose values it cannot
 * vouch for as not `_regular`, so that the file is loaded record by record instead (records.ts
 * then gives the reasons). The in-file duplicates rule of resources.ts (RecordStream) is applied
 * in the table SELECTs. The rules live in records.ts and resources.ts; this file mirrors them, and
 * test/extract/buildops/buildops-json-sql.test.ts checks that both paths load the same rows.
 */
import type { LoadBatch, SqlFileRead } from '../types.ts';
import type { ChildSpec, EndpointSpec, FieldKind, FieldSpec, NestedChildSpec } from './endpoints.ts';
import { endpointTables } from './records.ts';

/** What the fast path needs from the file resource. */
export interface JsonSqlOptions {
  spec: EndpointSpec;
  path: string;
  /** The records json-shape.ts counted. */
  records: number;
  timeZone: string;
  checkRecords(records: number): void;
  fallback(): AsyncIterable<LoadBatch>;
}

/** The column type `read_json` reads a field as (json-shape.ts has checked its JSON type). */
const READ_TYPES: Record<FieldKind, string> = {
  text: 'VARCHAR',
  boolean: 'BOOLEAN',
  integer: 'BIGINT',
  'epoch-millis': 'BIGINT',
  money: 'DOUBLE',
  rate: 'DOUBLE',
  quantity: 'DOUBLE',
  'unit-price': 'DOUBLE',
  date: 'VARCHAR',
  instant: 'VARCHAR',
  'epoch-seconds': 'VARCHAR',
};

const DECIMALS: Partial<Record<FieldKind, [number, number]>> = { money: [18, 2], rate: [9, 4], quantity: [18, 4], 'unit-price': [18, 4] };

/**
 * Instants the SQL vouches for: 1900 to 2099, with seconds (DuckDB reads no instant without
 * them), at most milliseconds (JavaScript's Date keeps no more), and a zone. Anything else goes
 * the record path, which reads it (or quarantines it) as it always has.
 */
const INSTANT = '(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])';
const ISO_DATE = '[0-9]{4}-[0-9]{2}-[0-9]{2}';
/** Epoch seconds (and milliseconds) from 1900-01-01 to 2100-01-01, where both time zone databases agree. */
const MIN_SECONDS = -2208988800;
const MAX_SECONDS = 4102444800;

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The `read_json` type of a list of child elements (with the lists nested in them). */
function childReadType(child: ChildSpec): string {
  const fields = child.fields.map((f) => `${quote(f.source)} ${READ_TYPES[f.kind]}`);
  const nested = (child.children ?? []).map((c) => `${quote(c.source)} ${childReadType(c)}`);
  return `STRUCT(${[...fields, ...nested].join(', ')})[]`;
}

/** The `columns` argument of `read_json`: every declared field of the record, typed. */
function readColumns(spec: EndpointSpec): string {
  const entries = [
    ...spec.fields.map((f) => [f.source, READ_TYPES[f.kind]] as const),
    ...spec.objects.map((o) => [o.source, `STRUCT(${o.fields.map((f) => `${quote(f.source)} ${READ_TYPES[f.kind]}`).join(', ')})`] as const),
    ...spec.children.map((c) => [c.source, childReadType(c)] as const),
  ];
  return `{${entries.map(([name, type]) => `${literal(name)}: ${literal(type)}`).join(', ')}}`;
}

/** A decimal exactly as records.ts's decimalFromNumber/moneyFromNumber, or NULL where the SQL cannot vouch for it. */
function decimalSql(source: string, precision: number, scale: number): string {
  const type = `DECIMAL(${precision},${scale})`;
  // Both print the shortest text that reads back as the same double; below 1e-4 DuckDB writes an
  // exponent, so such a value is either surely 0 at 2 or 4 places, or left to the record path.
  return `CASE WHEN NOT isfinite(${source}) THEN NULL WHEN abs(${source}) < 1e-5 THEN CAST(0 AS ${type}) WHEN abs(${source}) < 1e-4 THEN NULL ELSE TRY_CAST(CAST(${source} AS VARCHAR) AS ${type}) END`;
}

/**
 * One declared field over its `read_json` value `source`: its typed value(s), named as records.ts
 * names its columns. Each is NULL exactly when the source is null, or when the SQL cannot vouch
 * for it (the record is then not regular).
 */
function fieldSql(field: FieldSpec, source: string, timeZone: string): [string, string][] {
  const tz = literal(timeZone);
  switch (field.kind) {
    case 'text':
    case 'boolean':
    case 'integer':
      return [[field.column, source]];
    case 'money':
    case 'rate':
    case 'quantity':
    case 'unit-price': {
      const [precision, scale] = DECIMALS[field.kind]!;
      return [[field.column, decimalSql(source, precision, scale)]];
    }
    case 'epoch-millis':
      return [[field.column, `CASE WHEN ${source} BETWEEN ${MIN_SECONDS * 1000} AND ${MAX_SECONDS * 1000} THEN make_timestamp(${source} * 1000) END`]];
    case 'instant':
      return [[field.column, `CASE WHEN regexp_full_match(${source}, ${literal(INSTANT)}) THEN timezone('UTC', TRY_CAST(${source} AS TIMESTAMPTZ)) END`]];
    case 'date':
      // A business date as it is (years before 100 are no date to records.ts), or an instant's date in the time zone.
      return [
        [
          field.column,
          `CASE WHEN regexp_full_match(${source}, ${literal(ISO_DATE)}) THEN CASE WHEN ${source} >= '0100' THEN TRY_CAST(${source} AS DATE) END WHEN regexp_full_match(${source}, ${literal(INSTANT)}) THEN CAST(timezone(${tz}, TRY_CAST(${source} AS TIMESTAMPTZ)) AS DATE) END`,
        ],
      ];
    case 'epoch-seconds': {
      // Text of up to 12 digits (not trimmed: padded text goes the record path), or a JSON integer.
      const seconds = `CASE WHEN regexp_full_match(${source}, '-?[0-9]{1,12}') THEN TRY_CAST(${source} AS BIGINT) END`;
      const inRange = `${seconds} BETWEEN ${MIN_SECONDS} AND ${MAX_SECONDS}`;
      return [
        [field.column, `CASE WHEN ${inRange} THEN make_timestamp(${seconds} * 1000000) END`],
        [`${field.column}_local`, `CASE WHEN ${inRange} THEN CAST(timezone(${tz}, to_timestamp(${seconds})) AS DATE) END`],
      ];
    }
  }
}

/** `1 if null else 0` summed over some expressions: how many are NULL. */
function nullCount(expressions: readonly string[]): string {
  return expressions.length === 0 ? '0' : expressions.map((e) => `(${e} IS NULL)::INTEGER`).join(' + ');
}

/** The typed fields of an object (a record, an element), and how many of its sources were null. */
interface TypedFields {
  values: [string, string][];
  /** The typed value that is NULL exactly when its field's source is (the first of each field's). */
  firsts: string[];
  sourceNulls: string;
}

function typedFields(fields: readonly FieldSpec[], at: (source: string) => string, timeZone: string): TypedFields {
  const values: [string, string][] = [];
  const firsts: string[] = [];
  for (const field of fields) {
    const typed = fieldSql(field, at(field.source), timeZone);
    values.push(...typed);
    firsts.push(typed[0]![0]);
  }
  return { values, firsts, sourceNulls: nullCount(fields.map((f) => at(f.source))) };
}

/** The column of the typed table holding a child table's typed elements. */
function listColumn(child: ChildSpec): string {
  return `_list_${child.table}`;
}

/**
 * A child list typed element by element (lambda over `source`): each element a struct of its
 * typed fields, `_n` (its null sources) and its nested lists.
 */
function typedList(child: ChildSpec, source: string, timeZone: string, depth: number): string {
  const x = `x${depth}`;
  const fields = typedFields(child.fields, (s) => `${x}.${quote(s)}`, timeZone);
  const nested = (child.children ?? []).map((c) => [listColumn(c), typedList(c, `${x}.${quote(c.source)}`, timeZone, depth + 1)] as const);
  const members = [['_n', fields.sourceNulls] as const, ...fields.values, ...nested].map(([name, sql]) => `${quote(name)} := ${sql}`);
  return `list_transform(${source}, ${x} -> struct_pack(${members.join(', ')}))`;
}

/** Whether every element of a typed child list (and of its nested lists) was typed exactly. */
function listRegular(child: ChildSpec, list: string, depth: number): string {
  const y = `y${depth}`;
  const firsts = typedFields(child.fields, (s) => s, 'UTC').firsts.map((name) => `${y}.${quote(name)}`);
  const checks = [`${y}._n = ${nullCount(firsts)}`, ...(child.children ?? []).map((c) => listRegular(c, `${y}.${quote(listColumn(c))}`, depth + 1))];
  return `coalesce(list_bool_and(list_transform(${list}, ${y} -> ${checks.join(' AND ')})), true)`;
}

/** Whether the tables' columns are free of clashes the record path would settle its own way. */
function columnsAreDistinct(spec: EndpointSpec): boolean {
  return endpointTables(spec).every((t) => new Set(t.columns.map((c) => c.name)).size === t.columns.length);
}

/** The typed column the RecordStream's last-updated time (resources.ts lastUpdatedMs) reads, per preference. */
function lastUpdatedColumns(spec: EndpointSpec): string[] {
  const audit = spec.objects.find((o) => o.source === 'audit');
  const column = (source: string) => audit?.fields.find((f) => f.source === source)?.column;
  return [column('lastUpdatedDate'), column('lastUpdatedDateTime')].filter((c): c is string => c !== undefined);
}

/**
 * The records each load keeps, per resources.ts's RecordStream: an id seen before is dropped
 * when its last-updated time is older than the last version kept (and that one had a time),
 * else kept, the later replacing the earlier. `_last` marks the version that stays (its children
 * are loaded; the loader counts the replaced parents). Ids seen once skip the windows.
 */
function keptSql(spec: EndpointSpec): string {
  const times = lastUpdatedColumns(spec).map((c) => `epoch_ms(t.${quote(c)})`);
  const ms = times.length === 0 ? 'CAST(NULL AS BIGINT)' : `coalesce(${times.join(', ')})`;
  const twice = `(SELECT id FROM {typed} GROUP BY id HAVING count(*) > 1)`;
  const before = 'ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING';
  const ordered = `SELECT t.rowid AS _ord, t.*, ${ms} AS _ms FROM {typed} AS t WHERE t.id IN ${twice}`;
  // Since the last version without a time, the kept times never decrease: the last kept is the greatest before.
  const segments = `SELECT *, coalesce(count(*) FILTER (WHERE _ms IS NULL) OVER (PARTITION BY id ORDER BY _ord ${before}), 0) AS _segment FROM (${ordered})`;
  const greatest = `SELECT *, max(_ms) OVER (PARTITION BY id, _segment ORDER BY _ord ${before}) AS _greatest FROM (${segments})`;
  const kept = `SELECT * EXCLUDE (_ms, _segment, _greatest) FROM (${greatest}) WHERE _ms IS NULL OR _greatest IS NULL OR _ms >= _greatest`;
  const last = `SELECT *, row_number() OVER (PARTITION BY id ORDER BY _ord DESC) = 1 AS _last FROM (${kept})`;
  const once = `SELECT t.rowid AS _ord, t.*, true AS _last FROM {typed} AS t WHERE t.id NOT IN ${twice}`;
  return `(${once} UNION ALL BY NAME ${last})`;
}

/**
 * The SELECTs of a child table (and of its nested children) over `parents`: rows of its key
 * columns, the columns it carries from its parent element (`carried`) and its typed list `list`.
 * Positions are 1-based, as records.ts numbers them.
 */
function childTables(
  child: ChildSpec,
  parents: string,
  keys: readonly string[],
  carried: readonly string[],
  list: string,
  tables: SqlFileRead['tables'][number][],
): void {
  const e = quote('_e');
  const fields = typedFields(child.fields, (s) => s, 'UTC').values.map(([name]) => name);
  const passed = [...keys, ...carried].map(quote).join(', ');
  const elements = `SELECT ${passed}, unnest(${list}) AS _e, generate_subscripts(${list}, 1) AS position FROM ${parents}`;
  tables.push({
    table: child.table,
    columns: [...keys, 'position', ...carried, ...fields],
    sql: `SELECT row_number() OVER () AS _ord, ${passed}, position, ${fields.map((f) => `${e}.${quote(f)} AS ${quote(f)}`).join(', ')} FROM (${elements})`,
  });
  for (const nested of (child.children ?? []) as readonly NestedChildSpec[]) {
    // The element's id goes along when it has one (records.ts: a string id, else null; json-shape.ts let only strings through).
    const id = child.fields.find((f) => f.source === 'id' && f.kind === 'text');
    const parentId = nested.parentIdColumn && id ? [nested.parentIdColumn] : [];
    const nestedKeys = [...keys, nested.parentPositionColumn];
    const selected = [
      ...keys.map(quote),
      `position AS ${quote(nested.parentPositionColumn)}`,
      ...parentId.map((c) => `${e}.${quote(id!.column)} AS ${quote(c)}`),
      `${e}.${quote(listColumn(nested))} AS _l`,
    ];
    childTables(nested, `(SELECT ${selected.join(', ')} FROM (${elements}))`, nestedKeys, parentId, '_l', tables);
  }
}

/**
 * The fast read of a BuildOps export file that json-shape.ts found plain, or null when the
 * endpoint's declarations clash in a way the SQL does not mirror.
 */
export function buildOpsJsonSqlRead(options: JsonSqlOptions): SqlFileRead | null {
  const { spec, path, timeZone } = options;
  if (!columnsAreDistinct(spec)) return null;
  const parentFields = typedFields(spec.fields, (s) => `src.${quote(s)}`, timeZone);
  const objectFields = spec.objects.map((o) => typedFields(o.fields, (s) => `src.${quote(o.source)}.${quote(s)}`, timeZone));
  const lists = spec.children.map((c) => [listColumn(c), typedList(c, `src.${quote(c.source)}`, timeZone, 0)] as const);
  const values = [...parentFields.values, ...objectFields.flatMap((o) => o.values)];
  const firsts = [...parentFields.firsts, ...objectFields.flatMap((o) => o.firsts)];
  const sourceNulls = [parentFields.sourceNulls, ...objectFields.map((o) => o.sourceNulls)].join(' + ');
  // 16 MB per record is DuckDB's default; json-shape.ts measured the largest.
  const reader = `read_json(${literal(path)}, format = 'array', auto_detect = false, columns = ${readColumns(spec)})`;
  const typedColumns = `SELECT ${sourceNulls} AS _n, ${[...values, ...lists].map(([name, sql]) => `${sql} AS ${quote(name)}`).join(', ')} FROM ${reader} AS src`;
  const regular = [
    `_n = ${nullCount(firsts.map(quote))}`,
    // The loader quarantines a record whose key is empty.
    `id <> ''`,
    ...spec.children.map((c) => listRegular(c, quote(listColumn(c)), 0)),
  ];
  const typedSql = `SELECT true AS _keep, ${regular.join(' AND ')} AS _regular, * EXCLUDE (_n) FROM (${typedColumns})`;

  const kept = keptSql(spec);
  const parentColumns = values.map(([name]) => name);
  const tables: SqlFileRead['tables'][number][] = [
    { table: spec.table, columns: parentColumns, sql: `SELECT _ord, ${parentColumns.map(quote).join(', ')} FROM ${kept}` },
  ];
  for (const child of spec.children) {
    const parents = `(SELECT id AS ${quote(spec.parentKey)}, ${quote(listColumn(child))} FROM ${kept} WHERE _last)`;
    childTables(child, parents, [spec.parentKey], [], quote(listColumn(child)), tables);
  }
  return {
    file: path,
    records: options.records,
    typedSql,
    extraColumns: [],
    tables,
    checkRecords: options.checkRecords,
    fallback: options.fallback,
  };
}
