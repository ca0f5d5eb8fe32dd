/**
 * BuildOps resources for the loader: one per endpoint, read from the API (incremental, with a
 * lag window) or from a file export. Both go through the same validation, de-duplication and
 * record → rows mapping; only where the records come from differs.
 */
import { join } from 'node:path';
import { checkManifestCount, checkManifestListsMissing, readExportManifest } from '../export-files.ts';
import { fileFingerprint } from '../file-fingerprint.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ExtractContext, LoadBatch, QuarantineRecord, Resource, Row, TableSpec } from '../types.ts';
import type { BuildOpsClientOptions } from './api-client.ts';
import { BuildOpsClient } from './api-client.ts';
import type { EndpointSpec } from './endpoints.ts';
import { BUILDOPS_ENDPOINT_SPECS } from './endpoints.ts';
import { jsonArrayBatches } from './json-array-file.ts';
import { scanJsonShape } from './json-shape.ts';
import { buildOpsJsonSqlRead } from './json-sql.ts';
import { conformsToSpec, endpointTables, issueReasons, quarantineOf, recordSchema, recordToRows } from './records.ts';

export const DEFAULT_TIME_ZONE = 'America/Chicago';
export const DEFAULT_LAG_MINUTES = 10;
const FILE_BATCH_RECORDS = 1000;
/**
 * Records of API pages gathered into one load batch: a page is 100 records at most, and each
 * batch costs the loader a round of appends per table (a million records made 11,000 of them).
 */
const API_BATCH_RECORDS = 1000;

/** The committed extraction state of an API resource. */
export interface BuildOpsState {
  /** The latest `audit.lastUpdatedDate` loaded (ISO), or null before any. */
  cursor: string | null;
  /**
   * Records already loaded inside the lag window (id → last-updated|version): the next run
   * re-reads the window but loads only what changed in it.
   */
  recent: Record<string, string>;
}

export interface BuildOpsApiResourceOptions extends BuildOpsClientOptions {
  /** Minutes re-read before the cursor, for records that became visible late (default 10). */
  lagMinutes?: number;
  /** The company's time zone, for business dates (default America/Chicago). */
  timeZone?: string;
  /** Only these endpoints (default every endpoint of the contract). */
  endpoints?: readonly string[];
}

export interface BuildOpsFileResourceOptions {
  /** The export folder: records are read from `<dir>/buildops/<endpoint>.json`. */
  dir: string;
  timeZone?: string;
  endpoints?: readonly string[];
  logger?: Logger;
  /** The files' encoding (a WHATWG label; default utf-8). */
  encoding?: string;
}

function lastUpdatedMs(record: Record<string, unknown>, preferMillis: boolean): number | null {
  const audit = record.audit as { lastUpdatedDate?: unknown; lastUpdatedDateTime?: unknown } | null | undefined;
  const fromIso = typeof audit?.lastUpdatedDate === 'string' ? Date.parse(audit.lastUpdatedDate) : NaN;
  const fromMillis = typeof audit?.lastUpdatedDateTime === 'number' ? audit.lastUpdatedDateTime : NaN;
  const first = preferMillis ? fromMillis : fromIso;
  const second = preferMillis ? fromIso : fromMillis;
  return Number.isFinite(first) ? first : Number.isFinite(second) ? second : null;
}

function fingerprint(record: Record<string, unknown>, updatedMs: number | null): string {
  return `${updatedMs ?? ''}|${typeof record.version === 'number' ? record.version : ''}`;
}

/** The committed state of an API resource, when the stored JSON has its shape. */
export function readBuildOpsState(stored: unknown): BuildOpsState | undefined {
  if (stored === null || typeof stored !== 'object') return undefined;
  const { cursor, recent } = stored as Record<string, unknown>;
  if (cursor !== null && (typeof cursor !== 'string' || Number.isNaN(Date.parse(cursor)))) return undefined;
  const entries = recent !== null && typeof recent === 'object' ? Object.entries(recent) : [];
  return { cursor, recent: Object.fromEntries(entries.filter((e): e is [string, string] => typeof e[1] === 'string')) };
}

/**
 * Validates, de-duplicates and maps the records of one endpoint for one run, and keeps the
 * cursor: the latest last-updated time among the records it let through.
 */
class RecordStream {
  readonly tables: TableSpec[];
  private readonly schema;
  private readonly seen = new Map<string, number | null>();
  private readonly recent = new Map<string, { fp: string; ms: number }>();
  private cursorMs: number | null;
  private readonly clientAfterMs: number | null;
  readonly counts = { records: 0, loaded: 0, quarantined: 0, duplicates: 0, unchanged: 0, filtered: 0 };

  constructor(
    private readonly spec: EndpointSpec,
    private readonly timeZone: string,
    private readonly lagMs: number,
    previous: BuildOpsState | undefined,
  ) {
    this.tables = endpointTables(spec);
    this.schema = recordSchema(spec);
    this.cursorMs = previous?.cursor ? Date.parse(previous.cursor) : null;
    for (const [id, fp] of Object.entries(previous?.recent ?? {})) {
      const ms = Number(fp.split('|')[0]);
      if (Number.isFinite(ms)) this.recent.set(id, { fp, ms });
    }
    // An endpoint that ignores updatedAfter on the server (employees) gets the same window applied here.
    this.clientAfterMs = spec.paging.updatedAfter === 'client' && this.cursorMs !== null ? this.cursorMs - lagMs : null;
  }

  /** `updatedAfter` for the API: the cursor minus the lag window, or undefined on a first run. */
  updatedAfter(): string | undefined {
    return this.cursorMs === null ? undefined : new Date(this.cursorMs - this.lagMs).toISOString();
  }

  /** The rows and quarantine of some records, as one batch. */
  batch(records: readonly unknown[], extraQuarantine: readonly QuarantineRecord[] = []): LoadBatch {
    const rows = new Map<string, Row[]>(this.tables.map((t) => [t.name, []]));
    const quarantine: QuarantineRecord[] = [...extraQuarantine];
    for (const raw of records) {
      this.counts.records++;
      // The direct check vouches for almost every record; zod decides (and names the fields) for the rest.
      let record: Record<string, unknown>;
      if (conformsToSpec(this.spec, raw)) record = raw;
      else {
        const parsed = this.schema.safeParse(raw);
        if (!parsed.success) {
          quarantine.push(quarantineOf(raw, issueReasons(parsed.error)));
          continue;
        }
        record = parsed.data;
      }
      const id = record.id as string;
      // Filtered on the client means filtered on audit.lastUpdatedDateTime, the time such an endpoint is filtered on.
      const ms = lastUpdatedMs(record, this.spec.paging.updatedAfter === 'client');
      if (this.clientAfterMs !== null && ms !== null && ms <= this.clientAfterMs) {
        this.counts.filtered++;
        continue;
      }
      const fp = fingerprint(record, ms);
      if (this.seen.has(id)) {
        // The same record twice (it moved while we paged, or an export holds it twice). An older
        // version is dropped; a newer or equally new one is loaded and replaces the earlier (the
        // later record in page or file order wins, and the loader counts the replacement). It
        // is then left out of `recent` so the next run reloads it alone, children replaced whole.
        const before = this.seen.get(id) ?? null;
        if (ms !== null && before !== null && ms < before) {
          this.counts.duplicates++;
          continue;
        }
        this.recent.delete(id);
        // The earlier version's children in this same batch go too (the loader drops those of earlier batches).
        this.dropChildrenOf(id, rows);
      } else if (this.recent.get(id)?.fp === fp) {
        // Re-read in the lag window, already loaded in this version.
        this.seen.set(id, ms);
        this.counts.unchanged++;
        continue;
      } else if (ms !== null) {
        this.recent.set(id, { fp, ms });
      }
      this.seen.set(id, ms);
      if (ms !== null && (this.cursorMs === null || ms > this.cursorMs)) this.cursorMs = ms;
      for (const [table, tableRows] of recordToRows(this.spec, this.tables, record, this.timeZone)) rows.get(table)!.push(...tableRows);
      this.counts.loaded++;
    }
    this.counts.quarantined += quarantine.length;
    return { rows, quarantine };
  }

  /** Removes the child rows of parent `id` from a batch's rows. */
  private dropChildrenOf(id: string, rows: Map<string, Row[]>): void {
    for (const table of this.tables.slice(1)) {
      const tableRows = rows.get(table.name)!;
      if (tableRows.some((row) => row[this.spec.parentKey] === id))
        rows.set(
          table.name,
          tableRows.filter((row) => row[this.spec.parentKey] !== id),
        );
    }
  }

  /** The state to commit with the rows so far. */
  state(): BuildOpsState {
    const floor = this.cursorMs === null ? null : this.cursorMs - this.lagMs;
    const recent: Record<string, string> = {};
    for (const [id, entry] of this.recent) {
      if (floor !== null && entry.ms <= floor) this.recent.delete(id);
      else recent[id] = entry.fp;
    }
    return { cursor: this.cursorMs === null ? null : new Date(this.cursorMs).toISOString(), recent };
  }
}

const MAX_SQL_RECORD_BYTES = 8 << 20;

/** A canonical IANA zone name both JavaScript and DuckDB's ICU know (an alias or a typo goes the record path, which reports it). */
function isKnownTimeZone(timeZone: string): boolean {
  return timeZone === 'UTC' || Intl.supportedValuesOf('timeZone').includes(timeZone);
}

function isUtf8Label(encoding: string | undefined): boolean {
  return encoding === undefined || /^utf-?8$/i.test(encoding.trim());
}

function selectSpecs(endpoints: readonly string[] | undefined): readonly EndpointSpec[] {
  if (!endpoints) return BUILDOPS_ENDPOINT_SPECS;
  const unknown = endpoints.filter((e) => !BUILDOPS_ENDPOINT_SPECS.some((s) => s.endpoint === e));
  if (unknown.length > 0) throw new Error(`Unknown BuildOps endpoint(s): ${unknown.join(', ')}`);
  return BUILDOPS_ENDPOINT_SPECS.filter((s) => endpoints.includes(s.endpoint));
}

/** One Resource per BuildOps endpoint, read from the API incrementally (cursor minus a lag window). */
export function createBuildOpsApiResources(options: BuildOpsApiResourceOptions): Resource<BuildOpsState>[] {
  const logger = options.logger ?? silentLogger;
  const client = new BuildOpsClient({ ...options, logger });
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const lagMs = (options.lagMinutes ?? DEFAULT_LAG_MINUTES) * 60_000;
  return selectSpecs(options.endpoints).map((spec) => ({
    source: 'buildops',
    name: spec.endpoint,
    tables: endpointTables(spec),
    mode: 'merge',
    readState: readBuildOpsState,
    async *extract(state: BuildOpsState | undefined, context: ExtractContext): AsyncIterable<LoadBatch<BuildOpsState>> {
      const stream = new RecordStream(spec, timeZone, lagMs, context.fullRefresh ? undefined : state);
      const updatedAfter = spec.paging.updatedAfter === 'client' ? undefined : stream.updatedAfter();
      logger.info('extract.start', `BuildOps ${spec.endpoint}: ${updatedAfter ? `records updated after ${updatedAfter}` : 'every record'}`, {
        endpoint: spec.endpoint,
        updatedAfter: updatedAfter ?? null,
      });
      let pending: unknown[] = [];
      for await (const page of client.pages(spec.endpoint, { updatedAfter, signal: context.signal })) {
        const rate = page.seconds > 0 ? Math.round(page.received / page.seconds) : page.received;
        logger.info('extract.page', `BuildOps ${spec.endpoint} page ${page.page}: ${page.items.length} records (${page.received} so far, ${rate}/s)`, {
          endpoint: spec.endpoint,
          page: page.page,
          records: page.items.length,
          received: page.received,
          rate,
        });
        for (const item of page.items) pending.push(item);
        if (pending.length < API_BATCH_RECORDS) continue;
        const batch = stream.batch(pending);
        pending = [];
        yield { ...batch, state: stream.state() };
      }
      // The last batch (perhaps empty) carries the state of every record read.
      yield { ...stream.batch(pending), state: stream.state() };
      logger.info(
        'extract.done',
        `BuildOps ${spec.endpoint}: ${stream.counts.loaded} loaded, ${stream.counts.quarantined} quarantined, ${stream.counts.unchanged} unchanged`,
        {
          endpoint: spec.endpoint,
          ...stream.counts,
        },
      );
    },
  }));
}

/** One Resource per BuildOps endpoint, read from `<dir>/buildops/<endpoint>.json` (a missing file = no records). */
export function createBuildOpsFileResources(options: BuildOpsFileResourceOptions): Resource[] {
  const logger = options.logger ?? silentLogger;
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  return selectSpecs(options.endpoints).map((spec) => ({
    source: 'buildops',
    name: spec.endpoint,
    tables: endpointTables(spec),
    mode: 'merge',
    // The file's bytes and what shapes its rows: the same hash means the same rows.
    fingerprint: () =>
      fileFingerprint([join(options.dir, 'buildops', `${spec.endpoint}.json`)], {
        tables: endpointTables(spec),
        timeZone,
        encoding: options.encoding ?? 'utf-8',
        manifestRows: readExportManifest(options.dir).get(`buildops/${spec.endpoint}.json`) ?? null,
      }),
    async *extract(): AsyncIterable<LoadBatch> {
      const stream = new RecordStream(spec, timeZone, 0, undefined);
      const file = join(options.dir, 'buildops', `${spec.endpoint}.json`);
      const manifest = readExportManifest(options.dir);
      const relative = `buildops/${spec.endpoint}.json`;
      // Streamed: records come out as they parse. A file that is not a whole JSON array (cut, empty,
      // not an array, not valid in its encoding) fails this resource, rolled back, naming the file.
      const batches = await jsonArrayBatches(file, FILE_BATCH_RECORDS, options.encoding);
      if (!batches) {
        checkManifestListsMissing(manifest, relative, file);
        logger.info('extract.file', `BuildOps ${spec.endpoint}: no file ${file}, no records`, { endpoint: spec.endpoint, file });
        // No records on a first load; the loader refuses it for a table that holds rows.
        yield { ...stream.batch([]), missingFile: file };
        return;
      }
      const checkRecords = (count: number) => checkManifestCount(manifest, relative, file, count);
      let readByRecord = false;
      const recordBatches = async function* (): AsyncIterable<LoadBatch> {
        readByRecord = true;
        let count = 0;
        for await (const records of batches) {
          count += records.length;
          yield stream.batch(records);
        }
        // A file with fewer records than the export's manifest lists was cut: the load rolls back.
        checkRecords(count);
        logger.info('extract.file', `BuildOps ${spec.endpoint}: ${stream.counts.loaded} records from ${file}, ${stream.counts.quarantined} quarantined`, {
          endpoint: spec.endpoint,
          file,
          ...stream.counts,
        });
      };
      // A plain UTF-8 file can be read and typed by the warehouse itself (json-sql.ts); anything else goes record by record.
      const shape = isUtf8Label(options.encoding) && isKnownTimeZone(timeZone) ? await scanJsonShape(file, spec) : null;
      // DuckDB reads a record of up to 16 MB (its maximum_object_size); a larger one goes the record path.
      const sqlRead =
        shape?.plain && shape.largestRecordBytes <= MAX_SQL_RECORD_BYTES
          ? buildOpsJsonSqlRead({ spec, path: file, records: shape.records, timeZone, checkRecords, fallback: recordBatches })
          : null;
      if (!sqlRead) {
        yield* recordBatches();
        return;
      }
      yield { rows: {}, sqlRead };
      // The loader asks for the next batch once the file is loaded: in SQL, or record by record (which logged its own line).
      if (!readByRecord)
        logger.info('extract.file', `BuildOps ${spec.endpoint}: ${sqlRead.records} records from ${file}, read in SQL`, {
          endpoint: spec.endpoint,
          file,
          records: sqlRead.records,
        });
    },
  }));
}
