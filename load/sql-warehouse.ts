/**
 * The warehouse logic both backends share: schemas, meta tables, and the atomic load —
 * rows, quarantine, extraction state and the load record committed in one transaction.
 */
import { refreshStatisticsSql } from './statistics.ts';
import { randomBytes } from 'node:crypto';
import { CancelledError, PlumblineError, errorMessage, isCancellation } from '../lib/errors.ts';
import type { Backend, BackendConnection } from './backend.ts';
import { qualified, quoteIdent, toColumnName } from './identifiers.ts';
import { migrateMeta } from './meta-migrations.ts';
import { QUARANTINE_COLUMNS } from './meta-tables.ts';
import { recordFingerprint } from './fingerprints.ts';
import { coerceValue, storableText } from './row-values.ts';
import type {
  ColumnSpec,
  LoadBatch,
  LoadRequest,
  LoadResult,
  QuarantineRecord,
  Row,
  SqlFileRead,
  TableSpec,
  Warehouse,
  WarehouseSchema,
  WarehouseTransaction,
} from './types.ts';
import { WAREHOUSE_SCHEMAS } from './types.ts';

const LOAD_COLUMNS: readonly ColumnSpec[] = [
  { name: '_load_id', type: 'varchar' },
  { name: '_loaded_at', type: 'timestamp' },
];
const ORDINAL = '_ord';
const APPEND_BATCH_ROWS = 2048;

/** A warehouse over any backend. */
export class SqlWarehouse implements Warehouse {
  readonly kind;
  readonly displayName;
  readonly db;
  private ready = false;

  constructor(private readonly backend: Backend) {
    this.kind = backend.kind;
    this.displayName = backend.displayName;
    this.db = backend.db;
  }

  async ensureReady(): Promise<void> {
    if (this.ready) return;
    await this.withConnection(async (conn) => {
      for (const schema of WAREHOUSE_SCHEMAS) await conn.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await migrateMeta(this.backend, conn);
    });
    this.ready = true;
  }

  async query<T = Row>(sqlText: string, parameters: readonly unknown[] = []): Promise<T[]> {
    return this.withConnection((conn) => conn.query<T>(sqlText, parameters));
  }

  stream<T = Row>(sqlText: string, parameters: readonly unknown[] = []): AsyncIterable<T[]> {
    return this.backend.stream<T>(sqlText, parameters);
  }

  async transaction<T>(work: (tx: WarehouseTransaction) => Promise<T>): Promise<T> {
    return this.withConnection(async (conn) => {
      await conn.query('BEGIN');
      try {
        const result = await work({ query: (s, p) => conn.query(s, p ?? []) });
        await conn.query('COMMIT');
        return result;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async getState(source: string, resource: string): Promise<unknown> {
    await this.ensureReady();
    const rows = await this.query<{ state: string | null }>(`SELECT state FROM meta.state WHERE source = $1 AND resource = $2`, [source, resource]);
    const text = rows[0]?.state;
    return text == null ? undefined : JSON.parse(text);
  }

  async resetState(source: string, resource: string): Promise<void> {
    await this.ensureReady();
    await this.query(`DELETE FROM meta.state WHERE source = $1 AND resource = $2`, [source, resource]);
    // Read from scratch next time, even when its file has not changed.
    await this.query(`DELETE FROM meta.load_fingerprints WHERE source = $1 AND resource = $2`, [source, resource]);
  }

  async listRelations(schema: WarehouseSchema): Promise<{ name: string; kind: 'table' | 'view' }[]> {
    const rows = await this.query<{ table_name: string; table_type: string }>(
      `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    return rows.map((r) => ({ name: r.table_name, kind: r.table_type === 'VIEW' ? 'view' : 'table' }));
  }

  async describe(schema: string, name: string): Promise<ColumnSpec[]> {
    return this.withConnection((conn) => this.describeOn(conn, schema, name));
  }

  async load(request: LoadRequest): Promise<LoadResult> {
    await this.ensureReady();
    const started = new Date();
    const duringLoad = this.backend.duringLoad?.bind(this.backend) ?? (<T>(work: () => Promise<T>) => work());
    try {
      return await this.withConnection(async (conn) => {
        await conn.query('BEGIN');
        try {
          const result = await duringLoad(() => new TableLoad(this.backend, conn, request, started, (s, n) => this.describeOn(conn, s, n)).run());
          await conn.query('COMMIT');
          return result;
        } catch (error) {
          await conn.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      // The failed load left nothing behind; record that it was attempted, outside the rolled-back transaction.
      const cancelled = isCancellation(error) || request.signal?.aborted === true;
      await this.query(
        `INSERT INTO meta.loads (load_id, source, resource, status, rows_loaded, rows_quarantined, started_at, finished_at, message) VALUES ($1, $2, $3, $4, 0, 0, $5, $6, $7)`,
        [request.loadId, request.source, request.resource, cancelled ? 'cancelled' : 'failed', started, new Date(), errorMessage(error)],
      ).catch(() => undefined);
      if (cancelled && !(error instanceof CancelledError))
        throw new CancelledError(`Loading ${request.source} ${request.resource} was cancelled and rolled back`, { cause: error });
      throw error instanceof PlumblineError
        ? error
        : new PlumblineError(`Loading ${request.source} ${request.resource} failed and was rolled back: ${errorMessage(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.backend.close();
  }

  private async withConnection<T>(work: (conn: BackendConnection) => Promise<T>): Promise<T> {
    const conn = await this.backend.acquire();
    try {
      return await work(conn);
    } finally {
      conn.release();
    }
  }

  private async describeOn(conn: BackendConnection, schema: string, name: string): Promise<ColumnSpec[]> {
    const rows = await conn.query<{ column_name: string; data_type: string; numeric_precision: number | null; numeric_scale: number | null }>(
      `SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, name],
    );
    return rows.map((r) => ({ name: r.column_name, type: this.backend.columnTypeFromCatalog(r.data_type, r.numeric_precision, r.numeric_scale) }));
  }
}

/** A new load id: sortable by time, unique across processes. */
export function newLoadId(now = new Date()): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

interface StagedTable {
  spec: TableSpec;
  /** Columns of the target, in order; the stage has the ordinal then these. */
  columns: ColumnSpec[];
  known: Map<string, ColumnSpec>;
  /** Each declared field's column name, and the set of them (fieldsByColumn asks for every row). */
  declared: Map<string, string>;
  declaredColumns: Set<string>;
  stage: string;
  rows: number;
  /** How the fields of the last rows' shape land on the columns (rows of a batch share their keys). */
  shape?: RowShape;
}

/**
 * Where the fields of rows with one set of keys go: fieldsByColumn's outcome, which depends on
 * the field names only, worked out once for a run of rows with the same keys.
 */
interface RowShape {
  keys: string[];
  /** table.columns.length when it was worked out (a column added since makes it stale). */
  columnCount: number;
  /** The row's field feeding each of table.columns, in order (undefined: none does). */
  fieldOf: (string | undefined)[];
  /** The row's field of each primary-key column. */
  keyFieldOf: (string | undefined)[];
  notes: string[];
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The shape of `row`'s keys for `table`, reused while the rows keep the same keys. */
function rowShapeOf(table: StagedTable, row: Row): RowShape {
  const keys = Object.keys(row);
  const cached = table.shape;
  if (cached && cached.columnCount === table.columns.length && sameKeys(cached.keys, keys)) return cached;
  const { fieldByColumn, notes } = fieldsByColumn(table, keys);
  const shape: RowShape = {
    keys,
    columnCount: table.columns.length,
    fieldOf: table.columns.map((c) => fieldByColumn.get(c.name)),
    keyFieldOf: table.spec.primaryKey.map((k) => fieldByColumn.get(toColumnName(k))),
    notes,
  };
  table.shape = shape;
  return shape;
}

/** One resource's load inside an open transaction. */
class TableLoad {
  private readonly tables = new Map<string, StagedTable>();
  private readonly newColumns: string[] = [];
  private ordinal = 0;
  private quarantined = 0;
  private noted = 0;
  private duplicates = 0;
  private state: unknown = undefined;
  private stateSeen = false;
  private readonly parentsSeen = new Set<string>();
  private readonly stageSuffix = randomBytes(4).toString('hex');

  constructor(
    private readonly backend: Backend,
    private readonly conn: BackendConnection,
    private readonly request: LoadRequest,
    private readonly started: Date,
    private readonly describe: (schema: string, name: string) => Promise<ColumnSpec[]>,
  ) {}

  async run(): Promise<LoadResult> {
    for (const spec of this.request.tables) await this.prepareTable(spec);
    for await (const batch of this.request.batches) {
      this.throwIfCancelled();
      await this.loadBatch(batch);
    }
    this.throwIfCancelled();
    for (const spec of this.request.tables) await this.publish(this.tables.get(spec.name)!);
    for (const table of this.tables.values()) await this.conn.query(`DROP TABLE ${qualified('meta', table.stage)}`);
    // A replace that hands over no state is a fresh start: the old cursor must not outlive the old rows.
    if (this.stateSeen || this.request.mode === 'replace') {
      await this.conn.query(`DELETE FROM meta.state WHERE source = $1 AND resource = $2`, [this.request.source, this.request.resource]);
    }
    if (this.stateSeen) {
      await this.conn.query(`INSERT INTO meta.state (source, resource, state, load_id, updated_at) VALUES ($1, $2, $3, $4, $5)`, [
        this.request.source,
        this.request.resource,
        JSON.stringify(this.state ?? null),
        this.request.loadId,
        new Date(),
      ]);
    }
    await recordFingerprint(this.conn, this.request);
    const rowsByTable = Object.fromEntries([...this.tables.values()].map((t) => [t.spec.name, t.rows]));
    const rowsLoaded = [...this.tables.values()].reduce((sum, t) => sum + t.rows, 0);
    const finished = new Date();
    await this.conn.query(
      `INSERT INTO meta.loads (load_id, source, resource, status, rows_loaded, rows_quarantined, started_at, finished_at, message) VALUES ($1, $2, $3, 'loaded', $4, $5, $6, $7, $8)`,
      [this.request.loadId, this.request.source, this.request.resource, rowsLoaded, this.quarantined, this.started, finished, JSON.stringify(rowsByTable)],
    );
    return {
      loadId: this.request.loadId,
      source: this.request.source,
      resource: this.request.resource,
      rowsByTable,
      rowsLoaded,
      rowsQuarantined: this.quarantined,
      duplicatesReplaced: this.duplicates,
      valuesNoted: this.noted,
      newColumns: this.newColumns,
      state: this.state,
      seconds: (finished.getTime() - this.started.getTime()) / 1000,
    };
  }

  /** Stops the load (and so rolls it back) once the run's signal fired. */
  private throwIfCancelled(): void {
    if (this.request.signal?.aborted)
      throw new CancelledError(`Loading ${this.request.source} ${this.request.resource} was cancelled and rolled back`, { cause: this.request.signal.reason });
  }

  /** Creates the target when missing, adds declared columns it lacks, and creates the stage. */
  private async prepareTable(spec: TableSpec): Promise<void> {
    const existing = await this.describe(spec.schema, spec.name);
    const declared = [...spec.columns.map((c) => ({ name: toColumnName(c.name), type: c.type })), ...LOAD_COLUMNS];
    const target = qualified(spec.schema, spec.name);
    if (existing.length === 0) {
      const defs = declared.map((c) => `${quoteIdent(c.name)} ${this.backend.sqlType(c.type)}`);
      await this.conn.query(`CREATE TABLE ${target} (${defs.join(', ')})`);
    }
    const known = new Map(existing.map((c) => [c.name, c]));
    const columns = [...existing];
    for (const column of declared) {
      if (known.has(column.name)) continue;
      if (existing.length > 0) {
        await this.conn.query(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(column.name)} ${this.backend.sqlType(column.type)}`);
        this.newColumns.push(`${spec.name}.${column.name}`);
      }
      known.set(column.name, column);
      columns.push(column);
    }
    const stage = `_stage_${spec.name}_${this.stageSuffix}`;
    // The ordinal goes first so that columns added later line up with the target's, by position.
    const stageDefs = [{ name: ORDINAL, type: 'bigint' as const }, ...columns].map((c) => `${quoteIdent(c.name)} ${this.backend.sqlType(c.type)}`);
    await this.conn.query(`CREATE TABLE ${qualified('meta', stage)} (${stageDefs.join(', ')})`);
    const declaredFields = new Map(spec.columns.map((c) => [c.name, toColumnName(c.name)]));
    this.tables.set(spec.name, { spec, columns, known, stage, rows: 0, declared: declaredFields, declaredColumns: new Set(declaredFields.values()) });
  }

  private async loadBatch(batch: LoadBatch): Promise<void> {
    if (batch.missingFile !== undefined) await this.refuseMissingFile(batch.missingFile);
    if (batch.sqlRead) {
      const loaded = this.backend.readsFiles ? await this.loadInSql(batch.sqlRead) : await this.loadThroughDuckDb(batch.sqlRead);
      if (!loaded) {
        for await (const rows of batch.sqlRead.fallback()) {
          this.throwIfCancelled();
          await this.loadBatch(rows);
        }
      }
      return;
    }
    const loadedAt = new Date();
    const quarantine: QuarantineRecord[] = [...(batch.quarantine ?? [])];
    const notes: QuarantineRecord[] = [];
    const entries = batch.rows instanceof Map ? [...batch.rows.entries()] : Object.entries(batch.rows);
    if (this.request.mode !== 'append') await this.dropSupersededChildren(entries);
    for (const [tableName, rows] of entries) {
      const table = this.tables.get(tableName);
      if (!table) throw new PlumblineError(`Resource ${this.request.resource} produced rows for table ${tableName}, which it did not declare`);
      await this.evolve(table, rows);
      const values: unknown[][] = [];
      for (const row of rows) {
        const converted = this.convertRow(table, row, loadedAt);
        if ('reasons' in converted) quarantine.push({ recordKey: keyOf(table.spec, row), rawRecord: row, reasons: converted.reasons });
        else {
          values.push(converted.values);
          if (converted.notes.length > 0) {
            notes.push({ recordKey: keyOf(table.spec, row), rawRecord: row, reasons: converted.notes.map((n) => `loaded with a note: ${n}`) });
          }
        }
      }
      for (let i = 0; i < values.length; i += APPEND_BATCH_ROWS) {
        await this.conn.appendRows('meta', table.stage, [{ name: ORDINAL, type: 'bigint' }, ...table.columns], values.slice(i, i + APPEND_BATCH_ROWS));
      }
      table.rows += values.length;
    }
    if (quarantine.length > 0) await this.writeQuarantine(quarantine, loadedAt);
    if (notes.length > 0) {
      await this.writeQuarantine(notes, loadedAt);
      this.quarantined -= notes.length;
      this.noted += notes.length;
    }
    if ('state' in batch && batch.state !== undefined) {
      this.state = batch.state;
      this.stateSeen = true;
    }
  }

  /**
   * Reads and types a whole file in SQL into the stages (DuckDB). Returns false, having staged
   * nothing, when the SQL does not vouch for every record the load keeps, or read another
   * number of records than the extractor counted: the file is then loaded record by record.
   */
  private async loadInSql(read: SqlFileRead): Promise<boolean> {
    const typed = quoteIdent(`_typed_${this.stageSuffix}`);
    await this.conn.query(`CREATE TEMP TABLE ${typed} AS ${read.typedSql}`);
    try {
      const [check] = await this.conn.query<{ records: number | string; irregular: number | string }>(
        `SELECT count(*) AS records, count(*) FILTER (WHERE _keep IS NULL OR (_keep AND NOT _regular)) AS irregular FROM ${typed}`,
      );
      const records = Number(check?.records ?? 0);
      if (records !== read.records || Number(check?.irregular ?? 0) > 0) return false;
      read.checkRecords(records);
      const loadedAt = new Date();
      for (const { table: name, columns, sql } of read.tables) {
        const table = this.tables.get(name);
        if (!table) throw new PlumblineError(`Resource ${this.request.resource} produced rows for table ${name}, which it did not declare`);
        // Fields no one declared become varchar columns, as they do record by record.
        const extras = read.extraColumns.filter((c) => columns.includes(c));
        if (extras.length > 0) await this.evolve(table, [Object.fromEntries(extras.map((c) => [c, null]))]);
        const selected = new Set(columns);
        const values = table.columns.map((c) =>
          c.name === '_load_id'
            ? '$1'
            : c.name === '_loaded_at'
              ? '$2'
              : selected.has(c.name)
                ? `CAST(s.${quoteIdent(c.name)} AS ${this.backend.sqlType(c.type)})`
                : 'NULL',
        );
        const stage = qualified('meta', table.stage);
        const targets = [ORDINAL, ...table.columns.map((c) => c.name)].map(quoteIdent).join(', ');
        const [inserted] = await this.conn.query<Record<string, number | string>>(
          `INSERT INTO ${stage} (${targets}) SELECT s._ord + ${this.ordinal + 1}, ${values.join(', ')} FROM (${sql.replaceAll('{typed}', typed)}) AS s`,
          [this.request.loadId, loadedAt],
        );
        table.rows += Number(Object.values(inserted ?? {})[0] ?? 0);
        this.ordinal += records + 1;
      }
      return true;
    } finally {
      await this.conn.query(`DROP TABLE ${typed}`);
    }
  }

  /**
   * The SQL read for a warehouse that cannot read files (Postgres): a private DuckDB reads and
   * types the file, and its rows go into the stages by the backend's bulk path. Returns false,
   * having staged nothing, on the same grounds as loadInSql.
   */
  private async loadThroughDuckDb(read: SqlFileRead): Promise<boolean> {
    // Loaded on use (see bin/plumbline.js): the DuckDB driver loads when a file is read, not with every command.
    const { typeFileInDuckDb } = await import('./duckdb/file-reader.ts');
    const typed = await typeFileInDuckDb(read);
    if (!typed) return false;
    try {
      if (typed.records !== read.records || typed.irregular > 0) return false;
      read.checkRecords(typed.records);
      const loadedAt = new Date();
      for (const { table: name, columns, sql } of read.tables) {
        const table = this.tables.get(name);
        if (!table) throw new PlumblineError(`Resource ${this.request.resource} produced rows for table ${name}, which it did not declare`);
        const extras = read.extraColumns.filter((c) => columns.includes(c));
        if (extras.length > 0) await this.evolve(table, [Object.fromEntries(extras.map((c) => [c, null]))]);
        // Where each stage column is in the typed rows (after `_ord`), or not there (null).
        const at = new Map(columns.map((c, i) => [c, i + 1]));
        const positions = table.columns.map((c) => at.get(c.name));
        const stageColumns: ColumnSpec[] = [{ name: ORDINAL, type: 'bigint' }, ...table.columns];
        const offset = this.ordinal + 1;
        for await (const rows of typed.rows(sql, columns)) {
          this.throwIfCancelled();
          const values = rows.map((row) => [
            Number(row[0]) + offset,
            ...table.columns.map((c, i) =>
              c.name === '_load_id' ? this.request.loadId : c.name === '_loaded_at' ? loadedAt : (row[positions[i] ?? -1] ?? null),
            ),
          ]);
          await this.conn.appendRows('meta', table.stage, stageColumns, values);
          table.rows += values.length;
        }
        this.ordinal += typed.records + 1;
      }
      return true;
    } finally {
      typed.close();
    }
  }

  /**
   * A file missing from an export means "no such records" only for a table that never held any:
   * for one that did, the export lost a file, and loading it would empty the table.
   */
  private async refuseMissingFile(file: string): Promise<void> {
    if (this.request.allowMissing) return;
    const held: string[] = [];
    for (const spec of this.request.tables) {
      const rows = await this.countRows(qualified(spec.schema, spec.name));
      if (rows > 0) held.push(`${spec.schema}.${spec.name} held ${rows} rows`);
    }
    if (held.length === 0) return;
    const name = `${this.request.source}.${this.request.resource}`;
    throw new PlumblineError(
      `${file} is missing from the export, and ${held.join(', ')}: the table is kept as it was instead of being emptied. Restore the file, or if the table really is gone run with --allow-missing ${name}.`,
    );
  }

  /**
   * A parent that arrives again within one load replaces its earlier version, children
   * included: drop the children staged with the earlier version (an extractor hands a parent
   * and its children over in the same batch).
   */
  private async dropSupersededChildren(entries: [string, readonly Row[]][]): Promise<void> {
    const parent = this.request.tables[0]!;
    const parentRows = entries.find(([name]) => name === parent.name)?.[1] ?? [];
    const parentKey = parent.primaryKey.map(toColumnName);
    const again: unknown[][] = [];
    for (const row of parentRows) {
      const values = parentKey.map((k) => row[k] ?? row[parent.primaryKey[parentKey.indexOf(k)]!]);
      // A key of one text column is its own name (asked for every parent row); any other is its JSON, which no text starting with 's' is.
      const key = values.length === 1 && typeof values[0] === 'string' ? `s${values[0]}` : JSON.stringify(values);
      if (this.parentsSeen.has(key)) again.push(values);
      else this.parentsSeen.add(key);
    }
    if (again.length === 0) return;
    for (const child of this.request.tables.slice(1)) {
      const staged = this.tables.get(child.name)!;
      const fk = child.primaryKey.slice(0, parentKey.length).map(toColumnName);
      const match = fk.map((c, i) => `${quoteIdent(c)} = $${i + 1}`).join(' AND ');
      for (const values of again) await this.conn.query(`DELETE FROM ${qualified('meta', staged.stage)} WHERE ${match}`, values);
    }
  }

  /** Adds a column for every field no one declared: additive evolution, never a failure. */
  private async evolve(table: StagedTable, rows: readonly Row[]): Promise<void> {
    for (const row of rows) {
      for (const field of Object.keys(row)) {
        const name = toColumnName(field);
        if (table.known.has(name)) continue;
        const column: ColumnSpec = { name, type: 'varchar' };
        for (const relation of [qualified(table.spec.schema, table.spec.name), qualified('meta', table.stage)]) {
          await this.conn.query(`ALTER TABLE ${relation} ADD COLUMN ${quoteIdent(name)} ${this.backend.sqlType('varchar')}`);
        }
        table.known.set(name, column);
        table.columns.push(column);
        this.newColumns.push(`${table.spec.name}.${name}`);
      }
    }
  }

  /**
   * A row as the stage's values, or why it cannot load. `notes` say what was changed or left out
   * of a row that does load; they go to quarantine beside it, so no value changes unrecorded.
   */
  private convertRow(table: StagedTable, row: Row, loadedAt: Date): { values: unknown[]; notes: string[] } | { reasons: string[] } {
    const shape = rowShapeOf(table, row);
    const notes = [...shape.notes];
    const reasons: string[] = [];
    table.spec.primaryKey.forEach((key, k) => {
      const field = shape.keyFieldOf[k];
      const value = field === undefined ? undefined : row[field];
      if (value === null || value === undefined || value === '') reasons.push(`${key}: the primary key is missing`);
    });
    const values: unknown[] = [BigInt(++this.ordinal)];
    for (let i = 0; i < table.columns.length; i++) {
      const column = table.columns[i]!;
      if (column.name === '_load_id') values.push(this.request.loadId);
      else if (column.name === '_loaded_at') values.push(loadedAt);
      else {
        const field = shape.fieldOf[i];
        const coerced = coerceValue(field === undefined ? undefined : row[field], column.type);
        if (!coerced.ok) reasons.push(`${column.name}: ${coerced.reason}`);
        else if (typeof coerced.value === 'string') {
          const storable = storableText(coerced.value);
          for (const change of storable.changes) notes.push(`${column.name}: ${change}; the record was loaded with the rest of the value`);
          values.push(storable.text);
        } else values.push(coerced.value);
      }
    }
    return reasons.length > 0 ? { reasons } : { values, notes };
  }

  private async writeQuarantine(records: readonly QuarantineRecord[], at: Date): Promise<void> {
    const rows = records.map((r) => [
      this.request.loadId,
      this.request.source,
      this.request.resource,
      r.recordKey === null ? null : storableText(r.recordKey).text,
      safeJson(r.rawRecord),
      JSON.stringify(r.reasons),
      at,
    ]);
    await this.conn.appendRows('meta', 'quarantine', QUARANTINE_COLUMNS, rows);
    this.quarantined += records.length;
  }

  /** Publishes a staged table into its target and records its volume. */
  private async publish(table: StagedTable): Promise<void> {
    const { spec } = table;
    const target = qualified(spec.schema, spec.name);
    const stage = qualified('meta', table.stage);
    const before = await this.countRows(target);
    await this.moveStage(table, target, stage);
    const statistics = refreshStatisticsSql(this.backend.kind, target);
    if (statistics) await this.conn.query(statistics);
    await this.recordVolume(table, before, await this.countRows(target));
  }

  private async countRows(relation: string): Promise<number> {
    const [row] = await this.conn.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${relation}`);
    return Number(row?.n ?? 0);
  }

  /**
   * Records the table's size before and after, and the keys that came more than once (the later
   * record in file or page order won): the volume check of marts.close_status reads these.
   */
  private async recordVolume(table: StagedTable, before: number, after: number): Promise<void> {
    const pk = table.spec.primaryKey.map((k) => quoteIdent(toColumnName(k)));
    let duplicates = 0;
    if (this.request.mode !== 'append' && pk.length > 0 && table.rows > 0) {
      const keys = await this.countRows(`(SELECT 1 AS k FROM ${qualified('meta', table.stage)} GROUP BY ${pk.join(', ')}) AS keys`);
      duplicates = table.rows - keys;
      table.rows = keys;
    }
    if (table.spec === this.request.tables[0]) this.duplicates += duplicates;
    await this.conn.query(
      `INSERT INTO meta.load_volumes (load_id, source, resource, table_name, write_mode, rows_before, rows_after, rows_loaded, duplicates_replaced, values_noted, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        this.request.loadId,
        this.request.source,
        this.request.resource,
        `${table.spec.schema}.${table.spec.name}`,
        this.request.mode,
        before,
        after,
        table.rows,
        duplicates,
        table.spec === this.request.tables[0] ? this.noted : 0,
        new Date(),
      ],
    );
  }

  /** Moves the stage into the target according to the write mode. */
  private async moveStage(table: StagedTable, target: string, stage: string): Promise<void> {
    const { spec } = table;
    const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
    const pk = spec.primaryKey.map(toColumnName);
    const parent = this.request.tables[0]!;
    const isChild = spec !== parent;

    if (this.request.mode === 'replace') {
      await this.conn.query(`DELETE FROM ${target}`);
    } else if (this.request.mode === 'merge') {
      if (isChild) {
        // A child row belongs to its parent's version: a new parent version replaces all of its children.
        const parentTable = this.tables.get(parent.name)!;
        const fk = pk.slice(0, parent.primaryKey.length);
        const parentPk = parent.primaryKey.map(toColumnName);
        const match = fk.map((c, i) => `s.${quoteIdent(parentPk[i]!)} = t.${quoteIdent(c)}`).join(' AND ');
        await this.conn.query(`DELETE FROM ${target} AS t WHERE EXISTS (SELECT 1 FROM ${qualified('meta', parentTable.stage)} AS s WHERE ${match})`);
      } else {
        const match = pk.map((c) => `s.${quoteIdent(c)} = t.${quoteIdent(c)}`).join(' AND ');
        await this.conn.query(`DELETE FROM ${target} AS t WHERE EXISTS (SELECT 1 FROM ${stage} AS s WHERE ${match})`);
      }
    }
    if (this.request.mode === 'append' || pk.length === 0) {
      await this.conn.query(`INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${stage} ORDER BY ${quoteIdent(ORDINAL)}`);
      return;
    }
    // Within one load the last version of a key wins.
    const partition = pk.map(quoteIdent).join(', ');
    await this.conn.query(
      `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM (SELECT *, row_number() OVER (PARTITION BY ${partition} ORDER BY ${quoteIdent(ORDINAL)} DESC) AS _rn FROM ${stage}) AS latest WHERE _rn = 1`,
    );
  }
}

function keyOf(spec: TableSpec, row: Row): string | null {
  const parts = spec.primaryKey.map((k) => row[k] ?? row[toColumnName(k)]);
  return parts.every((p) => p === null || p === undefined) ? null : parts.map((p) => String(p ?? '')).join('|');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}

/**
 * Which of a row's fields fills each column. Field names are normalised (`invoiceNumber` →
 * `invoice_number`), so two fields can land on one column: the declared one (named as the table
 * declares it, or as the column itself) wins, and the other is left out with a note. An
 * undeclared field never fills or overrides a declared column (`TotalAmount` beside `total_amount`).
 */
function fieldsByColumn(table: StagedTable, fields: readonly string[]): { fieldByColumn: Map<string, string>; notes: string[] } {
  const fieldByColumn = new Map<string, string>();
  const winner = new Map<string, { field: string; rank: number }>();
  const notes: string[] = [];
  const { declared, declaredColumns } = table;
  for (const field of fields) {
    const column = toColumnName(field);
    const rank = declared.get(field) === column ? 2 : field === column ? 1 : 0;
    const held = winner.get(column);
    const collides = held !== undefined || (rank === 0 && declaredColumns.has(column));
    if (collides && (held === undefined || held.rank >= rank)) {
      notes.push(
        `field ${JSON.stringify(field)} becomes column ${column} after name normalisation, which ${held ? `field ${JSON.stringify(held.field)}` : 'a declared field'} holds; its value was not loaded (it is kept here)`,
      );
      continue;
    }
    if (held !== undefined)
      notes.push(
        `field ${JSON.stringify(held.field)} becomes column ${column} after name normalisation, which the declared field ${JSON.stringify(field)} holds; its value was not loaded (it is kept here)`,
      );
    winner.set(column, { field, rank });
    fieldByColumn.set(column, field);
  }
  return { fieldByColumn, notes };
}
