/**
 * Issue 3 (Postgres): `plumbline init --postgres` prints the roles; the nightly run works as
 * plumbline_writer, and plumbline_reader (what `sql --reader` uses) reads the marts and nothing
 * else: no raw rows, no meta tables, no server files, no other sessions.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../support/postgres-server.ts';
import { plumbline } from './helpers.ts';

const pgUrl = inject('pgUrl');

describe.skipIf(!pgUrl)('Postgres roles', () => {
  let database: { url: string; drop(): Promise<void> };
  let writerUrl: string;
  let readerUrl: string;
  const asRole = (url: string, role: string) => {
    const u = new URL(url);
    u.username = role;
    return u.toString();
  };

  beforeAll(async () => {
    database = await createTestDatabase(pgUrl!);
    const name = new URL(database.url).pathname.slice(1);
    const printed = await plumbline(['init', '--postgres', name]);
    expect(printed.code).toBe(0);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(printed.stdout);
    await admin.end();
    writerUrl = asRole(database.url, 'plumbline_writer');
    readerUrl = asRole(database.url, 'plumbline_reader');
    const run = await plumbline(['run', '--stages', 'models', '--warehouse', writerUrl]);
    // Nothing is configured: the run fails for having done nothing, after making the warehouse.
    expect(run.stderr).toContain('nothing ran');
    const writer = new pg.Client({ connectionString: writerUrl });
    await writer.connect();
    await writer.query(`create table raw.secret_rows as select 'payroll' as what`);
    // Created after the grants, as every rebuilt mart is: the default privileges cover it.
    await writer.query(`create table marts.sample as select 1 as x`);
    await writer.end();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const asReader = (query: string) => plumbline(['sql', query, '--warehouse', writerUrl, '--reader', readerUrl]);

  it('the reader reads the marts the writer built', async () => {
    const result = await asReader('select count(*) as n from marts.sample');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  for (const [what, query] of [
    ['raw tables', 'select * from raw.secret_rows'],
    ['meta tables', 'select * from meta.loads'],
    ['server files', "select pg_read_file('/etc/passwd')"],
    ['other sessions', 'select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and usename is not null'],
  ] as const) {
    it(`the reader cannot reach ${what}`, async () => {
      const result = await asReader(query);
      expect(result.code).not.toBe(0);
      expect(result.stdout).not.toMatch(/payroll|root:|\bt\b/);
      expect(result.stderr).toMatch(/permission denied|must be|read-only|not allowed|cannot/i);
    });
  }

  it('the reader role itself can neither write server files nor create tables, whatever the client', async () => {
    const reader = new pg.Client({ connectionString: readerUrl });
    await reader.connect();
    try {
      for (const statement of [
        "copy (select 1) to '/tmp/plumbline-reader-copy'",
        'create table marts.pwned as select 1 as x',
        'begin read write; create table marts.pwned as select 1 as x',
        "select lo_import('/etc/passwd')",
      ]) {
        await expect(reader.query(statement), statement).rejects.toThrow(/permission denied|must be|read-only|not allowed/i);
        await reader.query('rollback').catch(() => undefined);
      }
    } finally {
      await reader.end();
    }
  });
});
