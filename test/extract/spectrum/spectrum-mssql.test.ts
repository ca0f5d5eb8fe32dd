/**
 * Against a real SQL Server, only when PLUMBLINE_TEST_MSSQL_URL is set
 * (`mssql://user:password@host:port/database?encrypt=true&trustServerCertificate=true&company=1`):
 * every contract table is read for the company and loaded into a DuckDB warehouse. The server
 * must hold Spectrum's tables (or views of them) in `dbo`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openWarehouse } from '../../../load/index.ts';
import { SPECTRUM_TABLE_NAMES, createSpectrumSqlResources } from '../../../extract/spectrum/index.ts';
import { loadAll } from './helpers.ts';

const url = process.env.PLUMBLINE_TEST_MSSQL_URL;

if (!url) {
  process.stderr.write('[spectrum mssql] NOT RUN: PLUMBLINE_TEST_MSSQL_URL is not set (no real SQL Server to test against)\n');
  describe.skipIf(!url)('spectrum against a real SQL Server — NOT RUN: PLUMBLINE_TEST_MSSQL_URL is not set', () => {
    test('reads every table', () => undefined);
  });
} else {
  describe('spectrum against a real SQL Server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-mssql-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('reads every contract table for the company', async () => {
      const parsed = new URL(url);
      const flag = (name: string, fallback: boolean) => (parsed.searchParams.has(name) ? parsed.searchParams.get(name) === 'true' : fallback);
      const sql = createSpectrumSqlResources({
        server: parsed.hostname,
        port: parsed.port ? Number(parsed.port) : 1433,
        database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'master',
        user: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
        encrypt: flag('encrypt', true),
        trustServerCertificate: flag('trustServerCertificate', false),
        companyCodes: [parsed.searchParams.get('company') ?? '1'],
      });
      const warehouse = await openWarehouse(join(dir, 'w.duckdb'));
      try {
        const results = await loadAll(warehouse, sql.resources);
        expect(results.size).toBe(SPECTRUM_TABLE_NAMES.length);
        for (const [name, result] of results)
          process.stderr.write(`[spectrum mssql] ${name}: ${result.rowsLoaded} rows, ${result.rowsQuarantined} quarantined\n`);
      } finally {
        await sql.close();
        await warehouse.close();
      }
    }, 600_000);
  });
}
