// Shared by the fail-fast suites: load every resource of a source the way a run does (one after
// the other, a failure recorded and the next one tried) and a port on which nothing listens.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Resource } from '../../extract/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { LoadResult, Warehouse } from '../../load/index.ts';
import { loadResource, newLoadId } from '../../load/index.ts';

/** What loading every resource gave: results and errors by resource name, and the seconds it took. */
export interface LoadEach {
  results: Map<string, LoadResult>;
  errors: Map<string, unknown>;
  seconds: number;
}

/** Loads each resource in turn, as a run does; a failure is kept and the next resource tried. */
export async function loadEach(warehouse: Warehouse, resources: readonly Resource[], asOf: string, logger?: Logger): Promise<LoadEach> {
  const results = new Map<string, LoadResult>();
  const errors = new Map<string, unknown>();
  const t0 = performance.now();
  for (const resource of resources) {
    try {
      results.set(resource.name, await loadResource(warehouse, resource, newLoadId(), { fullRefresh: false, asOf }, { logger }));
    } catch (error) {
      errors.set(resource.name, error);
    }
  }
  return { results, errors, seconds: (performance.now() - t0) / 1000 };
}

/** A localhost port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
