/**
 * `plumbline check` against the sandbox's servers, over the real clients (fetch, mssql over TDS):
 * every row ok when all is well; a wrong password, a table whose SELECT is denied, a closed port
 * and a refused Data Exchange authorization each fail fast with the fix in the row; export folders
 * and the mapping files are checked as files. The CLI runs in this process (test/support/cli.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BUILDOPS_ENDPOINTS } from '../../extract/buildops/index.ts';
import { SPECTRUM_TABLE_NAMES } from '../../extract/spectrum/index.ts';
import { exportMappings, generateContractor, openStore } from '../../sandbox/index.ts';
import type { Store } from '../../sandbox/index.ts';
import { startSandboxServers } from '../../sandbox/servers/start.ts';
import type { SandboxServers } from '../../sandbox/servers/start.ts';
import { runCli } from '../support/cli.ts';
import { closedPort } from '../support/fail-fast.ts';
import { removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';

interface CheckRow {
  name: string;
  purpose: string;
  ok: boolean;
  seconds: number;
  detail?: string;
  error?: { kind: string; message: string; fix: string | null };
}

let store: Store;
let servers: SandboxServers;
let companyCode: string;
const work = mkdtempSync(join(tmpdir(), 'plumbline-check-'));

beforeAll(async () => {
  store = await openStore();
  companyCode = (await generateContractor(store, { seed: 4, scale: 'tiny' })).companyCode;
  servers = await startSandboxServers(store);
  await exportMappings(store, join(work, 'mappings'));
});
afterAll(async () => {
  await servers?.close();
  store?.close();
  removeSandboxExports();
  rmSync(work, { recursive: true, force: true });
});

/** A config reading the running sandbox; `ports` points a service elsewhere. */
function sandboxYaml(ports: { buildops?: string; sql?: number; dx?: string } = {}): Record<string, unknown> {
  return {
    company: { code: companyCode },
    mappings_dir: './mappings',
    sources: {
      buildops: { kind: 'api', base_url: ports.buildops ?? servers.buildops.url, tenant_id: servers.buildops.tenantId },
      spectrum: {
        kind: 'sql',
        server: servers.spectrumSql.host,
        port: ports.sql ?? servers.spectrumSql.port,
        database: servers.spectrumSql.database,
        encrypt: false,
        trust_server_certificate: true,
        data_exchange: { url: ports.dx ?? servers.dataExchange.url },
      },
    },
  };
}

const secrets = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  BUILDOPS_CLIENT_ID: servers.buildops.clientId,
  BUILDOPS_CLIENT_SECRET: servers.buildops.clientSecret,
  SPECTRUM_SQL_USER: servers.spectrumSql.user,
  SPECTRUM_SQL_PASSWORD: servers.spectrumSql.password,
  SPECTRUM_DX_AUTHORIZATION_ID: servers.dataExchange.authorizationId,
  ...overrides,
});

let configs = 0;
/** Runs `plumbline check --json` with this config and environment; returns the rows, the exit code, the output and the seconds it took. */
async function check(config: Record<string, unknown>, env: NodeJS.ProcessEnv, args: string[] = ['--json']) {
  const file = join(work, `plumbline-${++configs}.yaml`);
  writeFileSync(file, stringify(config));
  const started = performance.now();
  const run = await runCli(['check', '--config', file, ...args], { cwd: work, env });
  const seconds = (performance.now() - started) / 1000;
  const rows = args.includes('--json') ? (JSON.parse(run.stdout) as CheckRow[]) : [];
  const row = (name: string): CheckRow => {
    const found = rows.find((r) => r.name === name);
    expect(found, `a row named ${name}`).toBeDefined();
    return found!;
  };
  return { ...run, rows, row, seconds };
}

const failed = (rows: readonly CheckRow[]): string[] => rows.filter((r) => !r.ok).map((r) => r.name);

describe('plumbline check', () => {
  it('against the sandbox: one ok row per token, endpoint, login, table, Data Exchange and the mapping files; exit 0', async () => {
    const result = await check(sandboxYaml(), secrets());
    process.stderr.write(`[check] ${result.rows.length} checks against the sandbox in ${result.seconds.toFixed(2)} s\n`);
    expect(result.code).toBe(0);
    expect(failed(result.rows)).toEqual([]);
    expect(result.rows.map((r) => r.name)).toEqual([
      'buildops: token',
      ...BUILDOPS_ENDPOINTS.map((e) => `buildops: ${e}`),
      'spectrum: login',
      ...SPECTRUM_TABLE_NAMES.map((t) => `spectrum: ${t}`),
      'spectrum: data exchange',
      'mappings: files',
    ]);
    expect(result.row('buildops: invoices').detail).toBe('1 record on page 0');
    expect(result.row('spectrum: CR_OPEN_ITEM_MC')).toMatchObject({
      detail: 'readable',
      purpose: expect.stringMatching(/^one-row read \(open AR items, for ar_aging/),
    });
    expect(result.row('spectrum: data exchange').detail).toBe('authorization accepted');
    expect(result.row('mappings: files').detail).toMatch(/^4 of 4 file\(s\) readable$/);
    expect(result.seconds).toBeLessThan(30);

    const table = await check(sandboxYaml(), secrets(), []);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^spectrum: CR_OPEN_ITEM_MC\s+ok\s/m);
    expect(table.stdout).toContain(`All ${result.rows.length} checks passed.`);
  });

  it('a wrong SQL password: the login row fails fast with the fix, the tables are not tried, and the login was tried once', async () => {
    const refusedBefore = servers.stats.spectrumSql.failedLogins;
    const result = await check(sandboxYaml(), secrets({ SPECTRUM_SQL_PASSWORD: 'not-the-password' }));
    expect(result.code).toBe(1);
    expect(result.seconds).toBeLessThan(10);
    const login = result.row('spectrum: login');
    expect(login.ok).toBe(false);
    expect(login.error!.message).toMatch(/Spectrum SQL login failed for user '\*\*\*'/);
    expect(login.error!.fix).toMatch(/Check SPECTRUM_SQL_USER and SPECTRUM_SQL_PASSWORD/);
    const table = result.row('spectrum: CR_OPEN_ITEM_MC');
    expect(table.error).toMatchObject({ message: 'not tried: spectrum: login failed', fix: login.error!.fix });
    expect(failed(result.rows)).toEqual(['spectrum: login', ...SPECTRUM_TABLE_NAMES.map((t) => `spectrum: ${t}`)]);
    // One login for the whole check, never one per table: a wrong password must not lock the account.
    expect(servers.stats.spectrumSql.failedLogins - refusedBefore).toBe(1);
    expect(result.stdout + result.stderr).not.toContain('not-the-password');
  });

  it('a table whose SELECT is denied (error 229): that row alone fails fast, naming the table, what it holds, the marts that need it and the grant to ask for', async () => {
    servers.controls.denySelect(['CR_OPEN_ITEM_MC']);
    try {
      const result = await check(sandboxYaml(), secrets());
      expect(result.code).toBe(1);
      expect(result.seconds).toBeLessThan(10);
      expect(failed(result.rows)).toEqual(['spectrum: CR_OPEN_ITEM_MC']);
      const error = result.row('spectrum: CR_OPEN_ITEM_MC').error!;
      expect(error.message).toBe(
        "Reading Spectrum CR_OPEN_ITEM_MC (open AR items) failed: The SELECT permission was denied on the object 'CR_OPEN_ITEM_MC', database 'Spectrum', schema 'dbo'. (SQL Server error 229: the Info-Link user may not read CR_OPEN_ITEM_MC)",
      );
      expect(error.fix).toMatch(
        /^Ask the Spectrum administrator to grant SELECT on CR_OPEN_ITEM_MC to the Info-Link user '\*\*\*'\. It holds open AR items\. The marts that need it: ar_aging, /,
      );
      const table = await check(sandboxYaml(), secrets(), []);
      expect(table.stdout).toMatch(
        /^spectrum: CR_OPEN_ITEM_MC\s+FAILED\s.*SQL Server error 229.* — Ask the Spectrum administrator to grant SELECT on CR_OPEN_ITEM_MC/m,
      );
      expect(table.stderr).toContain('Error: 1 of 40 connection checks failed: spectrum: CR_OPEN_ITEM_MC');
    } finally {
      servers.controls.denySelect([]);
    }
  });

  it('closed ports: BuildOps, Spectrum SQL and Data Exchange each fail fast with the host and what to check', async () => {
    const port = await closedPort();
    const result = await check(sandboxYaml({ buildops: `http://127.0.0.1:${port}`, sql: port, dx: `http://127.0.0.1:${port}` }), secrets());
    process.stderr.write(`[check] every connection refused: ${failed(result.rows).length} rows failed in ${result.seconds.toFixed(2)} s\n`);
    expect(result.code).toBe(1);
    expect(result.seconds).toBeLessThan(10);
    const refused = `the host refused the connection (nothing listens on that port)`;
    expect(result.row('buildops: token').error).toMatchObject({
      message: `Cannot reach BuildOps at 127.0.0.1:${port}: ${refused}`,
      fix: expect.stringMatching(/^Check sources\.buildops\.base_url \(127\.0\.0\.1:\d+\): the host and port/),
    });
    expect(result.row('spectrum: login').error).toMatchObject({
      message: `Cannot reach Spectrum SQL Server at 127.0.0.1:${port}/Spectrum: ${refused}`,
      fix: expect.stringMatching(/^Check sources\.spectrum\.server and port/),
    });
    expect(result.row('spectrum: data exchange').error).toMatchObject({
      message: `Cannot reach Spectrum Data Exchange at 127.0.0.1:${port}: ${refused}`,
      fix: expect.stringMatching(/^Check sources\.spectrum\.data_exchange\.url \(127\.0\.0\.1:\d+\)/),
    });
    expect(result.row('buildops: jobs').error!.message).toBe('not tried: buildops: token failed');
    expect(result.row('mappings: files').ok).toBe(true);
  });

  it('a refused Data Exchange authorization and refused BuildOps credentials fail with their fixes', async () => {
    const result = await check(sandboxYaml(), secrets({ SPECTRUM_DX_AUTHORIZATION_ID: 'WRONG-ID', BUILDOPS_CLIENT_SECRET: 'wrong-secret' }));
    expect(result.code).toBe(1);
    expect(result.seconds).toBeLessThan(10);
    expect(result.row('spectrum: data exchange').error).toMatchObject({
      message: 'Spectrum Data Exchange refused the authorization: Not authorized: invalid Authorization_ID',
      fix: expect.stringContaining('Check SPECTRUM_DX_AUTHORIZATION_ID'),
    });
    expect(result.row('buildops: token').error!.fix).toContain('Check BUILDOPS_CLIENT_ID / BUILDOPS_CLIENT_SECRET');
    expect(result.row('spectrum: CR_OPEN_ITEM_MC').ok).toBe(true);
  });

  it('a secret that is not set gives one failed row naming it; no source configured fails too', async () => {
    const env = secrets();
    delete env.SPECTRUM_SQL_PASSWORD;
    const missing = await check(sandboxYaml(), { ...env, SPECTRUM_SQL_PASSWORD: '' });
    expect(missing.code).toBe(1);
    expect(missing.row('spectrum: settings').error!.message).toMatch(/^SPECTRUM_SQL_PASSWORD is not set; it is needed to read Spectrum over SQL/);
    expect(missing.rows.some((r) => r.name === 'spectrum: login')).toBe(false);

    const nothing = await check({ mappings_dir: './mappings' }, {});
    expect(nothing.code).toBe(1);
    expect(nothing.row('sources').error!.message).toMatch(/^No source is configured/);
  });

  it('export folders: the files are read; a file the manifest lists but that is missing, or a folder where a file should be, fails', async () => {
    const { dir } = await sandboxExport(4, 'tiny');
    const files = {
      mappings_dir: join(dir, 'mappings'),
      sources: { buildops: { kind: 'files', files_dir: dir }, spectrum: { kind: 'files', files_dir: dir } },
    };
    const good = await check(files, {});
    expect(good.code).toBe(0);
    expect(good.rows.map((r) => r.name)).toEqual(['buildops: files', 'spectrum: files', 'mappings: files']);
    expect(good.row('spectrum: files').detail).toBe(`${SPECTRUM_TABLE_NAMES.length} of ${SPECTRUM_TABLE_NAMES.length} file(s) readable`);

    // A file an export's manifest lists must be there; one it does not list is only noted (no such records on a first load).
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ files: { 'spectrum/CR_OPEN_ITEM_MC.csv': { rows: 5 } } }));
    rmSync(join(dir, 'spectrum', 'CR_OPEN_ITEM_MC.csv'));
    rmSync(join(dir, 'spectrum', 'VN_COMPLIANCE_MC.csv'));
    rmSync(join(dir, 'mappings', 'labor_rates.csv'));
    rmSync(join(dir, 'buildops', 'invoices.json'));
    mkdirSync(join(dir, 'buildops', 'invoices.json'));
    const broken = await check(files, {});
    expect(broken.code).toBe(1);
    expect(failed(broken.rows)).toEqual(['buildops: files', 'spectrum: files']);
    expect(broken.row('buildops: files').error!.message).toContain('invoices.json: not a file');
    expect(broken.row('spectrum: files').error!.message).toBe(
      `${join(dir, 'spectrum')}: CR_OPEN_ITEM_MC.csv is missing but manifest.json lists it with 5 record(s)`,
    );
    expect(broken.row('mappings: files').detail).toBe('3 of 4 file(s) readable; not there: labor_rates.csv (an empty mapping)');

    const gone = await check({ ...files, sources: { ...files.sources, spectrum: { kind: 'files', files_dir: join(dir, 'nowhere') } } }, {});
    expect(gone.row('spectrum: files').error).toMatchObject({ message: `${join(dir, 'nowhere', 'spectrum')} does not exist or is not a folder` });
  });

  it('plumbline init ends by telling the user to run plumbline check', async () => {
    const dir = join(work, 'init');
    const result = await runCli(['init', dir], { cwd: work });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Next: .*test every connection with: plumbline check/);
  });
});
