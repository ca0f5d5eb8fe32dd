/**
 * `plumbline sandbox serve` and `plumbline sandbox export`: the simulated contractor as
 * running services, or as an export folder with its ground truth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../lib/errors.ts';
// The sandbox itself (its generator, DuckDB store and servers) is loaded on use (see bin/plumbline.js).
import type { GroundTruth, Scale, Store } from '../sandbox/index.ts';
import { SCALE_NAMES } from '../sandbox/generate/scales.ts';

interface SandboxOptions {
  seed: string;
  scale: string;
}

/** A `--scale` value, or a usage error listing the scales. */
export function parseScale(text: string): Scale {
  if (!(SCALE_NAMES as readonly string[]).includes(text)) throw new UsageError(`--scale ${JSON.stringify(text)}: use one of ${SCALE_NAMES.join(', ')}`);
  return text as Scale;
}

function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a port (0 = any free port)`);
  return port;
}

/** Generates the contractor into a store: in memory for tiny and small, a temporary file beyond. */
export async function generateSandboxStore(seed: string, scale: Scale, asOf?: string): Promise<{ store: Store; truth: GroundTruth; dispose(): void }> {
  const { generateContractor, openStore } = await import('../sandbox/index.ts');
  const dir = scale === 'tiny' || scale === 'small' ? null : mkdtempSync(join(tmpdir(), 'plumbline-sandbox-'));
  const store = await openStore(dir ? join(dir, 'contractor.duckdb') : ':memory:');
  const truth = await generateContractor(store, { seed, scale, ...(asOf ? { asOf } : {}) });
  return {
    store,
    truth,
    dispose: () => {
      store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves on SIGINT, SIGTERM or SIGHUP, or when the process that started this one exits. The
 * last matters: `npx plumbline sandbox serve` runs us under a shell that does not pass a
 * SIGTERM on, so killing npx would otherwise leave the servers running as an orphan.
 */
function untilStopped(): Promise<void> {
  const parent = process.ppid;
  return new Promise<void>((resolveStop) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const watch = setInterval(() => {
      if (process.ppid !== parent) stop();
    }, 500);
    const stop = (): void => {
      clearInterval(watch);
      for (const signal of signals) process.off(signal, stop);
      resolveStop();
    };
    for (const signal of signals) process.on(signal, stop);
  });
}

/** Adds the `sandbox` command group to the program. */
export function addSandboxCommands(program: Command, out: (text: string) => void): void {
  const sandbox = program.command('sandbox').description('a simulated contractor: BuildOps and Spectrum with planted anomalies and their ground truth');
  const common = (command: Command) =>
    command
      .option('--seed <n>', 'random seed: the same seed gives the same contractor', '1')
      .option('--scale <scale>', `size: ${SCALE_NAMES.join(', ')}`, 'tiny');

  common(
    sandbox
      .command('serve')
      .description('serve the BuildOps API, Spectrum SQL (TDS) and Spectrum Data Exchange on localhost until stopped')
      .option('--buildops-port <port>', 'BuildOps API port (0 = any free port)', '0')
      .option('--sql-port <port>', 'Spectrum SQL Server (TDS) port', '0')
      .option('--dx-port <port>', 'Spectrum Data Exchange port', '0')
      .option('--faults <file>', 'a JSON fault plan (see sandbox/servers/README.md)')
      .option('--deny-select <tables>', 'comma-separated Spectrum tables the SQL login may not read (SQL Server error 229), as a missing grant'),
  ).action(async (opts: SandboxOptions & { buildopsPort: string; sqlPort: string; dxPort: string; faults?: string; denySelect?: string }) => {
    const scale = parseScale(opts.scale);
    const ports = {
      buildops: parsePort(opts.buildopsPort, '--buildops-port'),
      spectrumSql: parsePort(opts.sqlPort, '--sql-port'),
      dataExchange: parsePort(opts.dxPort, '--dx-port'),
    };
    const { parseFaultPlan } = await import('../sandbox/servers/faults.ts');
    const { startSandboxServers } = await import('../sandbox/servers/start.ts');
    const faults = opts.faults ? parseFaultPlan(JSON.parse(await readFile(resolve(opts.faults), 'utf8'))) : [];
    const generated = await generateSandboxStore(opts.seed, scale);
    const deniedTables = opts.denySelect
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const servers = await startSandboxServers(generated.store, { ports, faults, deniedTables });
    const { buildops, spectrumSql, dataExchange } = servers;
    const stopped = untilStopped(); // listening before the banner says "Press Ctrl+C"
    out(
      [
        `Sandbox contractor (seed ${opts.seed}, scale ${scale}) — the sandbox's credentials are fixed, public values:`,
        `  BuildOps API          ${buildops.url}   clientId=${buildops.clientId} clientSecret=${buildops.clientSecret} tenantId=${buildops.tenantId}`,
        `  Spectrum SQL (TDS)    ${spectrumSql.host}:${spectrumSql.port}   database=${spectrumSql.database} user=${spectrumSql.user} password=${spectrumSql.password} (no TLS)`,
        `  Data Exchange         ${dataExchange.url}   Authorization_ID=${dataExchange.authorizationId}`,
        `Press Ctrl+C to stop (or: kill ${process.pid}).`,
        '',
      ].join('\n'),
    );
    await stopped;
    await servers.close();
    generated.dispose();
  });

  common(
    sandbox
      .command('export')
      .description('write the contractor as an export folder (docs/export-folder.md) with ground-truth.json')
      .argument('<dir>', 'the folder to write'),
  ).action(async (dir: string, opts: SandboxOptions) => {
    const scale = parseScale(opts.scale);
    const { exportContractor } = await import('../sandbox/index.ts');
    const generated = await generateSandboxStore(opts.seed, scale);
    try {
      await exportContractor(generated.store, resolve(dir));
    } finally {
      generated.dispose();
    }
    out(`Wrote the sandbox contractor (seed ${opts.seed}, scale ${scale}) to ${resolve(dir)}: buildops/, spectrum/, mappings/, ground-truth.json\n`);
  });
}
