/** Issue 3 (DuckDB): the read-only `plumbline sql` can neither write nor read files, nor install anything. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plumbline } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'plumbline-sqlsafe-'));
const warehouse = join(dir, 'warehouse.duckdb');
const secrets = join(dir, 'plumbline.secrets');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('plumbline sql on DuckDB is sandboxed', () => {
  beforeAll(async () => {
    writeFileSync(secrets, 'SPECTRUM_SQL_PASSWORD=hunter2-very-secret\n');
    const made = await plumbline(['run', '--stages', 'models', '--warehouse', warehouse]);
    // Nothing is configured: the run fails for having done nothing, after making the warehouse.
    expect(made.stderr).toContain('nothing ran');
  });

  const attacks: [string, string][] = [
    ['COPY TO over the warehouse', `copy (select 'pwned') to '${warehouse}' (format csv)`],
    ['COPY TO a new file', `copy (select 'pwned') to '${join(dir, 'out.csv')}' (format csv)`],
    ['read_text of the secrets file', `select * from read_text('${secrets}')`],
    ['read_csv of /etc/passwd', `select * from read_csv('/etc/passwd', sep = ':')`],
    ['glob', `select * from glob('${dir}/*')`],
    ['INSTALL', 'install httpfs'],
    ['ATTACH another file', `attach '${join(dir, 'other.duckdb')}' as other`],
    ['turning external access back on', 'set enable_external_access = true'],
  ];
  for (const [name, query] of attacks) {
    it(`refuses ${name}`, async () => {
      const sizeBefore = statSync(warehouse).size;
      const result = await plumbline(['sql', query, '--warehouse', warehouse]);
      expect(result.code).not.toBe(0);
      expect(result.stdout).not.toContain('hunter2');
      expect(result.stdout).not.toContain('root:');
      expect(statSync(warehouse).size).toBe(sizeBefore);
      expect(readFileSync(warehouse).subarray(0, 64).toString('latin1')).not.toContain('pwned');
    });
  }

  it('still answers ordinary queries', async () => {
    const result = await plumbline(['sql', 'select count(*) as n from meta.loads', '--warehouse', warehouse]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/n\s*\n/);
  });
});

describe('plumbline sql before any warehouse exists', () => {
  it('the empty in-memory database it queries is sandboxed too', async () => {
    const missing = join(dir, 'not-there.duckdb');
    const result = await plumbline(['sql', `select * from read_text('${secrets}')`, '--warehouse', missing]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('hunter2');
  });
});

describe('the report command opens DuckDB sandboxed too', () => {
  it('a sandboxed writer refuses other files and configuration changes, and still writes the warehouse', async () => {
    const { openWarehouse } = await import('../../load/index.ts');
    const path = join(dir, 'report-writer.duckdb');
    const warehouse = await openWarehouse(path, { sandboxed: true });
    try {
      await expect(warehouse.query(`select * from read_text('${secrets}')`)).rejects.toThrow(/disabled|external/i);
      await expect(warehouse.query(`copy (select 1) to '${join(dir, 'x.csv')}'`)).rejects.toThrow(/disabled|external/i);
      await expect(warehouse.query('set enable_external_access = true')).rejects.toThrow(/lock|cannot/i);
      await warehouse.query('create table meta.report_probe as select 1 as x');
      expect(await warehouse.query('select x from meta.report_probe')).toEqual([{ x: 1 }]);
    } finally {
      await warehouse.close();
    }
  });
});
