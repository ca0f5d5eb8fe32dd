/**
 * The notice checks of `plumbline check`: the SMTP login and the signed webhook POST pass against
 * live receivers, and a wrong password, a closed port, a missing password and a webhook that
 * answers 500 each fail fast with the fix. Also: the init template's notices example is valid.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CheckOutcome } from '../../lib/check.ts';
import { noticeChecks } from '../../notify/checks.ts';
import { noticeSettings } from '../../scheduler/notice-settings.ts';
import { configSchema, validateConfig } from '../../scheduler/config.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { initProject } from '../../scheduler/init-project.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import { deadPort, startHook, startSmtp } from './mail-servers.ts';
import type { TestHook, TestSmtp } from './mail-servers.ts';

const USER = 'plumbline@example.com';
const PASSWORD = 'check-Pa55word';
const HOOK_SECRET = 'check-signing-key';
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

function config(port: number, url: string, user: string | undefined = USER): PlumblineConfig {
  return {
    ...configSchema.parse({
      notices: {
        email: { host: '127.0.0.1', port, user, from: USER, to: { finance: ['cfo@example.com'] } },
        webhook: { url, timeout_seconds: 5 },
      },
    }),
    baseDir: process.cwd(),
    file: null,
  };
}

/** Runs every check, timing each. */
async function runChecks(cfg: PlumblineConfig, env: Record<string, string>): Promise<{ name: string; outcome: CheckOutcome; seconds: number }[]> {
  const results = [];
  for (const check of noticeChecks(noticeSettings(cfg, loadSecrets(env)))) {
    const started = performance.now();
    const outcome = await check.run(new AbortController().signal);
    results.push({ name: check.name, outcome, seconds: (performance.now() - started) / 1000 });
  }
  return results;
}

const secrets = { PLUMBLINE_SMTP_PASSWORD: PASSWORD, PLUMBLINE_WEBHOOK_SECRET: HOOK_SECRET };

it('the SMTP login and a signed webhook POST pass against live receivers', async () => {
  hook.status = 204;
  hook.posts.length = 0;
  const [email, webhook] = await runChecks(config(smtp.port, hook.url), secrets);
  expect(email).toMatchObject({ name: `notices: SMTP 127.0.0.1:${smtp.port}`, outcome: { ok: true, detail: `logged in as ${USER}` } });
  expect(smtp.passwords.at(-1)).toBe(PASSWORD);
  expect(webhook!.outcome.ok).toBe(true);
  const post = hook.posts.at(-1)!;
  expect(JSON.parse(post.body)).toEqual({ type: 'plumbline.check' });
  expect(post.headers['x-plumbline-signature']).toBe(`sha256=${createHmac('sha256', HOOK_SECRET).update(post.body).digest('hex')}`);
});

it('a wrong password, a closed port, a missing password and a webhook answering 500 fail fast, each with its fix', async () => {
  const failure = (outcome: CheckOutcome) => (outcome.ok ? null : { message: outcome.error.message, fix: outcome.error.fix ?? '' });

  const wrong = await runChecks(config(smtp.port, hook.url), { ...secrets, PLUMBLINE_SMTP_PASSWORD: 'not-the-password' });
  expect(failure(wrong[0]!.outcome)?.message).toContain(`The SMTP server 127.0.0.1:${smtp.port} refused the login of ${USER}`);
  expect(failure(wrong[0]!.outcome)?.fix).toContain('PLUMBLINE_SMTP_PASSWORD');
  expect(wrong[0]!.seconds).toBeLessThan(5);

  const closed = await deadPort();
  hook.status = 500;
  const down = await runChecks(config(closed, hook.url), secrets);
  expect(failure(down[0]!.outcome)?.message).toContain(`The SMTP server 127.0.0.1:${closed} could not be reached`);
  expect(failure(down[0]!.outcome)?.fix).toContain('notices.email.host and port');
  expect(down[0]!.seconds).toBeLessThan(3);
  expect(failure(down[1]!.outcome)?.message).toContain('answered HTTP 500');
  expect(failure(down[1]!.outcome)?.fix).toContain('Check the receiver');
  hook.status = 204;

  const deadHook = `http://127.0.0.1:${await deadPort()}/hook`;
  const missing = await runChecks(config(smtp.port, deadHook), { PLUMBLINE_WEBHOOK_SECRET: HOOK_SECRET });
  expect(failure(missing[0]!.outcome)).toEqual({
    message: `PLUMBLINE_SMTP_PASSWORD is not set; it is the password of ${USER} on 127.0.0.1:${smtp.port}`,
    fix: expect.stringContaining('Set PLUMBLINE_SMTP_PASSWORD'),
  });
  expect(failure(missing[1]!.outcome)?.message).toMatch(/The webhook at 127\.0\.0\.1:\d+ could not be reached: ECONNREFUSED/);
  expect(missing[1]!.seconds).toBeLessThan(3);
  // No secret in any outcome.
  for (const result of [...wrong, ...down, ...missing]) {
    expect(JSON.stringify(failure(result.outcome))).not.toContain(PASSWORD);
    expect(JSON.stringify(failure(result.outcome))).not.toContain(HOOK_SECRET);
  }
});

it('no check is listed for a channel that is not configured', () => {
  expect(noticeChecks(noticeSettings({ ...configSchema.parse({}), baseDir: '.', file: null }, loadSecrets({})))).toEqual([]);
});

it('the notices example of plumbline init, uncommented, is a valid configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-init-'));
  try {
    const [path] = initProject(dir);
    const text = readFileSync(path!, 'utf8');
    const block = text.slice(text.indexOf('# notices:'));
    const uncommented = block
      .split('\n')
      .filter((line) => line.startsWith('# ') && !line.startsWith('# Notices'))
      .map((line) => line.slice(2))
      .join('\n');
    const parsed = validateConfig(parseYaml(uncommented));
    expect(parsed.notices.email).toMatchObject({ host: 'smtp.example.com', port: 587, secure: false, to: { ap: ['ap@example.com'] } });
    expect(parsed.notices.webhook?.timeout_seconds).toBe(10);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
