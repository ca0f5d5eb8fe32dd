/** Extract one resource into the warehouse: its batches, quarantine and cursor in one commit. */
import type { ExtractContext, Resource } from '../extract/types.ts';
import type { LoadResult, Warehouse } from './types.ts';

/** Loads `resource` from its last committed state (or from scratch on a full refresh). */
export async function loadResource(warehouse: Warehouse, resource: Resource, loadId: string, context: ExtractContext): Promise<LoadResult> {
  const state = context.fullRefresh ? undefined : await warehouse.getState(resource.source, resource.name);
  // A full refresh of one resource rewrites its tables and its state only; the others keep theirs.
  const mode = context.fullRefresh ? 'replace' : resource.mode;
  return warehouse.load({
    loadId,
    source: resource.source,
    resource: resource.name,
    tables: resource.tables,
    mode,
    batches: resource.extract(state, context),
    allowMissing: context.allowMissing,
  });
}
