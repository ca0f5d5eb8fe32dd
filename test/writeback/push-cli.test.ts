/**
 * The person's commands, as a user runs them on a DuckDB file: push --dry-run changes nothing,
 * mark-synced without a matching Spectrum record is refused, and a push killed with SIGKILL at
 * random points, followed by pushes until the outbox settles, leaves every clean record in
 * Spectrum exactly once. Real processes, but for `outbox` and `outbox bypass`, whose exit code and
 * output are all that is asserted: they run in this one (test/support/cli.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../load/index.ts';
import { readOutbox } from '../../writeback/outbox.ts';
import type { PushSandbox } from './sandbox-push.ts';
import { pushCliSetup, pushSandbox } from './sandbox-push.ts';
import { runCli } from '../support/cli.ts';

const BIN = join(import.meta.dirname, '../../bin/plumbline.js');
const KILLS = Number(process.env.PLUMBLINE_WRITEBACK_KILLS ?? 3);

let box: PushSandbox;
let config: string;
let location: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  location = join((await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'plumbline-pushcli-')), 'warehouse.duckdb');
  box = await pushSandbox(3, 'tiny', location);
  // The child processes write the warehouse: this process lets go of it.
  await box.warehouse.close();
  ({ config, env } = pushCliSetup(box));
}, 240_000);
afterAll(async () => {
  await box?.close().catch(() => undefined);
});

/** Runs the CLI as a separate process (asynchronously: the sandbox servers answer it from this process). */
function cli(args: string[], configFile = config): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--config', configFile, '--warehouse', location], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Runs the CLI in this process, with the same arguments as `cli`, for a command whose result is its
 * exit code and stdout (the outbox commands log to this process's stderr, and read its environment).
 */
async function inProcess(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runCli([...args, '--config', config, '--warehouse', location], { cwd: process.cwd(), env });
  return { status: code, stdout, stderr };
}

async function spectrumFingerprint(): Promise<string> {
  const tables = ['CR_UNPOSTED_INVOICE_MC', 'JC_JOB_MASTER_MC', 'JC_PHASE_MASTER_MC', 'CR_INVOICE_HEADER_MC'];
  const parts: string[] = [];
  for (const t of tables) parts.push(JSON.stringify(await box.spectrum(`select * from spectrum."${t}" order by all`)));
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

describe('plumbline push and outbox, as a person runs them', () => {
  it('push --dry-run prints the plan and leaves Spectrum and the warehouse file unchanged', async () => {
    const spectrumBefore = await spectrumFingerprint();
    const fileBefore = createHash('sha256').update(readFileSync(location)).digest('hex');
    const r = await cli(['push', '--dry-run']);
    expect(r.stderr).not.toMatch(/"level":"error"|^Error/m);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Dry run: nothing is sent and nothing is written.');
    expect(r.stdout).toMatch(/Would send \d+ record\(s\)/);
    expect(r.stdout).toContain('Fix:');
    expect(await spectrumFingerprint()).toBe(spectrumBefore);
    expect(createHash('sha256').update(readFileSync(location)).digest('hex')).toBe(fileBefore);
  });

  it(`a push killed with SIGKILL ${KILLS} times, then pushed to the end, sends each clean record exactly once`, { timeout: 300_000 }, async () => {
    let killedMidPush = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const child = spawn(process.execPath, [BIN, 'push', '--config', config, '--warehouse', location], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      // Kill it right after its first request leaves (the intent is committed, the answer not yet):
      // the worst moment for exactly-once. A push with nothing left to send exits by itself.
      let killed = false;
      child.stderr.on('data', (d: Buffer) => {
        if (!killed && d.toString().includes('"event":"writeback.request"')) {
          killed = true;
          killedMidPush++;
          child.kill('SIGKILL');
        }
      });
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(killedMidPush).toBeGreaterThan(0);
    let last = await cli(['push']);
    for (let i = 0; i < 3 && last.status !== 0; i++) last = await cli(['push']);
    expect(last.stderr).not.toMatch(/"level":"error"|^Error/m);
    expect(last.status).toBe(0);
    const clean = box.truth.writeback_preflight.filter((r) => r.record_type === 'invoice' && r.rules.length === 0).map((r) => `BO:${r.buildops_id}`);
    const rows = await box.spectrum(`select trim("Remarks") as remarks, count(*)::int as n from spectrum."CR_UNPOSTED_INVOICE_MC" group by 1`);
    const count = new Map(rows.map((r) => [String(r.remarks), Number(r.n)]));
    expect([...count.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect(clean.filter((k) => !count.has(k))).toEqual([]);
    const jobs = await box.spectrum(
      `select "Company_Code" as company, trim("Job_Number") as job, count(*)::int as n from spectrum."JC_JOB_MASTER_MC" group by 1, 2 having count(*) > 1`,
    );
    expect(jobs).toEqual([]);
  });

  it('outbox lists every record by state', async () => {
    const r = await inProcess(['outbox']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Outbox: .*sent/);
    expect(r.stdout).toMatch(/\d+ blocked/);
  });

  it('mark-synced without a matching Spectrum record is refused, saying what was looked for', async () => {
    const warehouse = await openWarehouse(location);
    const blocked = (await readOutbox(warehouse, ['blocked'])).find((r) => r.record_type === 'invoice');
    await warehouse.close();
    expect(blocked).toBeDefined();
    const r = await cli(['outbox', 'mark-synced', blocked!.outbox_id, '--reason', 'accounting says it is in']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Spectrum has no matching record');
    expect(r.stderr).toMatch(/looked for invoice number/);
  });

  it('bypass records the reason and never sends', async () => {
    const warehouse = await openWarehouse(location);
    const blocked = (await readOutbox(warehouse, ['blocked']))[0]!;
    await warehouse.close();
    const r = await inProcess(['outbox', 'bypass', blocked.outbox_id, '--reason', 'entered by hand in Spectrum']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('→ bypassed');
    const after = await openWarehouse(location);
    const row = (await readOutbox(after)).find((x) => x.outbox_id === blocked.outbox_id)!;
    expect(row.state).toBe('bypassed');
    expect(row.reason).toBe('entered by hand in Spectrum');
    expect(row.actor).toBeTruthy();
    await after.close();
  });
});

describe('push and the run lock', () => {
  it('a push while another process holds the warehouse waits lock.wait_seconds, then names the holder', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../support/hold-run-lock-child.ts'), location], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => holder.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
    try {
      const waitConfig = join(box.dir, 'plumbline-wait.yaml');
      writeFileSync(waitConfig, `${readFileSync(config, 'utf8')}lock:\n  wait_seconds: 1\n`);
      const r = await cli(['push'], waitConfig);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`another run \\(pid ${holder.pid}, host ${hostname()}, started [^)]+\\) holds the warehouse \\(run holder-run\\)`));
    } finally {
      holder.stdin.end();
      await once(holder, 'close');
    }
  }, 60_000);
});
