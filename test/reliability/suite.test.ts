/**
 * The reliability suite: SIGKILL at random points of a run (load, models, reports) followed by
 * a rerun compared mart by mart with an uninterrupted run, and of a push (write-back) followed by
 * pushes until the outbox settles; the sandbox's fault modes at 30% (BuildOps API, and Spectrum SQL
 * over the sandbox's TDS server: connections dropped mid-response, 1205 deadlock victims);
 * the bad-input corpus; every output grepped for the sandbox's secrets; readers during a run;
 * two runs at once. It ends with one table of what it tried and what went wrong (all zeros).
 * PLUMBLINE_RELIABILITY_TRIALS sets the kill trials of run and of push per backend (default 1, the CI size; 5 or more for a real soak).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { exportContractor, generateContractor, openStore } from '../../sandbox/index.ts';
import type { GroundTruth, Store } from '../../sandbox/index.ts';
import type { FaultRule } from '../../sandbox/servers/faults.ts';
import { startSandboxServers } from '../../sandbox/servers/start.ts';
import { SPECTRUM_TABLE_NAMES } from '../../extract/spectrum/tables.ts';
import { sandboxConfig, sandboxSecrets } from '../../scheduler/demo.ts';
import { runPipeline } from '../../scheduler/pipeline.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { BIN, plumbline } from './helpers.ts';
import { actionable, outboxStates, pushCli, received, spectrumHeld } from './push-trials.ts';
import { pushSandbox } from '../writeback/sandbox-push.ts';

const TRIALS = Number(process.env.PLUMBLINE_RELIABILITY_TRIALS ?? 1);
const stats = {
  trials: 0,
  kills: 0,
  'faults injected': 0,
  'bad records tried': 0,
  'records lost': 0,
  duplicates: 0,
  'values altered without a quarantine note': 0,
  'secrets leaked': 0,
  'readers refused during a run': 0,
};
const outputs: string[] = [];
let store: Store;
let truth: GroundTruth;
let dir: string;
const work = mkdtempSync(join(tmpdir(), 'plumbline-reliability-'));
// Credentials the CLI runs see in their environment: none may appear in any output.
const SECRETS = { BUILDOPS_CLIENT_SECRET: 'bo-secret-Zq81xk', SPECTRUM_SQL_PASSWORD: 'sql-pass-Wm52vy', SPECTRUM_SQL_USER: 'CORP\\plumbline_svc' };

beforeAll(async () => {
  store = await openStore(':memory:');
  truth = await generateContractor(store, { seed: 11, scale: 'tiny' });
  dir = join(work, 'export');
  await exportContractor(store, dir);
});
afterAll(() => {
  store?.close();
  const secrets = [...Object.values(SECRETS), JSON.stringify(SECRETS.SPECTRUM_SQL_USER).slice(1, -1)];
  for (const text of [...outputs, ...filesUnder(work)]) for (const secret of secrets) if (text.includes(secret)) stats['secrets leaked']++;
  const width = Math.max(...Object.keys(stats).map((k) => k.length));
  process.stdout.write(
    `\nReliability suite (${TRIALS} kill trial(s) per backend)\n${Object.entries(stats)
      .map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)
      .join('\n')}\n\n`,
  );
  rmSync(work, { recursive: true, force: true });
  expect(stats['secrets leaked']).toBe(0);
});

function filesUnder(root: string): string[] {
  const texts: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (statSync(full).size < 50_000_000) texts.push(readFileSync(full).toString('latin1'));
    }
  };
  walk(root);
  return texts;
}

/** Every mart as a sorted list of row texts, without the columns that say when it was built. */
async function martSnapshot(location: string): Promise<Map<string, string[]>> {
  const warehouse = await openWarehouse(location);
  try {
    const out = new Map<string, string[]>();
    for (const { name } of await warehouse.listRelations('marts')) {
      if (name.endsWith('__building')) continue;
      const rows = await warehouse.query(`select * from marts.${name}`);
      out.set(name, rows.map((row) => JSON.stringify(Object.entries(row).filter(([k, v]) => !(v instanceof Date) && !/(_at|run_id)$/.test(k)))).sort());
    }
    return out;
  } finally {
    await warehouse.close();
  }
}

/** Rows of `expected` missing from `actual` (lost) and rows of `actual` beyond `expected` (duplicates or invented). */
function compareMarts(expected: Map<string, string[]>, actual: Map<string, string[]>): { lost: number; extra: number; differing: string[] } {
  let lost = 0;
  let extra = 0;
  const differing: string[] = [];
  for (const name of new Set([...expected.keys(), ...actual.keys()])) {
    const left = new Map<string, number>();
    for (const row of expected.get(name) ?? []) left.set(row, (left.get(row) ?? 0) + 1);
    let martExtra = 0;
    for (const row of actual.get(name) ?? []) {
      const n = left.get(row) ?? 0;
      if (n > 0) left.set(row, n - 1);
      else martExtra++;
    }
    const martLost = [...left.values()].reduce((a, b) => a + b, 0);
    if (martLost + martExtra > 0) differing.push(`${name}: ${martLost} lost, ${martExtra} extra`);
    lost += martLost;
    extra += martExtra;
  }
  return { lost, extra, differing };
}

describeEachWarehouse('reliability', (factory) => {
  let baseline: Map<string, string[]>;
  let baselineSeconds: number;
  const runArgs = (location: string) => ['run', '--files', dir, '--company', truth.companyCode, '--as-of', truth.asOf, '--warehouse', location, '--json-logs'];
  const cli = async (args: string[]) => {
    const result = await plumbline(args, { cwd: work, env: SECRETS });
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  beforeAll(async () => {
    const location = await factory.newLocation();
    const run = await cli(runArgs(location));
    expect(run.code, run.stderr).toBe(0);
    baselineSeconds = run.seconds;
    baseline = await martSnapshot(location);
    expect(baseline.size).toBeGreaterThan(5);
  });
  afterAll(() => factory.cleanup());

  it('SIGKILL at random points of a run, then a rerun: the marts of an uninterrupted run, readers served throughout', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const location = await factory.newLocation();
      // A first, complete run, so that readers have a last completed warehouse to read.
      if (trial % 2 === 0) expect((await cli(runArgs(location))).code).toBe(0);
      const child = spawn(process.execPath, [BIN, ...runArgs(location)], { cwd: work, env: { ...process.env, ...SECRETS }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const delay = 400 + Math.random() * Math.max(500, baselineSeconds * 1000 * 0.9);
      if (factory.kind === 'duckdb' && trial % 2 === 0) {
        await new Promise((r) => setTimeout(r, delay / 2));
        const read = await cli(['sql', 'select count(*) as n from marts.ar_aging', '--warehouse', location]);
        if (read.code !== 0) stats['readers refused during a run']++;
      }
      await new Promise((r) => setTimeout(r, delay / (factory.kind === 'duckdb' && trial % 2 === 0 ? 2 : 1)));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        stats.kills++;
      }
      await exited;
      outputs.push(text);
      stats.trials++;
      const rerun = await cli(runArgs(location));
      expect(rerun.code, rerun.stderr).toBe(0);
      const { lost, extra, differing } = compareMarts(baseline, await martSnapshot(location));
      stats['records lost'] += lost;
      stats.duplicates += extra;
      expect(differing, `trial ${trial} after a kill at ${Math.round(delay)} ms`).toEqual([]);
    }
  }, 600_000);

  it('SIGKILL at random points of push (write-back to the sandbox Data Exchange), then pushes: nothing sent twice, every record confirmed or actionable, the outbox settled', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const location = await factory.newLocation();
      const box = await pushSandbox(21 + trial, 'tiny', location);
      // The pushes are child processes: this one lets go of the warehouse.
      await box.warehouse.close();
      const push = pushCli(box, location);
      try {
        const before = await spectrumHeld(box);
        // A random point: the k-th request to Data Exchange (the intent committed, the answer not
        // yet read), or a random moment (refreshing the outbox, reading Spectrum back).
        const nthRequest = Math.random() < 0.7 ? 1 + Math.floor(Math.random() * 4) : null;
        const atMs = 300 + Math.random() * 2500;
        const killed = await push.killed(nthRequest, atMs);
        if (killed) stats.kills++;
        stats.trials++;
        let last = await push.run();
        for (let i = 0; i < 4 && last.code !== 0; i++) last = await push.run();
        expect(last.code, last.stderr).toBe(0);
        const sent = received(before, await spectrumHeld(box));
        stats.duplicates += sent.twice.length;
        expect(sent.twice, 'records Spectrum received twice').toEqual([]);
        const settled = await outboxStates(location);
        // One more push sends nothing and changes nothing: the outbox has converged.
        const again = await push.run();
        expect(again.code, again.stderr).toBe(0);
        expect(await outboxStates(location)).toEqual(settled);
        expect(received(before, await spectrumHeld(box)).total).toBe(sent.total);
        const unsettled = settled.filter((row) => !actionable(row, settled));
        stats['records lost'] += unsettled.length;
        expect(unsettled, 'records neither confirmed nor in a state a person can act on').toEqual([]);
        // Every clean invoice of the sandbox's ground truth reached Spectrum.
        const clean = box.truth.writeback_preflight.filter((r) => r.record_type === 'invoice' && r.rules.length === 0).map((r) => `BO:${r.buildops_id}`);
        const missing = clean.filter((key) => !sent.invoices.has(key));
        stats['records lost'] += missing.length;
        expect(missing).toEqual([]);
        const credentials = [box.servers.spectrumSql.password, box.servers.dataExchange.authorizationId];
        for (const text of push.outputs) for (const secret of credentials) if (secret.length >= 4 && text.includes(secret)) stats['secrets leaked']++;
      } finally {
        outputs.push(...push.outputs);
        await box.close().catch(() => undefined);
      }
    }
  }, 600_000);

  it('two runs at once: the second waits, neither doubles a key', async () => {
    const location = await factory.newLocation();
    const [a, b] = await Promise.all([cli(runArgs(location)), cli(runArgs(location))]);
    stats.trials++;
    expect([a.code, b.code]).toEqual([0, 0]);
    const { lost, extra, differing } = compareMarts(baseline, await martSnapshot(location));
    stats['records lost'] += lost;
    stats.duplicates += extra;
    expect(differing).toEqual([]);
  }, 300_000);

  it('the sandbox fault modes at 30% (5xx, 429 Retry-After 0, dropped connections; SQL Server drops mid-response and 1205 deadlocks): the marts of a clean run', async () => {
    const rules: FaultRule[] = [];
    const actions = [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 429, retryAfter: 0 },
      { kind: 'status', status: 500 },
      { kind: 'drop', when: 'mid-response' },
    ] as const;
    for (const path of ['/v1/customers', '/v1/jobs', '/v1/invoices', '/v1/payments', '/v1/pay-applications', '/v1/timesheets', '/v1/vendors', '/v1/projects']) {
      // Every request is faulted with a probability of 30%, never twice in a row (retries are bounded).
      const nth: number[] = [];
      for (let i = 1; i <= 40; i++) if (Math.random() < 0.3 && !nth.includes(i - 1)) nth.push(i);
      rules.push({ path, nth, action: actions[nth.length % actions.length]! });
    }
    // The Spectrum SQL side (the sandbox TDS server): each table's queries faulted at 30%, never
    // twice in a row, alternating a connection dropped mid-response (after the first rows) and
    // SQL Server's 1205 deadlock victim, both transient: the extraction retries them.
    const sqlActions: FaultRule['action'][] = [
      { kind: 'drop', when: 'mid-response' },
      {
        kind: 'sql-error',
        number: 1205,
        message:
          'Transaction (Process ID 71) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.',
      },
    ];
    for (const [t, table] of SPECTRUM_TABLE_NAMES.entries()) {
      const nth: number[] = [];
      for (let i = 1; i <= 6; i++) if (Math.random() < 0.3 && !nth.includes(i - 1)) nth.push(i);
      rules.push({ target: 'spectrum-sql', sqlContains: table, nth, action: sqlActions[t % sqlActions.length]! });
    }
    const clean = await startSandboxServers(store, {});
    const faulty = await startSandboxServers(store, { faults: rules });
    const lines: string[] = [];
    const logger = createLogger({ format: 'json', write: (line) => lines.push(line), secrets: [] });
    const run = async (servers: typeof clean): Promise<Map<string, string[]>> => {
      const location = await factory.newLocation();
      const warehouse: Warehouse = await openWarehouse(location);
      try {
        const config = sandboxConfig(servers, truth, join(work, 'api-run'));
        config.sources.buildops.base_url = servers.buildops.url;
        const result = await runPipeline({
          warehouse,
          config,
          secrets: sandboxSecrets(servers),
          logger,
          asOf: truth.asOf,
          stages: ['extract', 'load', 'models'],
        });
        expect(result.loads.filter((l) => l.error)).toEqual([]);
      } finally {
        await warehouse.close();
      }
      return martSnapshot(location);
    };
    try {
      const expected = await run(clean);
      const actual = await run(faulty);
      const applied = faulty.faults.state();
      stats['faults injected'] += applied.reduce((sum, rule) => sum + rule.applied, 0);
      // The SQL faults did happen (a plan that never matched a query would prove nothing).
      expect(applied.filter((rule) => rule.target === 'spectrum-sql').reduce((sum, rule) => sum + rule.applied, 0)).toBeGreaterThan(0);
      stats.trials++;
      const { lost, extra, differing } = compareMarts(expected, actual);
      stats['records lost'] += lost;
      stats.duplicates += extra;
      expect(differing).toEqual([]);
      // The servers' own credentials were in use here: none may reach a log line.
      const credentials = [clean.buildops.clientSecret, clean.spectrumSql.password, faulty.buildops.clientSecret, faulty.spectrumSql.password];
      for (const line of lines) for (const secret of credentials) if (secret.length >= 4 && line.includes(secret)) stats['secrets leaked']++;
    } finally {
      await clean.close();
      await faulty.close();
    }
  }, 300_000);

  it('the bad-input corpus: every bad record is loaded exactly, loaded with a note, or quarantined — never lost, never altered silently', async () => {
    const bad = join(work, `bad-${factory.kind}`);
    await exportContractor(store, bad);
    const path = join(bad, 'buildops', 'invoices.json');
    const records = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
    const base = records[0]!;
    const variants: Record<string, unknown>[] = [
      { invoiceNumber: 'NUL\u0000INSIDE' },
      { invoiceNumber: 'x'.repeat(200_000) },
      { invoiceNumber: 'ctrl\u0001\u0007\u001b[31m' },
      { invoiceNumber: 'مرحبا 👷‍♀️ e\u0301' },
      { invoiceNumber: '=HYPERLINK("http://evil","x")' },
      { invoiceNumber: "'; drop table raw.buildops__invoices; --" },
      { invoiceNumber: '<script>alert(1)</script>' },
      { totalAmount: 'abc' },
      { totalAmount: 1e20 },
      { totalAmount: null },
      { issuedDate: '2026-02-30' },
      { TotalAmount: 999999.99, 'Invoice Number': 'OVERRIDE' },
      { unknownField: { nested: [1, 2] } },
      { id: null },
    ].map((change, i) => ({ ...base, id: `bad-${i}`, invoiceNumber: `BAD-${i}`, ...change }));
    stats['bad records tried'] += variants.length;
    writeFileSync(path, JSON.stringify([...records, ...variants]));
    const location = await factory.newLocation();
    const run = await cli([
      'run',
      '--files',
      bad,
      '--company',
      truth.companyCode,
      '--as-of',
      truth.asOf,
      '--warehouse',
      location,
      '--stages',
      'extract,load',
      '--json-logs',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const warehouse = await openWarehouse(location);
    try {
      const quarantined = await warehouse.query<{ record_key: string | null; reasons: string }>(
        `select record_key, reasons from meta.quarantine where resource = 'invoices'`,
      );
      const loaded = new Map(
        (
          await warehouse.query<{ id: string; invoice_number: string | null; total_amount: string | null }>(
            `select id, invoice_number, total_amount from raw.buildops__invoices where id like 'bad-%'`,
          )
        ).map((r) => [r.id, r]),
      );
      for (const variant of variants) {
        const id = variant.id as string | null;
        const notes = quarantined.filter((q) => q.record_key === id || (id === null && q.record_key === null));
        const row = id === null ? undefined : loaded.get(id);
        if (!row && notes.length === 0) stats['records lost']++;
        if (row && notes.length === 0) {
          const amount = typeof variant.totalAmount === 'number' ? variant.totalAmount.toFixed(2) : variant.totalAmount;
          if (row.invoice_number !== variant.invoiceNumber || (row.total_amount ?? null) !== (amount ?? null))
            stats['values altered without a quarantine note']++;
        }
      }
    } finally {
      await warehouse.close();
    }
    expect(stats['records lost']).toBe(0);
    expect(stats['values altered without a quarantine note']).toBe(0);
  }, 300_000);
});
