// The servers over a store the generator filled: every endpoint pages through, every Spectrum
// table reads back over TDS with the same row count and exact money.
import sql from 'mssql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateContractor } from '../../../sandbox/generate/generate-contractor.ts';
import { openStore } from '../../../sandbox/store/open-store.ts';
import type { Store } from '../../../sandbox/store/open-store.ts';
import { BUILDOPS_ENDPOINTS, SPECTRUM_TABLE_NAMES, SPECTRUM_TABLES } from '../../../sandbox/store/schema.ts';
import type { SandboxServers } from '../../../sandbox/servers/start.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';

let store: Store;
let sandbox: SandboxServers;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  store = await openStore();
  await generateContractor(store, { seed: 7, scale: 'tiny' });
  sandbox = await startSandboxServers(store, { shortPageEvery: 13 });
  const s = sandbox.spectrumSql;
  pool = await new sql.ConnectionPool({
    server: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    options: { encrypt: false },
  }).connect();
});
afterAll(async () => {
  await pool?.close();
  await sandbox?.close();
  store?.close();
});

async function count(sqlText: string): Promise<number> {
  const reader = await store.connection.runAndReadAll(sqlText);
  return Number(reader.getRows()[0]![0]);
}

test('every BuildOps endpoint pages through to exactly the stored records', async () => {
  const { url, clientId, clientSecret, tenantId } = sandbox.buildops;
  const auth = (await (await fetch(`${url}/v1/auth/token`, { method: 'POST', body: JSON.stringify({ clientId, clientSecret }) })).json()) as {
    access_token: string;
  };
  const headers = { authorization: `Bearer ${auth.access_token}`, tenantId };
  for (const endpoint of BUILDOPS_ENDPOINTS) {
    const expected = await count(`SELECT count(*) FROM buildops.${endpoint.replaceAll('-', '_')}`);
    const ids = new Set<string>();
    const sizeParam = endpoint === 'employees' ? 'page_size' : 'limit';
    for (let page = 0; page < 10_000; page++) {
      const body = (await (await fetch(`${url}/v1/${endpoint}?page=${page}&${sizeParam}=100`, { headers })).json()) as {
        items?: Array<{ id: string }>;
        data?: Array<{ id: string }>;
      };
      const items = body.items ?? body.data ?? [];
      if (items.length === 0) break;
      items.forEach((i) => ids.add(i.id));
    }
    expect({ endpoint, n: ids.size }).toEqual({ endpoint, n: expected });
  }
});

test('every Spectrum table reads back over TDS: row counts and money totals exact', async () => {
  for (const table of SPECTRUM_TABLE_NAMES) {
    const money = SPECTRUM_TABLES[table].filter((c) => c.kind === 'money').map((c) => c.name);
    const r = await pool.request().query(`SELECT * FROM dbo.[${table}]`);
    expect({ table, n: r.recordset.length }).toEqual({ table, n: await count(`SELECT count(*) FROM spectrum."${table}"`) });
    for (const column of money.slice(0, 1)) {
      const viaTds = await pool.request().query(`SELECT CAST(ISNULL(SUM([${column}]), 0) AS varchar(40)) AS s FROM [${table}]`);
      const reader = await store.connection.runAndReadAll(`SELECT CAST(coalesce(sum("${column}"), 0) AS VARCHAR) FROM spectrum."${table}"`);
      expect({ table, column, s: viaTds.recordset[0].s }).toEqual({ table, column, s: String(reader.getRows()[0]![0]) });
    }
  }
});
