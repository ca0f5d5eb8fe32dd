/** The `plumbline schedule` command: the nightly run in a long-running process (scheduler/schedule.ts). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SignalExit } from './signals.ts';
import { parseStages } from './pipeline.ts';
import type { GlobalOptions, RunContext } from './run-context.ts';
import { startScheduler } from './schedule.ts';
import { useExportFolder } from './sources.ts';

interface CommandHelpers {
  withCommonOptions(command: Command): Command;
  runContext(options: GlobalOptions): RunContext;
}

/** Adds `plumbline schedule` to the program. */
export function addScheduleCommand(program: Command, helpers: CommandHelpers): void {
  helpers
    .withCommonOptions(
      program
        .command('schedule')
        .description("run the pipeline on schedule.cron in the company's time zone, one run at a time, until SIGINT/SIGTERM (docs/operations.md)")
        .option('--stages <list>', 'comma-separated stages each run runs (default: all)')
        .option('--files <dir>', 'read both systems from an export folder (docs/export-folder.md) instead of the configured sources')
        .option('--company <code>', 'the Spectrum company code to keep (overrides company.code)')
        .option('--allow-missing <list>', 'comma-separated resources whose export file may be missing although the table holds rows'),
    )
    .action(async (opts: GlobalOptions & { stages?: string; files?: string; company?: string; allowMissing?: string }) => {
      const context = helpers.runContext(opts);
      const stages = parseStages(opts.stages);
      if (opts.company) context.config.company.code = opts.company;
      if (opts.files) useExportFolder(context.config, resolve(opts.files));
      const allowMissing = opts.allowMissing
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const scheduler = startScheduler({ context, stages, allowMissing, handleSignals: true });
      const code = await scheduler.done;
      if (code !== 0)
        throw new SignalExit(`The scheduler stopped: its run ${scheduler.ticks.at(-1)?.runId ?? ''} was cancelled and stored as cancelled in meta.runs`, code);
    });
}
