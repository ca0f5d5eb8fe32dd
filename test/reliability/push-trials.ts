/**
 * The push trials of the reliability suite: `plumbline push` as a child process against the
 * sandbox's Data Exchange server (killed at a chosen point, or run to its end), what Spectrum
 * received (the sandbox store is the witness), and the outbox as the warehouse holds it.
 */
import { spawn } from 'node:child_process';
import { openWarehouse } from '../../load/index.ts';
import type { OutboxRow } from '../../writeback/outbox.ts';
import { readOutbox, rowParents } from '../../writeback/outbox.ts';
import type { PushSandbox } from '../writeback/sandbox-push.ts';
import { pushCliSetup } from '../writeback/sandbox-push.ts';
import { BIN } from './helpers.ts';

/** A record of the outbox as the trials compare it. */
export type OutboxEntry = Pick<OutboxRow, 'outbox_id' | 'record_type' | 'buildops_id' | 'state' | 'findings' | 'message' | 'parent_outbox_ids'>;

/** `plumbline push` against a push sandbox's servers, writing the warehouse at `location`. */
export function pushCli(box: PushSandbox, location: string) {
  const { config, env } = pushCliSetup(box);
  const outputs: string[] = [];
  const start = () =>
    spawn(process.execPath, [BIN, 'push', '--config', config, '--warehouse', location, '--json-logs'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    outputs,
    /** Runs a push to its end (asynchronously: the sandbox servers answer it from this process). */
    run(): Promise<{ code: number | null; stdout: string; stderr: string }> {
      return new Promise((resolve, reject) => {
        const child = start();
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('error', reject);
        child.once('close', (code) => {
          outputs.push(stdout, stderr);
          resolve({ code, stdout, stderr });
        });
      });
    },
    /**
     * Starts a push and kills it with SIGKILL when its `nthRequest`-th Data Exchange request is
     * logged (null: after `atMs` milliseconds); true when it was killed, false when it ended first.
     */
    killed(nthRequest: number | null, atMs: number): Promise<boolean> {
      return new Promise((resolve, reject) => {
        const child = start();
        let text = '';
        let requests = 0;
        let killed = false;
        const kill = (): void => {
          if (killed || child.exitCode !== null) return;
          killed = true;
          child.kill('SIGKILL');
        };
        const timer = nthRequest === null ? setTimeout(kill, atMs) : undefined;
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.stderr.on('data', (d: Buffer) => {
          const chunk = d.toString();
          text += chunk;
          requests += chunk.split('"event":"writeback.request"').length - 1;
          if (nthRequest !== null && requests >= nthRequest) kill();
        });
        child.once('error', reject);
        child.once('close', () => {
          clearTimeout(timer);
          outputs.push(text);
          resolve(killed);
        });
      });
    },
  };
}

/** What Spectrum holds that a push writes: invoices (by remark), jobs and phases, each key with its count. */
export async function spectrumHeld(box: PushSandbox): Promise<Map<string, number>> {
  const invoices = await box.spectrum(`select trim("Remarks") as k, count(*)::int as n from spectrum."CR_UNPOSTED_INVOICE_MC" group by 1`);
  const jobs = await box.spectrum(`select "Company_Code" || '/' || trim("Job_Number") as k, count(*)::int as n from spectrum."JC_JOB_MASTER_MC" group by 1`);
  const phases = await box.spectrum(
    `select "Company_Code" || '/' || trim("Job_Number") || '/' || trim("Phase_Code") || '/' || trim("Cost_Type") as k, count(*)::int as n from spectrum."JC_PHASE_MASTER_MC" group by 1`,
  );
  const held = new Map<string, number>();
  for (const [kind, rows] of [
    ['invoice', invoices],
    ['job', jobs],
    ['phase', phases],
  ] as const)
    for (const r of rows) held.set(`${kind} ${String(r.k)}`, Number(r.n));
  return held;
}

/** What Spectrum received since `before`: the invoices by their `BO:<id>` remark, any record received more than once, and how many in all. */
export function received(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): { invoices: Set<string>; twice: string[]; total: number } {
  const added = [...after].map(([key, n]) => [key, n - (before.get(key) ?? 0)] as const).filter(([, n]) => n > 0);
  return {
    invoices: new Set([...after.keys()].filter((key) => key.startsWith('invoice BO:')).map((key) => key.slice('invoice '.length))),
    twice: added.filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`),
    total: added.reduce((sum, [, n]) => sum + n, 0),
  };
}

/** The outbox of the warehouse at `location`, record by record. */
export async function outboxStates(location: string): Promise<OutboxEntry[]> {
  const warehouse = await openWarehouse(location);
  try {
    return (await readOutbox(warehouse)).map((r) => ({
      outbox_id: r.outbox_id,
      record_type: r.record_type,
      buildops_id: r.buildops_id,
      state: r.state,
      findings: r.findings,
      message: r.message,
      parent_outbox_ids: r.parent_outbox_ids,
    }));
  } finally {
    await warehouse.close();
  }
}

/**
 * Whether a record ended confirmed or where a person can act on it: sent and waiting to be
 * posted in Spectrum, blocked with its findings, failed with its message, waiting for a parent
 * that is itself blocked or failed, or settled by a person. Never `sending` (in doubt) and never
 * pending with nothing in its way.
 */
export function actionable(row: OutboxEntry, all: readonly OutboxEntry[]): boolean {
  switch (row.state) {
    case 'confirmed':
    case 'sent':
    case 'bypassed':
    case 'marked_synced':
    case 'cancelled':
    case 'superseded':
      return true;
    case 'blocked':
      return row.findings !== null && row.findings !== '' && row.findings !== '[]';
    case 'failed':
      return row.message !== null && row.message !== '';
    case 'pending': {
      const parents = rowParents(row).map((id) => all.find((r) => r.outbox_id === id));
      return parents.some(
        (p) => p !== undefined && p !== row && actionable(p, all) && (p.state === 'blocked' || p.state === 'failed' || p.state === 'pending'),
      );
    }
    default:
      return false;
  }
}
