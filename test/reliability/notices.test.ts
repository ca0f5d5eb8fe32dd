/**
 * Notices end to end on both warehouses: a real SMTP server with a login and a local webhook
 * receive what a run sends — per recipient kind, with the new findings by key, the subcontractors
 * newly blocked, the inline chart PNGs and a signature that verifies; a failure notice carries the
 * error and its fix; with the mail server down the run ends as it would have, the notice is kept
 * pending and the next run sends it. No secret appears in any of it.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import { findingKeySql } from '../../reports/excel/notes.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { runPipeline } from '../../scheduler/pipeline.ts';
import type { Stage } from '../../scheduler/pipeline.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import { filesConfig, loadSandbox, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { deadPort, readMail, startHook, startSmtp } from '../notify/mail-servers.ts';
import type { TestHook, TestSmtp } from '../notify/mail-servers.ts';

const USER = 'plumbline@example.com';
const PASSWORD = 'smtp-Pa55word-never-shown';
const HOOK_SECRET = 'hook-signing-key-never-shown';
const secrets = loadSecrets({ PLUMBLINE_SMTP_PASSWORD: PASSWORD, PLUMBLINE_WEBHOOK_SECRET: HOOK_SECRET });
const TO = { finance: ['cfo@example.com'], ap: ['ap@example.com'], operations: ['ops@example.com'] };

let smtp: TestSmtp;
let hook: TestHook;
const outDirs: string[] = [];

beforeAll(async () => {
  smtp = await startSmtp(USER, PASSWORD);
  hook = await startHook();
});
afterAll(async () => {
  await smtp.close();
  await hook.close();
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
  removeSandboxExports();
});

/** The config with notices to the test servers (SMTP on `port`), reports into a folder of their own. */
function withNotices(config: PlumblineConfig, port: number, onSuccess: boolean): PlumblineConfig {
  const out = mkdtempSync(join(tmpdir(), 'plumbline-notices-'));
  outDirs.push(out);
  return {
    ...config,
    reports: { out_dir: out },
    notices: {
      on_success: onSuccess,
      email: { host: '127.0.0.1', port, secure: false, user: USER, from: USER, to: TO },
      webhook: { url: hook.url, timeout_seconds: 5 },
    },
  };
}

const mailTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));
const lastMailTo = (address: string) => readMail(mailTo(address).at(-1)!.raw);

describeEachWarehouse('notices', (factory) => {
  afterAll(() => factory.cleanup());

  it('a run that succeeded: each kind by email, signed webhook, inline charts; the next run lists only its new findings by key', async () => {
    const sandbox = await loadSandbox(factory, 7, 'tiny');
    const { warehouse, asOf } = sandbox;
    try {
      const config = withNotices(sandbox.config, smtp.port, true);
      const stages: Stage[] = ['models', 'reports', 'notify'];
      smtp.mails.length = 0;
      hook.posts.length = 0;
      const first = await runPipeline({ warehouse, config, secrets, logger: silentLogger, asOf, stages });
      expect(first.ok).toBe(true);
      expect(first.stages.find((s) => s.stage === 'notify')).toMatchObject({ status: 'ok', counts: { sent: 4, pending: 0 } });
      // on_success: finance and operations hear; AP hears of the blocked subcontractors (on a first run every one is new).
      expect(smtp.mails.map((m) => m.to).sort()).toEqual([['ap@example.com'], ['cfo@example.com'], ['ops@example.com']]);
      const blockedAtFirst = await warehouse.query<{ n: number }>('select count(*) as n from marts.subcontractor_compliance where not is_compliant');
      expect(lastMailTo('ap@example.com').subject).toContain(`${Number(blockedAtFirst[0]!.n)} subcontractor assignment(s) newly blocked`);
      expect(smtp.passwords).toContain(PASSWORD);
      const finance = lastMailTo('cfo@example.com');
      expect(finance.subject).toMatch(/run succeeded/);
      expect(finance.text).toContain(`Run ${first.runId}`);
      expect(finance.text).toContain('this is the first notice');
      expect(finance.text).toContain(join(config.reports.out_dir, asOf, 'cfo-report.html'));
      // The headline charts, inline: PNG bytes, each referenced from the HTML by its cid.
      expect(finance.images.length).toBeGreaterThan(0);
      for (const image of finance.images) {
        expect(image.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        const cid = (image.headers['content-id'] ?? '').replace(/[<>]/g, '');
        expect(finance.html).toContain(`cid:${cid}`);
      }
      expect(hook.posts).toHaveLength(1);
      const post = hook.posts[0]!;
      const expected = `sha256=${createHmac('sha256', HOOK_SECRET).update(post.body).digest('hex')}`;
      expect(post.headers['x-plumbline-signature']).toBe(expected);
      const payload = JSON.parse(post.body);
      expect(payload).toMatchObject({ type: 'plumbline.run', run: { id: first.runId, status: 'ok', result: 'succeeded' } });
      expect(payload.findings.total).toBeGreaterThan(0);

      // Plant: one compliant subcontractor loses its certificates of insurance.
      const [vendor] = await warehouse.query<{ vendor_code: string }>(
        `select vendor_code from marts.subcontractor_compliance group by vendor_code having bool_and(is_compliant) order by vendor_code limit 1`,
      );
      expect(vendor).toBeDefined();
      await warehouse.query(
        `delete from raw.spectrum__vn_compliance_mc where trim(vendor_code) = '${vendor!.vendor_code}' and upper(trim(compliance_type)) = 'COI'`,
      );
      // The reports were checked once: the models and the notices are enough for the second run.
      const second = await runPipeline({ warehouse, config, secrets, logger: silentLogger, asOf, stages: ['models', 'notify'] });
      expect(second.ok).toBe(true);
      const planted = await warehouse.query<{ finding_key: string; job_number: string }>(
        `select ${findingKeySql('subcontractor_compliance')} as finding_key, job_number from marts.subcontractor_compliance
         where vendor_code = '${vendor!.vendor_code}' and not is_compliant order by 1`,
      );
      expect(planted.length).toBeGreaterThan(0);
      const secondPayload = JSON.parse(hook.posts.at(-1)!.body);
      // Exactly the planted findings are new: every other one was in the first run's notice.
      expect(secondPayload.findings.new.map((f: { key: string }) => f.key).sort()).toEqual(planted.map((p) => p.finding_key));
      expect(secondPayload.subcontractors_newly_blocked.map((s: { jobNumber: string }) => s.jobNumber).sort()).toEqual(planted.map((p) => p.job_number).sort());
      const financeAgain = lastMailTo('cfo@example.com');
      expect(financeAgain.subject).toContain(`${planted.length} new finding(s)`);
      for (const p of planted) expect(financeAgain.text).toContain(p.finding_key);
      const ap = lastMailTo('ap@example.com');
      expect(ap.subject).toContain(`${planted.length} subcontractor assignment(s) newly blocked from AP release`);
      for (const p of planted) expect(ap.text).toContain(`Job ${p.job_number}, vendor ${vendor!.vendor_code}`);
      expect(ap.text).toContain('coi_missing');

      // No secret anywhere: not in a message, not in the webhook, not in meta.notices.
      const stored = await warehouse.query<{ body: string; subject: string }>('select subject, body from meta.notices');
      for (const text of [...smtp.mails.map((m) => m.raw), ...hook.posts.map((p) => p.body), ...stored.map((s) => s.subject + s.body)]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(HOOK_SECRET);
      }
    } finally {
      await warehouse.close();
    }
    // A sandbox loaded, its models built three times over and its reports written: more than the default minute on a busy machine.
  }, 240_000);

  it('a failed run: the failure notice carries the error and its fix; a dead mail server keeps it pending and the next run sends it', async () => {
    const { dir, truth } = await sandboxExport(7, 'tiny');
    const location = await factory.newLocation();
    const warehouse = await openWarehouse(location);
    try {
      // A BuildOps export file cut short: its load fails with what to do, the models do not run.
      const invoices = join(dir, 'buildops', 'invoices.json');
      const text = readFileSync(invoices, 'utf8');
      writeFileSync(invoices, text.slice(0, Math.floor(text.length / 2)));
      const broken = filesConfig(dir, truth, location);
      const stages: Stage[] = ['load', 'models', 'notify'];
      const withoutNotices = await runPipeline({ warehouse, config: broken, secrets, logger: silentLogger, asOf: truth.asOf, stages: ['load', 'models'] });
      expect(withoutNotices.status).toBe('partial');
      const error = withoutNotices.stages[0]!.errors[0]!;
      expect(error.fix).toContain('Export');

      const down = await deadPort();
      hook.posts.length = 0;
      const failed = await runPipeline({ warehouse, config: withNotices(broken, down, false), secrets, logger: silentLogger, asOf: truth.asOf, stages });
      // The run ends exactly as it would have without notices; the notices stage is partial, never failed.
      expect([failed.status, failed.message?.replace(withoutNotices.runId, '')]).toEqual([
        withoutNotices.status,
        withoutNotices.message?.replace(withoutNotices.runId, ''),
      ]);
      const notify = failed.stages.find((s) => s.stage === 'notify')!;
      expect(notify.status).toBe('partial');
      expect(notify.errors[0]!.message).toContain(`127.0.0.1:${down}`);
      expect(notify.errors[0]!.fix).toContain('notices.email.host');
      const pending = await warehouse.query<{ kind: string; state: string; attempts: number; last_error: string }>(
        `select kind, state, attempts, last_error from meta.notices where run_id = '${failed.runId}' and channel = 'email' order by kind`,
      );
      expect(pending.map((p) => [p.kind, p.state, Number(p.attempts)])).toEqual([
        ['finance', 'pending', 1],
        ['operations', 'pending', 1],
      ]);
      // The webhook was up: it got the failure, with the error and its fix.
      const payload = JSON.parse(hook.posts.at(-1)!.body);
      expect(payload.run).toMatchObject({ id: failed.runId, status: 'partial', result: 'PARTLY FAILED' });
      expect(payload.problems).toContainEqual(expect.objectContaining({ stage: 'load', message: error.message, fix: error.fix }));

      // The mail server is back, on the port the config names: the next run sends what was kept.
      const back = await startSmtp(USER, PASSWORD, down);
      try {
        const next = await runPipeline({ warehouse, config: withNotices(broken, down, false), secrets, logger: silentLogger, asOf: truth.asOf, stages });
        expect(next.status).toBe(withoutNotices.status);
        const states = await warehouse.query<{ run_id: string; state: string }>(
          `select run_id, state from meta.notices where channel = 'email' order by created_at, kind`,
        );
        expect(states.map((s) => [s.run_id, s.state])).toEqual([
          [failed.runId, 'sent'],
          [failed.runId, 'sent'],
          [next.runId, 'sent'],
          [next.runId, 'sent'],
        ]);
        const operations = back.mails.filter((m) => m.to.includes('ops@example.com')).map((m) => readMail(m.raw));
        const kept = operations.find((m) => m.text.includes(`Run ${failed.runId}`))!;
        expect(kept.subject).toMatch(/run PARTLY FAILED; 1 problem\(s\) to fix/);
        expect(kept.subject).not.toMatch(/succeeded/);
        expect(kept.text).toContain(error.message);
        expect(kept.text).toContain(`Fix: ${error.fix}`);
        expect(kept.html).toContain('Errors and their fixes');
        const finance = back.mails.filter((m) => m.to.includes('cfo@example.com')).map((m) => readMail(m.raw));
        expect(finance.find((m) => m.text.includes(`Run ${failed.runId}`))?.text).toContain('Not checked this run');
        for (const mail of back.mails) expect(mail.raw).not.toContain(PASSWORD);
      } finally {
        await back.close();
      }
    } finally {
      await warehouse.close();
    }
  });
});
