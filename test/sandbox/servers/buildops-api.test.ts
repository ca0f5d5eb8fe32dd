import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Store } from '../../../sandbox/store/open-store.ts';
import type { SandboxServers } from '../../../sandbox/servers/start.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';
import { pageWindow } from '../../../sandbox/servers/buildops-api.ts';
import { fillBuildOps, openFixtureStore } from './fixture.ts';

let store: Store;
let sandbox: SandboxServers;
const N = { invoices: 250, employees: 30, payments: 25, 'service-agreements': 35, jobs: 5 };

beforeAll(async () => {
  store = await openFixtureStore();
  await fillBuildOps(store, N);
  sandbox = await startSandboxServers(store, { shortPageEvery: 37 });
});
afterAll(async () => {
  await sandbox?.close();
  store?.close();
});

async function token(): Promise<string> {
  const { url, clientId, clientSecret } = sandbox.buildops;
  const res = await fetch(`${url}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId, clientSecret }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; expires_in: number };
  expect(body.expires_in).toBe(3600);
  return body.access_token;
}

async function get(path: string, bearer: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sandbox.buildops.url}${path}`, { headers: { authorization: `Bearer ${bearer}`, tenantId: sandbox.buildops.tenantId, ...headers } });
}

describe('auth', () => {
  test('bad credentials → 401; no, unknown token → 401; tenantId missing → 400, wrong → 403', async () => {
    const bad = await fetch(`${sandbox.buildops.url}/v1/auth/token`, { method: 'POST', body: JSON.stringify({ clientId: 'x', clientSecret: 'y' }) });
    expect(bad.status).toBe(401);
    const t = await token();
    expect((await fetch(`${sandbox.buildops.url}/v1/jobs`, { headers: { tenantId: sandbox.buildops.tenantId } })).status).toBe(401);
    expect((await get('/v1/jobs', 'not-a-token')).status).toBe(401);
    expect((await fetch(`${sandbox.buildops.url}/v1/jobs`, { headers: { authorization: `Bearer ${t}` } })).status).toBe(400);
    expect((await get('/v1/jobs', t, { tenantId: 'someone-else' })).status).toBe(403);
    expect((await get('/v1/jobs', t)).status).toBe(200);
    expect((await get('/v1/nope', t)).status).toBe(404);
  });

  test('a token expires after its lifetime', async () => {
    const short = await startSandboxServers(store, { tokenLifetimeSeconds: 1 });
    try {
      const res = await fetch(`${short.buildops.url}/v1/auth/token`, {
        method: 'POST',
        body: JSON.stringify({ clientId: short.buildops.clientId, clientSecret: short.buildops.clientSecret }),
      });
      const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
      expect(expires_in).toBe(1);
      const call = () => fetch(`${short.buildops.url}/v1/jobs`, { headers: { authorization: `Bearer ${access_token}`, tenantId: short.buildops.tenantId } });
      expect((await call()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await call()).status).toBe(401);
    } finally {
      await short.close();
    }
  });
});

describe('lists', () => {
  test('pages count from 0; some pages are short before the end; reading until totalCount gets every record once, in (updated_at, id) order', async () => {
    const t = await token();
    const seen: Array<{ id: string; audit: { lastUpdatedDate: string } }> = [];
    const sizes: number[] = [];
    let total = -1;
    for (let page = 0; page < 10; page++) {
      const res = await get(`/v1/invoices?page=${page}&limit=100`, t);
      const body = (await res.json()) as { items: typeof seen; totalCount: number };
      total = body.totalCount;
      sizes.push(body.items.length);
      if (body.items.length === 0) break;
      seen.push(...body.items);
      if (seen.length >= total) break;
    }
    expect(total).toBe(N.invoices);
    expect(seen.length).toBe(N.invoices);
    expect(new Set(seen.map((r) => r.id)).size).toBe(N.invoices);
    expect(sizes[0]).toBeLessThan(100); // a short page that is not the last
    const keys = seen.map((r) => `${r.audit.lastUpdatedDate}|${r.id}`);
    expect([...keys].sort()).toEqual(keys);
    // Stop-at-short-page clients lose records: the quirk is real.
    expect(sizes.slice(0, -1).some((s) => s < 100)).toBe(true);
  });

  test('page window arithmetic keeps every row exactly once', () => {
    const covered: number[] = [];
    for (let p = 0; p < 20; p++) {
      const { offset, count } = pageWindow(p, 7, 5);
      for (let i = 0; i < count; i++) covered.push(offset + i);
    }
    expect(covered).toEqual([...Array(covered.length).keys()]);
  });

  test('limit above 100 and bad page → 400', async () => {
    const t = await token();
    expect((await get('/v1/invoices?page=0&limit=101', t)).status).toBe(400);
    expect((await get('/v1/invoices?page=x&limit=10', t)).status).toBe(400);
    expect((await get('/v1/invoices?updatedAfter=yesterday', t)).status).toBe(400);
  });

  test('updatedAfter filters on updated_at (strictly after)', async () => {
    const t = await token();
    // Records i = 200..249 have updated_at > 2026-01-01T01:39:00Z (i // 2 > 99).
    const res = await get(`/v1/invoices?page=0&limit=100&updatedAfter=${encodeURIComponent('2026-01-01T01:39:00Z')}`, t);
    const body = (await res.json()) as { items: Array<{ id: string }>; totalCount: number };
    expect(body.totalCount).toBe(50);
    expect(body.items[0]!.id).toBe('invoices-00200');
  });

  test('employees: page_size, 400 on limit, updatedAfter ignored', async () => {
    const t = await token();
    expect((await get('/v1/employees?page=0&limit=10', t)).status).toBe(400);
    const res = await get(`/v1/employees?page=0&page_size=100&updatedAfter=${encodeURIComponent('2030-01-01T00:00:00Z')}`, t);
    const body = (await res.json()) as { items: unknown[]; totalCount: number };
    expect(body.totalCount).toBe(N.employees);
    expect(body.items.length).toBe(N.employees);
  });

  test('payments answer {data, hasMore}', async () => {
    const t = await token();
    const first = (await (await get('/v1/payments?page=0&limit=20', t)).json()) as { data: unknown[]; hasMore: boolean };
    expect(first.data.length).toBe(20);
    expect(first.hasMore).toBe(true);
    const second = (await (await get('/v1/payments?page=1&limit=20', t)).json()) as { data: unknown[]; hasMore: boolean };
    expect(second.data.length).toBe(5);
    expect(second.hasMore).toBe(false);
  });

  test('service-agreements: at most 10 per page whatever limit says; page until empty', async () => {
    const t = await token();
    const ids: string[] = [];
    for (let page = 0; ; page++) {
      const body = (await (await get(`/v1/service-agreements?page=${page}&limit=100`, t)).json()) as { items: Array<{ id: string }> };
      expect(body.items.length).toBeLessThanOrEqual(10);
      if (body.items.length === 0) break;
      ids.push(...body.items.map((i) => i.id));
    }
    expect(new Set(ids).size).toBe(N['service-agreements']);
  });
});

describe('faults', () => {
  test('the 3rd request to /v1/invoices gets 429 Retry-After: 0 (set over the admin endpoint)', async () => {
    const t = await token();
    const plan = { rules: [{ path: '/v1/invoices', nth: 3, action: { kind: 'status', status: 429, retryAfter: 0 } }] };
    const set = await fetch(`${sandbox.buildops.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify(plan) });
    expect(set.status).toBe(200);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await get('/v1/invoices?page=0&limit=5', t);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429, 200, 200]);
    expect(retryAfter).toBe('0');
    // Other paths are not counted by the rule.
    const state = (await (await fetch(`${sandbox.buildops.url}/__sandbox/faults`)).json()) as { rules: Array<{ seen: number; applied: number }> };
    expect(state.rules[0]).toMatchObject({ seen: 5, applied: 1 });
    await fetch(`${sandbox.buildops.url}/__sandbox/faults`, { method: 'DELETE' });
  });

  test('5xx, dropped connection, slow page', async () => {
    const t = await token();
    sandbox.faults.set([
      { path: '/v1/jobs', nth: 1, action: { kind: 'status', status: 503 } },
      { path: '/v1/jobs', nth: 2, action: { kind: 'drop' } },
      { path: '/v1/jobs', nth: 3, action: { kind: 'drop', when: 'before' } },
      { path: '/v1/jobs', nth: 4, action: { kind: 'delay', ms: 300 } },
    ]);
    expect((await get('/v1/jobs', t)).status).toBe(503);
    await expect(get('/v1/jobs', t).then((r) => r.json())).rejects.toThrow();
    await expect(get('/v1/jobs', t)).rejects.toThrow();
    const started = Date.now();
    expect((await get('/v1/jobs', t)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await get('/v1/jobs', t)).status).toBe(200);
    sandbox.faults.clear();
  });

  test('token expiry mid-run: current tokens become invalid; a new token works', async () => {
    const t = await token();
    sandbox.faults.set({ rules: [{ path: '/v1/*', nth: 2, action: { kind: 'expire-tokens' } }] });
    expect((await get('/v1/jobs', t)).status).toBe(200);
    expect((await get('/v1/jobs', t)).status).toBe(401);
    expect((await get('/v1/jobs', await token())).status).toBe(200);
    sandbox.faults.clear();
  });

  test('malformed records: wrong-typed field, missing id', async () => {
    const t = await token();
    sandbox.faults.set([
      { path: '/v1/invoices', nth: 1, action: { kind: 'malformed', field: 'totalAmount', value: 'abc', index: 1 } },
      { path: '/v1/invoices', nth: 2, action: { kind: 'malformed', field: 'id', remove: true } },
    ]);
    const a = (await (await get('/v1/invoices?page=0&limit=3', t)).json()) as { items: Array<Record<string, unknown>> };
    expect(a.items[1]!.totalAmount).toBe('abc');
    expect(typeof a.items[0]!.totalAmount).toBe('number');
    const b = (await (await get('/v1/invoices?page=0&limit=3', t)).json()) as { items: Array<Record<string, unknown>> };
    expect(b.items[0]).not.toHaveProperty('id');
    expect(b.items[1]).toHaveProperty('id');
    sandbox.faults.clear();
  });

  test('more than 10 requests at once → 429 with Retry-After', async () => {
    const t = await token();
    sandbox.faults.set([{ path: '/v1/jobs', action: { kind: 'delay', ms: 200 } }]);
    const responses = await Promise.all(Array.from({ length: 12 }, () => get('/v1/jobs', t)));
    sandbox.faults.clear();
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(2);
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
  });

  test('a bad plan is refused with 400', async () => {
    const res = await fetch(`${sandbox.buildops.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ action: { kind: 'explode' } }] }) });
    expect(res.status).toBe(400);
  });
});
