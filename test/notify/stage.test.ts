/**
 * The notify stage on its own, on both warehouses, with stage results made by hand: secrets in an
 * error never reach a notice (email, webhook, meta.notices), HTML is escaped, a run that did
 * nothing is never worded as a success, a cancelled run keeps its notices for the next run, and a
 * success with on_success off sends nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ErrorRecord } from '../../lib/errors.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { StageContext, StageResult } from '../../lib/stage.ts';
import type { Warehouse } from '../../load/index.ts';
import { notifyStage } from '../../notify/stage.ts';
import type { NoticeSettings, RunSummary } from '../../notify/types.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { deadPort, readMail, startHook, startSmtp } from './mail-servers.ts';
import type { TestHook, TestSmtp } from './mail-servers.ts';

const USER = 'notices@example.com';
const PASSWORD = 'stage-Pa55word';
const TOKEN = 'tok-9f8e7d6c5b4a';
let smtp: TestSmtp;
let hook: TestHook;

beforeAll(async () => {
  smtp = await startSmtp(USER, PASSWORD);
  hook = await startHook();
});
afterAll(async () => {
  await smtp.close();
  await hook.close();
});

function settings(onSuccess = false): NoticeSettings {
  return {
    onSuccess,
    email: {
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      user: USER,
      password: PASSWORD,
      from: USER,
      to: { finance: ['cfo@example.com'], ap: ['ap@example.com'], operations: ['ops@example.com'] },
    },
    webhook: { url: hook.url, timeoutSeconds: 5, secret: 'hook-key-1234' },
    secrets: [PASSWORD, TOKEN, 'hook-key-1234'],
  };
}

function run(status: RunSummary['status'], message: string | null): RunSummary {
  return {
    runId: `run-${status}-${Date.now()}`,
    status,
    message,
    trigger: 'schedule',
    asOf: '2026-11-15',
    startedAt: new Date(),
    warehouse: 'test',
    company: 'Acme <Mechanical> & Sons',
  };
}

function context(warehouse: Warehouse, runId: string, earlier: StageResult[], signal = new AbortController().signal): StageContext<Warehouse> {
  return {
    runId,
    warehouse,
    logger: silentLogger,
    asOf: '2026-11-15',
    companyCode: '1',
    signal,
    earlier: new Map(earlier.map((r) => [r.stage, r])),
    recordStep: async () => undefined,
  };
}

const loadError: ErrorRecord = {
  kind: 'terminal',
  name: 'TerminalError',
  message: `BuildOps refused the token ${TOKEN} for <tenant> & co`,
  fix: 'Check BUILDOPS_CLIENT_SECRET',
  context: { stage: 'load', source: 'buildops', resource: 'buildops.jobs' },
  scope: 'source',
};
const failedLoad: StageResult = {
  stage: 'load',
  status: 'failed',
  reason: 'every resource failed',
  seconds: 1,
  counts: { failed: 1 },
  errors: [loadError],
  steps: [],
};

describeEachWarehouse('notify stage', (factory) => {
  afterAll(() => factory.cleanup());

  it('masks every secret, escapes HTML, and files the error under connection problems with its fix', async () => {
    const warehouse = await factory.open();
    try {
      smtp.mails.length = 0;
      hook.posts.length = 0;
      const summary = run('failed', `the load stage failed: every resource failed (first: ${loadError.message})`);
      const result = await notifyStage({ settings: settings(), run: summary }).run(context(warehouse, summary.runId, [failedLoad]));
      expect(result).toMatchObject({ status: 'ok', counts: { sent: 3, pending: 0 } });
      const ops = readMail(smtp.mails.find((m) => m.to.includes('ops@example.com'))!.raw);
      expect(ops.subject).toBe('[plumbline] Acme <Mechanical> & Sons as of 2026-11-15: run FAILED; 1 problem(s) to fix');
      expect(ops.text).toContain('Connection and lock problems');
      expect(ops.text).toContain('load buildops.jobs: BuildOps refused the token *** for <tenant> & co Fix: Check BUILDOPS_CLIENT_SECRET');
      expect(ops.html).toContain('BuildOps refused the token *** for &lt;tenant&gt; &amp; co');
      expect(ops.html).toContain('Acme &lt;Mechanical&gt; &amp; Sons');
      expect(ops.html).not.toContain('<tenant>');
      const stored = await warehouse.query<{ subject: string; body: string; last_error: string | null }>('select subject, body, last_error from meta.notices');
      expect(stored).toHaveLength(3);
      for (const text of [
        ...smtp.mails.map((m) => m.raw),
        ...hook.posts.map((p) => p.body),
        ...stored.map((s) => `${s.subject}${s.body}${s.last_error ?? ''}`),
      ]) {
        expect(text).not.toContain(TOKEN);
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain('hook-key-1234');
      }
      expect(JSON.parse(hook.posts[0]!.body).problems[0]).toMatchObject({ message: 'BuildOps refused the token *** for <tenant> & co', connection: true });
    } finally {
      await warehouse.close();
    }
  });

  it('a run that did nothing is never worded as a success; a success with on_success off sends nothing', async () => {
    const warehouse = await factory.open();
    try {
      smtp.mails.length = 0;
      const nothing = run('failed', 'nothing ran: no source is configured. Configure a source in plumbline.yaml');
      const skippedLoad: StageResult = { stage: 'load', status: 'skipped', reason: 'no source is configured', seconds: 0, counts: {}, errors: [], steps: [] };
      await notifyStage({ settings: settings(), run: nothing }).run(context(warehouse, nothing.runId, [skippedLoad]));
      const finance = readMail(smtp.mails.find((m) => m.to.includes('cfo@example.com'))!.raw);
      expect(finance.subject).toContain('run FAILED: nothing ran');
      expect(`${finance.subject}${finance.text}`).not.toMatch(/succeeded/);
      expect(finance.text).toContain('nothing ran: no source is configured. Configure a source in plumbline.yaml');
      expect(finance.text).toContain('Not checked this run: the models stage did not run');

      smtp.mails.length = 0;
      const fine = run('ok', null);
      const ok = await notifyStage({ settings: settings(false), run: fine }).run(context(warehouse, fine.runId, []));
      expect(ok.status).toBe('skipped');
      expect(ok.reason).toMatch(/^nothing to notify/);
      expect(smtp.mails).toEqual([]);
    } finally {
      await warehouse.close();
    }
  });

  it('AP hears of the write-backs Spectrum rejected in this run, with their fixes, even when the run succeeded', async () => {
    const warehouse = await factory.open();
    try {
      smtp.mails.length = 0;
      const fine = run('ok', null);
      await warehouse.query(
        `insert into meta.outbox (outbox_id, company_code, record_type, buildops_id, state, message, fix, last_run_id, updated_at)
         values ('ob-1', '1', 'invoice', 'inv-42', 'failed', 'Spectrum refused invoice 100042: Customer_Code <ACME> is inactive', 'Reactivate the customer in Spectrum, then plumbline outbox retry ob-1', '${fine.runId}', cast('2026-11-15 07:00:00' as timestamp)),
                ('ob-2', '1', 'invoice', 'inv-41', 'failed', 'an older rejection', null, 'an-earlier-run', cast('2026-11-14 07:00:00' as timestamp))`,
      );
      const result = await notifyStage({ settings: settings(false), run: fine }).run(context(warehouse, fine.runId, []));
      expect(result).toMatchObject({ status: 'ok', counts: { sent: 2 } });
      expect(smtp.mails.map((m) => m.to)).toEqual([['ap@example.com']]);
      const ap = readMail(smtp.mails[0]!.raw);
      expect(ap.subject).toBe('[plumbline] Acme <Mechanical> & Sons as of 2026-11-15: 1 write-back(s) rejected by Spectrum');
      expect(ap.text).toContain(
        'Rejected by Spectrum: invoice inv-42 — Spectrum refused invoice 100042: Customer_Code <ACME> is inactive Fix: Reactivate the customer in Spectrum, then plumbline outbox retry ob-1',
      );
      expect(ap.text).not.toContain('an older rejection');
      expect(ap.html).toContain('Customer_Code &lt;ACME&gt; is inactive');
    } finally {
      await warehouse.close();
    }
  });

  it('a notice that keeps failing is given up after 5 tries, with its last error kept', async () => {
    const warehouse = await factory.open();
    try {
      const down = { ...settings(), webhook: null, email: { ...settings().email!, port: await deadPort() } };
      const failing = run('failed', 'the load stage failed');
      let result = await notifyStage({ settings: down, run: failing }).run(context(warehouse, failing.runId, [failedLoad]));
      expect(result).toMatchObject({ status: 'partial', counts: { sent: 0, pending: 2 } });
      for (let tries = 2; tries <= 5; tries++) {
        // Later runs succeed and have nothing to say: they only retry what was kept.
        const next = run('ok', null);
        result = await notifyStage({ settings: down, run: next }).run(context(warehouse, next.runId, []));
        expect(result.status, `try ${tries}`).toBe('partial');
      }
      const rows = await warehouse.query<{ state: string; attempts: number; last_error: string }>(
        `select state, attempts, last_error from meta.notices where run_id = '${failing.runId}' order by kind`,
      );
      expect(rows.map((r) => [r.state, Number(r.attempts)])).toEqual([
        ['failed', 5],
        ['failed', 5],
      ]);
      expect(rows[0]!.last_error).toMatch(/could not be reached.*Check notices\.email\.host and port/);
      expect(result.counts).toMatchObject({ 'given up': 2 });
    } finally {
      await warehouse.close();
    }
  });

  it('a cancelled run keeps its notices pending without sending; the next run sends them first', async () => {
    const warehouse = await factory.open();
    try {
      smtp.mails.length = 0;
      const abort = new AbortController();
      abort.abort();
      const cancelled = run('cancelled', 'Cancelled by SIGTERM during the load stage');
      const kept = await notifyStage({ settings: settings(), run: cancelled }).run(context(warehouse, cancelled.runId, [failedLoad], abort.signal));
      expect(kept).toMatchObject({ status: 'ok', counts: { sent: 0, pending: 3 } });
      expect(smtp.mails).toEqual([]);
      const next = run('failed', 'the load stage failed');
      const sent = await notifyStage({ settings: settings(), run: next }).run(context(warehouse, next.runId, [failedLoad]));
      expect(sent.steps.map((s) => s.name)).toEqual([
        `retry email finance (run ${cancelled.runId})`,
        `retry email operations (run ${cancelled.runId})`,
        `retry webhook all (run ${cancelled.runId})`,
        'email finance',
        'email operations',
        'webhook',
      ]);
      expect(readMail(smtp.mails[0]!.raw).subject).toContain('run was CANCELLED');
      const states = await warehouse.query<{ state: string; n: number }>('select state, count(*) as n from meta.notices group by state');
      expect(states.map((s) => [s.state, Number(s.n)])).toEqual([['sent', 6]]);
    } finally {
      await warehouse.close();
    }
  });
});
