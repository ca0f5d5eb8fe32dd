/**
 * The edges a new user meets first, through the real command: a mistyped warehouse path, a
 * failing query in a script, a run into a new folder, the load table, stopping the sandbox,
 * and a fresh `npm ci`.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';

const exec = promisify(execFile);
const BIN = resolve('bin/plumbline.js');
const work = mkdtempSync(join(tmpdir(), 'plumbline-edges-'));

async function plumbline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: work });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  removeSandboxExports();
});

describe('clean edges', () => {
  it('sql, report and mappings on a warehouse that does not exist exit 2 naming the path; :memory: stays possible', async () => {
    const missing = join(work, 'typo', 'warehuose.duckdb');
    for (const args of [['sql', 'select 1'], ['report'], ['mappings', 'check'], ['mappings', 'suggest']]) {
      const result = await plumbline([...args, '--warehouse', missing]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(`The warehouse ${missing} does not exist`);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(existsSync(join(work, 'typo')), `${args.join(' ')} created nothing`).toBe(false);
    }
    const memory = await plumbline(['sql', '--warehouse', ':memory:', '--json', 'select 1 as one']);
    expect(memory.code).toBe(0);
    expect(JSON.parse(memory.stdout)).toEqual([{ one: 1 }]);
    expect(memory.stderr).not.toContain('does not exist');
  });

  it('sql --json prints nothing on stdout when the query fails, and valid JSON when it gives no rows', async () => {
    const failed = await plumbline(['sql', '--warehouse', ':memory:', '--json', 'select * from no_such_table']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('no_such_table');
    const empty = await plumbline(['sql', '--warehouse', ':memory:', '--json', 'select 1 as one where false']);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual([]);
  });

  it('run on a new path creates the warehouse and its folders; a folder that cannot be made exits 2 with the reason', async () => {
    const fresh = join(work, 'new', 'nested', 'plumbline.duckdb');
    const created = await plumbline(['run', '--warehouse', fresh, '--as-of', '2026-11-15']);
    // Nothing is configured here, so the run fails (exit 1, saying what is missing), but the warehouse is made.
    expect(created.code, created.stderr).toBe(1);
    expect(created.stderr).toContain('nothing ran');
    expect(existsSync(fresh)).toBe(true);
    const query = await plumbline(['sql', '--warehouse', fresh, '--csv', "select count(*) as n from information_schema.schemata where schema_name = 'meta'"]);
    expect(query.stdout).toBe('n\n1\n');

    writeFileSync(join(work, 'a-file'), 'not a folder');
    const blocked = join(work, 'a-file', 'plumbline.duckdb');
    const refused = await plumbline(['run', '--warehouse', blocked, '--as-of', '2026-11-15']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`Cannot create the warehouse folder ${join(work, 'a-file')}`);
  });

  it('the load table says records and child rows plainly; mappings suggest writes beside the mapping files', async () => {
    const { dir, truth } = await sandboxExport(1, 'tiny');
    const warehouse = join(work, 'loads.duckdb');
    const run = await plumbline(['run', '--files', dir, '--company', truth.companyCode, '--warehouse', warehouse, '--as-of', truth.asOf]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^step\s+rows\s+child rows\s+quarantined/m);
    const invoices = JSON.parse(readFileSync(join(dir, 'buildops', 'invoices.json'), 'utf8')) as { invoiceItems?: unknown[]; payments?: unknown[] }[];
    const items = invoices.reduce((n, i) => n + (i.invoiceItems?.length ?? 0), 0);
    const payments = invoices.reduce((n, i) => n + (i.payments?.length ?? 0), 0);
    expect(run.stdout).toMatch(new RegExp(`^buildops\\.invoices\\s+${invoices.length}\\s+with ${items} items, ${payments} payments\\s+0`, 'm'));
    // A table without nested lists has records only; a Spectrum window table's day bookkeeping is not a child.
    expect(run.stdout).toMatch(/^buildops\.products\s+\d+\s+0\s/m);
    expect(run.stdout).toMatch(/^spectrum\.JC_TRANSACTION_HISTORY_MC\s+\d+\s+0\s/m);

    // mappings suggest --files writes beside the export's mapping files, never over them.
    const mine = readFileSync(join(dir, 'mappings', 'cost_code_map.csv'), 'utf8');
    const refused = await plumbline(['mappings', 'suggest', '--files', dir, '--warehouse', warehouse, '--out', join(dir, 'mappings')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('never written over your mapping files');
    const suggest = await plumbline(['mappings', 'suggest', '--files', dir, '--warehouse', warehouse]);
    expect(suggest.code, suggest.stderr).toBe(0);
    expect(suggest.stdout).toContain(join(dir, 'mappings', 'suggested', 'cost_code_map.csv'));
    expect(readFileSync(join(dir, 'mappings', 'suggested', 'cost_code_map.csv'), 'utf8')).toMatch(/^item_code,phase_code,cost_type,/);
    expect(readFileSync(join(dir, 'mappings', 'cost_code_map.csv'), 'utf8')).toBe(mine);
  });

  describe('sandbox serve leaves no process behind', () => {
    async function startServe(command: string, args: string[]): Promise<{ child: ReturnType<typeof spawn>; serverPid: number; port: number }> {
      const child = spawn(command, args, { cwd: work });
      let stdout = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      const deadline = Date.now() + 30_000;
      while (!/kill \d+/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const serverPid = Number(/kill (\d+)/.exec(stdout)?.[1]);
      const port = Number(/BuildOps API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
      expect(serverPid).toBeGreaterThan(0);
      return { child, serverPid, port };
    }

    async function gone(pid: number, port: number): Promise<boolean> {
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const answered = await fetch(`http://127.0.0.1:${port}/v1/customers`).then(
        () => true,
        () => false,
      );
      return !alive(pid) && !answered;
    }

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`stops on ${signal}: exit 0, nothing listening`, async () => {
        const { child, serverPid, port } = await startServe(process.execPath, [BIN, 'sandbox', 'serve']);
        expect(serverPid).toBe(child.pid);
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        expect(await exited).toBe(0);
        expect(await gone(serverPid, port)).toBe(true);
      });
    }

    it('stops when the process that started it dies without passing the signal on (npx runs it under a shell)', async () => {
      // `; true` keeps sh from exec-ing node: sh stays the parent and, like npx's shell, does not forward SIGTERM.
      const { child, serverPid, port } = await startServe('sh', ['-c', `"${process.execPath}" "${BIN}" sandbox serve; true`]);
      expect(serverPid).not.toBe(child.pid);
      child.kill('SIGTERM');
      expect(await gone(serverPid, port)).toBe(true);
    });
  });

  it('npm ci prints no install-script warning of ours: every package with an install script is decided in allowScripts', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts?: Record<string, boolean> };
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => p.hasInstallScript && existsSync(path)) // platform packages of other systems are never installed here
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(withScripts).toContain('esbuild');
    for (const name of withScripts) expect(typeof pkg.allowScripts?.[name], name).toBe('boolean');
  });
});
