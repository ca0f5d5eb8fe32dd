import sql from 'mssql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { AddressInfo } from 'node:net';
import { createSpectrumTdsServer } from '../../../sandbox/servers/spectrum-tds.ts';
import { openFixtureStore } from './fixture.ts';

let store: Awaited<ReturnType<typeof openFixtureStore>>;
let server: ReturnType<typeof createSpectrumTdsServer>;
let pool: sql.ConnectionPool;
beforeAll(async () => {
  store = await openFixtureStore();
  server = createSpectrumTdsServer(store.instance, { database: 'Spectrum', user: 'u', password: 'p' });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  pool = await new sql.ConnectionPool({ server: '127.0.0.1', port, user: 'u', password: 'p', database: 'Spectrum', options: { encrypt: false } }).connect();
});
afterAll(async () => {
  await pool?.close();
  await new Promise((r) => server.close(r));
  store.close();
});
test('smoke', async () => {
  const r = await pool.request().input('co', sql.VarChar, 'Z01').query(`SELECT TOP 2 * FROM [dbo].[CR_INVOICE_HEADER_MC] WITH (NOLOCK) WHERE Company_Code = @co ORDER BY Invoice_Or_Transaction`);
  console.log(r.recordset);
  const r2 = await pool.request().query(`SELECT CAST(Invoice_Extension AS varchar(30)) AS x, COUNT(*) AS n FROM CR_INVOICE_HEADER_MC GROUP BY Invoice_Extension`);
  console.log(r2.recordset);
});
