/**
 * The command line starts without the packages that are slow to load: they are loaded on use
 * (bin/plumbline.js says why), so `plumbline --help` and the commands that do not need them start fast.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PLUMBLINE_BIN } from '../support/cli.ts';

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'plumbline-startup-'));

/** Loaded on use: none of these may be loaded by a command that does not use them. */
const HEAVY = [
  '@duckdb/node-api',
  'kysely',
  'pg',
  'pg-copy-streams',
  'mssql',
  'tedious',
  'exceljs',
  'nodemailer',
  '@observablehq/plot',
  'linkedom',
  '@resvg/resvg-js',
];

/** The packages (by node_modules folder) whose modules `plumbline <args>` loads. */
async function packagesLoaded(args: string[]): Promise<Set<string>> {
  const log = join(work, `imports-${args.join('-')}.txt`);
  await exec(process.execPath, ['--import', resolve('test/support/record-imports.mjs'), PLUMBLINE_BIN, ...args], {
    cwd: work,
    env: { ...process.env, PLUMBLINE_IMPORT_LOG: log },
  });
  const urls = readFileSync(log, 'utf8').trim().split('\n');
  return new Set(urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
}

describe('plumbline startup', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('--help loads the command line, not the drivers, workbooks, mail, charts or sandbox', async () => {
    const loaded = await packagesLoaded(['--help']);
    // The recording sees the packages that the command line's TypeScript modules import (through tsx).
    expect(loaded).toContain('commander');
    expect(HEAVY.filter((name) => loaded.has(name))).toEqual([]);
  });
});
