/**
 * Unchanged exports are not read again. A resource that can say what it would read as a content
 * hash (an export file: extract/file-fingerprint.ts) has that hash committed with its load, in
 * meta.load_fingerprints. The next load whose hash is the same finds the tables already holding
 * exactly that content: it reads nothing, and meta.loads records it as `unchanged` (not as a
 * load of 0 rows, so neither the volume check nor "a source that loaded nothing" sees an empty
 * load). A full refresh, a reset of the resource, a load without a hash (the same resource over
 * an API) and a missing table all make the next load read in full.
 */
import type { BackendConnection } from './backend.ts';
import type { LoadRequest, LoadResult, TableSpec, Warehouse } from './types.ts';

/** What a stored hash says about a resource's next load. */
export interface StoredFingerprint {
  fingerprint: string;
  loadId: string;
  recordedAt: Date | null;
}

/** The hash the resource's last successful load committed, or null. */
export async function storedFingerprint(warehouse: Warehouse, source: string, resource: string): Promise<StoredFingerprint | null> {
  await warehouse.ensureReady();
  const [row] = await warehouse.query<{ fingerprint: string; load_id: string; recorded_at: Date | null }>(
    `SELECT fingerprint, load_id, recorded_at FROM meta.load_fingerprints WHERE source = $1 AND resource = $2`,
    [source, resource],
  );
  return row ? { fingerprint: row.fingerprint, loadId: row.load_id, recordedAt: row.recorded_at } : null;
}

/**
 * The earlier load whose content `fingerprint` is, when every table of the resource is still
 * there to hold it (a table dropped by hand is loaded again); else null.
 */
export async function unchangedSince(
  warehouse: Warehouse,
  source: string,
  resource: string,
  tables: readonly TableSpec[],
  fingerprint: string,
): Promise<StoredFingerprint | null> {
  const stored = await storedFingerprint(warehouse, source, resource);
  if (!stored || stored.fingerprint !== fingerprint) return null;
  for (const table of tables) if ((await warehouse.describe(table.schema, table.name)).length === 0) return null;
  return stored;
}

/** Records in meta.loads that a load found its content unchanged and read nothing; returns its result. */
export async function recordUnchanged(
  warehouse: Warehouse,
  request: { loadId: string; source: string; resource: string },
  since: StoredFingerprint,
  started: Date,
): Promise<LoadResult> {
  const finished = new Date();
  await warehouse.query(
    `INSERT INTO meta.loads (load_id, source, resource, status, rows_loaded, rows_quarantined, started_at, finished_at, message) VALUES ($1, $2, $3, 'unchanged', 0, 0, $4, $5, $6)`,
    [request.loadId, request.source, request.resource, started, finished, `unchanged since load ${since.loadId}: the same content hash, not read again`],
  );
  return {
    loadId: request.loadId,
    source: request.source,
    resource: request.resource,
    rowsByTable: {},
    rowsLoaded: 0,
    rowsQuarantined: 0,
    newColumns: [],
    state: undefined,
    seconds: (finished.getTime() - started.getTime()) / 1000,
    unchanged: { sinceLoadId: since.loadId, loadedAt: since.recordedAt },
  };
}

/** Inside a load's transaction: stores the hash of what it read, or clears the old one when it has none. */
export async function recordFingerprint(conn: BackendConnection, request: LoadRequest): Promise<void> {
  await conn.query(`DELETE FROM meta.load_fingerprints WHERE source = $1 AND resource = $2`, [request.source, request.resource]);
  if (request.fingerprint === undefined) return;
  await conn.query(`INSERT INTO meta.load_fingerprints (source, resource, fingerprint, load_id, recorded_at) VALUES ($1, $2, $3, $4, $5)`, [
    request.source,
    request.resource,
    request.fingerprint,
    request.loadId,
    new Date(),
  ]);
}
