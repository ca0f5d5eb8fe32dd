/** Extract one resource into the warehouse: its batches, quarantine and cursor in one commit. */
import type { ExtractContext, Resource } from '../extract/types.ts';
import type { Logger } from '../lib/logger.ts';
import type { RetryPolicy } from '../lib/retry.ts';
import { withRetry } from '../lib/retry.ts';
import { recordUnchanged, unchangedSince } from './fingerprints.ts';
import type { LoadResult, Warehouse } from './types.ts';

/** How often a whole load is run again after a transient failure the client could not retry in place. */
export const RESOURCE_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 };

/** What loadResource may be given beyond the extract context. */
export interface LoadResourceOptions {
  /** The policy for running the whole load again (default RESOURCE_RETRY). */
  retry?: RetryPolicy;
  logger?: Logger;
}

/**
 * Loads `resource` from its last committed state (or from scratch on a full refresh); a resource
 * whose content hash is the one its last load committed is not read (`unchanged` in the result). A
 * transient failure that reaches here (a read cut after rows were handed on, a deadlock mid-way)
 * rolled the load back whole, so the load is run again from the same state, per the shared policy.
 */
export async function loadResource<State>(
  warehouse: Warehouse,
  resource: Resource<State>,
  loadId: string,
  context: ExtractContext,
  options: LoadResourceOptions = {},
): Promise<LoadResult> {
  const name = `${resource.source}.${resource.name}`;
  const started = new Date();
  // An export file whose content is the one last loaded is not read again (a full refresh reads it).
  const fingerprint = (await resource.fingerprint?.(context)) ?? undefined;
  if (fingerprint !== undefined && !context.fullRefresh) {
    const since = await unchangedSince(warehouse, resource.source, resource.name, resource.tables, fingerprint);
    if (since) return recordUnchanged(warehouse, { loadId, source: resource.source, resource: resource.name }, since, started);
  }
  return withRetry(
    async () => {
      // The stored state is checked by the resource that wrote it: a shape it does not know means a full read.
      const stored = context.fullRefresh || !resource.readState ? undefined : await warehouse.getState(resource.source, resource.name);
      const state = stored === undefined ? undefined : resource.readState?.(stored);
      // A full refresh of one resource rewrites its tables and its state only; the others keep theirs.
      const mode = context.fullRefresh ? 'replace' : resource.mode;
      return warehouse.load({
        loadId,
        source: resource.source,
        resource: resource.name,
        tables: resource.tables,
        mode,
        batches: resource.extract(state, context),
        signal: context.signal,
        allowMissing: context.allowMissing,
        fingerprint,
      });
    },
    {
      ...RESOURCE_RETRY,
      ...options.retry,
      signal: context.signal,
      what: `Loading ${name}`,
      // The client gave an unreachable host its quick retry already; here only a transient failure is worth a new load.
      quickRetry: false,
      onRetry: ({ attempt, maxAttempts, delayMs, error }) =>
        options.logger?.warn('load.retry', `${name}: ${error.message}; loading it again (${attempt + 1} of ${maxAttempts}) in ${delayMs} ms`, {
          resource: name,
          attempt,
          delayMs,
          reason: error.message,
        }),
    },
  );
}
