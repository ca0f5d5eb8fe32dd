// A night's worth of edits for the benchmark's incremental run: a fixed share of every BuildOps
// endpoint's records saved again (a newer audit.lastUpdatedDate, the version bumped), in the
// store, so the API (updatedAfter) and a new export both see the same change.

import type { Store } from './store/open-store.ts';
import { BUILDOPS_ENDPOINTS, buildOpsTable } from './store/schema.ts';

/** What changeRecords changed. */
export interface ChangedRecords {
  /** Records saved again, per endpoint. */
  byEndpoint: Record<string, number>;
  total: number;
  /** The new last-updated time of every changed record (ISO). */
  at: string;
}

/**
 * Saves `fraction` (default 1%) of each BuildOps endpoint's records again, chosen by a hash of
 * the id (the same records for the same store), stamped an hour after the latest record.
 */
export async function changeRecords(store: Store, fraction = 0.01): Promise<ChangedRecords> {
  const { connection } = store;
  const tables = BUILDOPS_ENDPOINTS.map((e) => `buildops.${buildOpsTable(e)}`);
  const latest = await connection.runAndReadAll(`SELECT max(m) FROM (${tables.map((t) => `SELECT max(updated_at) AS m FROM ${t}`).join(' UNION ALL ')})`);
  const latestMs = Date.parse(`${String(latest.getRows()[0]![0]).replace(' ', 'T')}Z`);
  const at = new Date(latestMs + 3_600_000);
  const iso = at.toISOString();
  const buckets = Math.max(1, Math.round(1 / fraction));
  const byEndpoint: Record<string, number> = {};
  let total = 0;
  for (const endpoint of BUILDOPS_ENDPOINTS) {
    const table = `buildops.${buildOpsTable(endpoint)}`;
    const patch = JSON.stringify({ audit: { lastUpdatedDate: iso, lastUpdatedDateTime: at.getTime() } });
    const result = await connection.run(
      `UPDATE ${table} SET updated_at = CAST('${iso.replace('T', ' ').replace('Z', '')}' AS TIMESTAMP),
         doc = CAST(json_merge_patch(doc, CASE WHEN json_type(doc, '$.version') IN ('BIGINT', 'UBIGINT')
           THEN json_merge_patch('${patch}', json_object('version', CAST(json_extract(doc, '$.version') AS BIGINT) + 1))
           ELSE '${patch}' END) AS VARCHAR)
       WHERE hash(id) % ${buckets} = 0`,
    );
    byEndpoint[endpoint] = Number(result.rowsChanged);
    total += byEndpoint[endpoint];
  }
  return { byEndpoint, total, at: iso };
}
