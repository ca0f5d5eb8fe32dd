/**
 * What the whole test run builds once and every test file shares (sandbox exports, loaded
 * warehouses). It lives in a folder the global setup makes for this run only: the code under
 * test changes between runs, so nothing is ever reused across runs. Test files run in several
 * worker processes at once; a lock file makes sure two of them never build the same entry.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inject } from 'vitest';

/** How the names of the run's Postgres template databases begin (then the run tag). */
export const TEMPLATE_PREFIX = 'plumbline_cache_';

const BUILD_TIMEOUT_MS = 15 * 60_000;
const POLL_MS = 100;

let fallbackDir: string | undefined;

/** This run's cache folder; a per-process one when the global setup did not provide it. */
export function runCacheDir(): string {
  const provided = safeInject('cacheDir');
  if (provided) return provided;
  fallbackDir ??= mkdtempSync(join(tmpdir(), 'plumbline-test-cache-'));
  return fallbackDir;
}

/** A short tag unique to this run (the same in every worker). */
export function runTag(): string {
  return safeInject('runTag') ?? `p${process.pid}`;
}

function safeInject<K extends 'cacheDir' | 'runTag'>(key: K): string | undefined {
  try {
    return inject(key) || undefined;
  } catch {
    return undefined; // not inside a vitest worker
  }
}

/** A short, stable hash of anything JSON can hold. */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

/** sha256 of every file under `dir` (relative paths and bytes), so a changed export never shares an entry. */
export function hashFolder(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        hash.update(`${relative(dir, path)}\u0000${statSync(path).size}\u0000`);
        hash.update(readFileSync(path));
      }
    }
  };
  walk(dir);
  return hash.digest('hex');
}

// Builds under way in this process, so one process does not wait on its own lock file.
const building = new Map<string, Promise<string>>();

/**
 * The cache entry `name`, built by `build(path)` the first time any worker asks for it.
 * `build` writes at `path` (a file, a folder, or nothing when the entry lives elsewhere);
 * an entry whose build failed is not kept, and the next caller builds it again.
 */
export function buildOnce(name: string, build: (path: string) => Promise<void>): Promise<string> {
  const path = join(runCacheDir(), name);
  let pending = building.get(path);
  if (!pending) {
    pending = buildUnderLock(path, build);
    building.set(path, pending);
    pending.catch(() => building.delete(path));
  }
  return pending;
}

async function buildUnderLock(path: string, build: (path: string) => Promise<void>): Promise<string> {
  mkdirSync(runCacheDir(), { recursive: true });
  const done = `${path}.done`;
  const lock = `${path}.lock`;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    if (existsSync(done)) return path;
    const fd = tryLock(lock);
    if (fd !== null) {
      try {
        if (existsSync(done)) return path; // finished between our check and the lock
        rmSync(path, { recursive: true, force: true }); // what a failed build left
        await build(path);
        writeFileSync(done, '');
        return path;
      } finally {
        closeSync(fd);
        unlinkSync(lock);
      }
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for another test worker to build ${path}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Takes the lock file (holding our pid), or returns null while a live process holds it. */
function tryLock(lock: string): number | null {
  try {
    const fd = openSync(lock, 'wx');
    writeFileSync(fd, String(process.pid));
    return fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A worker killed mid-build leaves its lock: take it over once its process is gone.
  let owner: number;
  try {
    owner = Number(readFileSync(lock, 'utf8'));
  } catch {
    return null; // released just now: try again on the next poll
  }
  if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) rmSync(lock, { force: true });
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
