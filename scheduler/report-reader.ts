/**
 * `plumbline report` through a reader: on a shared Postgres warehouse the reports read the marts
 * as the read-only plumbline_reader role (SELECT on marts only), and write their own history
 * (meta.report_history, meta.finding_history, meta.ar_feed_history; meta.loads for freshness)
 * through the writer, the warehouse itself. A person who has only the reader's credentials runs
 * `report --reader <url> --no-history` (or names the reader as the warehouse too): then no history
 * is read or written, and the reports say so.
 */
import { UsageError, errorMessage } from '../lib/errors.ts';
import type { Warehouse } from '../load/index.ts';
import { openWarehouse } from '../load/open-warehouse.ts';
import type { RunContext } from './run-context.ts';
import { requireExistingWarehouse } from './warehouse-location.ts';

/** Which connections the reports use: the marts' and the history's (null: none). */
export interface ReportConnections {
  marts: Warehouse;
  history: Warehouse | null;
}

/** Opens the reader for the marts and, unless `noHistory` (or the reader is the warehouse), the writer for the history; runs `work`; closes both. */
export async function withReportReader(
  context: RunContext,
  reader: string,
  noHistory: boolean,
  work: (connections: ReportConnections) => Promise<void>,
): Promise<void> {
  requireExistingWarehouse(reader);
  const readerOnly = noHistory || reader === context.warehouseLocation;
  if (!readerOnly) {
    try {
      requireExistingWarehouse(context.warehouseLocation);
    } catch (error) {
      throw new UsageError(`${errorMessage(error)}. The report writes its history through the warehouse; with only the reader, add --no-history`);
    }
  }
  const marts = await openWarehouse(reader, { readOnly: true, sandboxed: true });
  let history: Warehouse | null = null;
  try {
    // The writer's connection is the one that may write: DuckDB still runs it sandboxed (no files).
    if (!readerOnly) history = await context.openWarehouse({ sandboxed: true });
    await work({ marts, history });
  } finally {
    await history?.close();
    await marts.close();
  }
}
