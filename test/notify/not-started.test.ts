/**
 * A run that never starts — another process holds the warehouse (its run lock on Postgres, the
 * DuckDB file itself) — still tells operations, by email and webhook, with the error; the command
 * exits as it would have. On both warehouses, the command as a process of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openWarehouse } from '../../load/index.ts';
import { acquireRunLock } from '../../load/run-lock.ts';
import { spawnCli } from '../support/cli.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { readMail, startHook, startSmtp } from './mail-servers.ts';
import type { TestHook, TestSmtp } from './mail-servers.ts';

const USER = 'plumbline@example.com';
const PASSWORD = 'not-started-Pa55word';
let smtp: TestSmtp;
let hook: TestHook;
const dirs: string[] = [];

beforeAll(async () => {
  smtp = await startSmtp(USER, PASSWORD);
  hook = await startHook();
});
afterAll(async () => {
  await smtp.close();
  await hook.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeEachWarehouse('a run that did not start', (factory) => {
  afterAll(() => factory.cleanup());

  it('tells operations that another run holds the warehouse, and exits as without notices', async () => {
    const location = await factory.newLocation();
    const warehouse = await openWarehouse(location);
    const held = await acquireRunLock(warehouse, location, { waitSeconds: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-not-started-'));
    dirs.push(dir);
    const config = (notices: boolean) => {
      const path = join(dir, notices ? 'with.yaml' : 'without.yaml');
      writeFileSync(
        path,
        stringify({
          company: { code: '1', name: 'Acme Mechanical' },
          warehouse: location,
          lock: { wait_seconds: 0 },
          ...(notices
            ? {
                notices: {
                  email: { host: '127.0.0.1', port: smtp.port, user: USER, from: USER, to: { finance: ['cfo@example.com'], operations: ['ops@example.com'] } },
                  webhook: { url: hook.url },
                },
              }
            : {}),
        }),
      );
      return path;
    };
    try {
      const env = { PLUMBLINE_SMTP_PASSWORD: PASSWORD };
      const without = await spawnCli(['run', '--config', config(false), '--as-of', '2026-11-15'], { cwd: dir, env });
      smtp.mails.length = 0;
      hook.posts.length = 0;
      const refused = await spawnCli(['run', '--config', config(true), '--as-of', '2026-11-15'], { cwd: dir, env });
      expect(refused.code).toBe(without.code);
      expect(refused.code).not.toBe(0);
      // Operations only: the run did nothing, and its notice says why.
      expect(smtp.mails.map((m) => m.to)).toEqual([['ops@example.com']]);
      const mail = readMail(smtp.mails[0]!.raw);
      expect(mail.subject).toBe('[plumbline] Acme Mechanical as of 2026-11-15: run FAILED; 1 problem(s) to fix');
      expect(mail.text).toContain('the run did not start');
      expect(mail.text).toContain('Connection and lock problems');
      expect(mail.text).toMatch(/holds the warehouse|lock/i);
      expect(smtp.mails[0]!.raw).not.toContain(PASSWORD);
      const payload = JSON.parse(hook.posts[0]!.body);
      expect(payload).toMatchObject({ type: 'plumbline.run', kinds: ['operations'], run: { status: 'failed' } });
    } finally {
      await held.release();
      await warehouse.close();
    }
  });
});
