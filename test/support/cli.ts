/**
 * The plumbline command run two ways: in this process through the command builder (fast: no
 * cold start of Node and tsx), and as the real `bin/plumbline.js` process, which a few tests
 * keep to prove the exit codes and the demo end to end.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../scheduler/cli.ts';

const exec = promisify(execFile);
const BIN = resolve('bin/plumbline.js');

/** What a run of the command printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The working folder the command runs in. */
  cwd: string;
  /** Variables added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `plumbline <args>` in this process, in `cwd`, with stderr not a terminal (JSON logs), as
 * the spawned command would. Test files run in processes of their own, so changing the working
 * folder for the call is safe; it is restored after.
 */
export async function runCli(args: readonly string[], options: CliOptions): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const previous = process.cwd();
  process.chdir(options.cwd);
  try {
    const code = await main(['node', 'plumbline', ...args], {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      stderrIsTTY: false,
      env: { ...process.env, ...options.env },
    });
    return { code, stdout, stderr };
  } finally {
    process.chdir(previous);
  }
}

/** Runs the real `bin/plumbline.js` in a new process (the one kept per kind: exit codes, the demo). */
export async function spawnCli(args: readonly string[], options: CliOptions): Promise<CliRun> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The path of the real command, for a test that drives the process itself (signals). */
export const PLUMBLINE_BIN = BIN;
