// BuildOps failures that retrying cannot fix stop the whole source fast, with one message that
// names the host and the fix: an unreachable host (DNS, refused) and refused credentials. A 429's
// Retry-After is waited for. The default retry policy is used where the time is the point.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BUILDOPS_ENDPOINTS, createBuildOpsApiResources } from '../../../extract/buildops/index.ts';
import { PlumblineError, UnreachableError, errorWithFix } from '../../../lib/errors.ts';
import type { Warehouse } from '../../../load/index.ts';
import { openWarehouse } from '../../../load/index.ts';
import type { Store } from '../../../sandbox/index.ts';
import type { SandboxServers } from '../../../sandbox/servers/start.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';
import { closedPort, loadEach } from '../../support/fail-fast.ts';
import { apiOptions, recordingLogger, storeDocs, tinyStore } from './helpers.ts';

const AS_OF = '2026-11-15';
let store: Store;
let sandbox: SandboxServers;
let dir: string;
let warehouse: Warehouse;

beforeAll(async () => {
  store = await tinyStore(5);
  sandbox = await startSandboxServers(store, { shortPageEvery: 0 });
  dir = mkdtempSync(join(tmpdir(), 'plumbline-bo-failfast-'));
  warehouse = await openWarehouse(join(dir, 'w.duckdb'));
});
afterAll(async () => {
  await warehouse?.close();
  await sandbox?.close();
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Resources against a base URL with the default retry policy (no test shortcuts). */
function resourcesAt(baseUrl: string) {
  return createBuildOpsApiResources({ baseUrl, tenantId: 't', clientId: 'id', clientSecret: 'secret' });
}

/** The one error every endpoint failed with (the same object: the client remembered it). */
function theOneError(errors: Map<string, unknown>): PlumblineError {
  expect([...errors.keys()]).toEqual(BUILDOPS_ENDPOINTS);
  expect(new Set(errors.values()).size).toBe(1);
  const [error] = errors.values();
  expect(error).toBeInstanceOf(PlumblineError);
  return error as PlumblineError;
}

test('an unreachable BuildOps host (DNS) fails every endpoint in under 15 s, with one message naming the host and the fix', async () => {
  const { errors, seconds } = await loadEach(warehouse, resourcesAt('https://buildops-nowhere.invalid'), AS_OF);
  process.stderr.write(`[fail-fast] BuildOps DNS failure: ${errors.size} endpoints failed in ${seconds.toFixed(2)} s (was 172 s)\n`);
  const error = theOneError(errors);
  expect(seconds).toBeLessThan(15);
  expect(error).toBeInstanceOf(UnreachableError);
  expect(error.message).toMatch(/^Cannot reach BuildOps at buildops-nowhere\.invalid: the host name (does not resolve|could not be resolved now) \(DNS\)$/);
  expect(error.fix).toMatch(
    /^Check the host name in sources\.buildops\.base_url \(buildops-nowhere\.invalid\) for typos, and that this machine can resolve it/,
  );
  expect(error).toMatchObject({ kind: 'terminal', scope: 'source', context: { source: 'buildops', host: 'buildops-nowhere.invalid' } });
});

test('a BuildOps host that refuses the connection fails every endpoint in under 15 s, with one message', async () => {
  const port = await closedPort();
  const { errors, seconds } = await loadEach(warehouse, resourcesAt(`http://127.0.0.1:${port}`), AS_OF);
  process.stderr.write(`[fail-fast] BuildOps connection refused: ${errors.size} endpoints failed in ${seconds.toFixed(2)} s\n`);
  const error = theOneError(errors);
  expect(seconds).toBeLessThan(15);
  expect(errorWithFix(error)).toBe(
    `Cannot reach BuildOps at 127.0.0.1:${port}: the host refused the connection (nothing listens on that port) — Check sources.buildops.base_url (127.0.0.1:${port}): the host and port, that the service runs, and that this machine may reach it (firewall, VPN).`,
  );
});

test('refused credentials: one token request for all endpoints, one message with the fix', async () => {
  sandbox.faults.set([{ path: '/v1/auth/token', action: { kind: 'delay', ms: 0 } }]); // counts token requests
  try {
    const { errors } = await loadEach(warehouse, createBuildOpsApiResources(apiOptions(sandbox, { clientSecret: 'wrong' })), AS_OF);
    const error = theOneError(errors);
    expect(errorWithFix(error)).toMatch(
      /^BuildOps refused the client credentials \(POST \/v1\/auth\/token answered 401: .*\) — Check BUILDOPS_CLIENT_ID \/ BUILDOPS_CLIENT_SECRET and the tenant id/,
    );
    expect(errorWithFix(error)).not.toContain('wrong');
    expect(sandbox.faults.state()[0]!.seen).toBe(1);
  } finally {
    sandbox.faults.clear();
  }
});

test('a 429 with Retry-After is waited for, however short the backoff, and the endpoint then loads', async () => {
  sandbox.faults.set([{ path: '/v1/vendors', nth: 1, action: { kind: 'status', status: 429, retryAfter: 1 } }]);
  try {
    const { logger, records } = recordingLogger();
    // A backoff of 20 ms: only the Retry-After can make the retry wait a second.
    const resources = createBuildOpsApiResources(apiOptions(sandbox, { endpoints: ['vendors'], logger }));
    const { results, errors, seconds } = await loadEach(warehouse, resources, AS_OF);
    expect(errors.size).toBe(0);
    expect(results.get('vendors')!.rowsLoaded).toBe((await storeDocs(store, 'vendors')).length);
    const retries = records.filter((r) => r.event === 'extract.retry');
    expect(retries.map((r) => [r.fields.endpoint, r.fields.delayMs])).toEqual([['vendors', 1000]]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    process.stderr.write(`[fail-fast] BuildOps 429 Retry-After: 1 → waited 1000 ms, vendors loaded in ${seconds.toFixed(2)} s\n`);
  } finally {
    sandbox.faults.clear();
  }
});
