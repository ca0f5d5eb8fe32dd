/**
 * The `plumbline` command line. Exit codes: 0 success, 2 bad usage or config, 1 failure, 130/143 a run
 * cancelled by SIGINT/SIGTERM.
 * Human output on a terminal; one JSON line per event when not a terminal or with --json-logs.
 */
import { existsSync } from 'node:fs';
import { openWarehouse } from '../load/open-warehouse.ts';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { PlumblineError, UsageError, errorWithFix } from '../lib/errors.ts';
import { isIsoDate } from '../lib/dates.ts';
import type { Row, Warehouse } from '../load/types.ts';
import { discoverModels, orderModels } from '../transform/index.ts';
import type { ModelResult } from '../transform/index.ts';
import { createLogger, withFields } from '../lib/logger.ts';
import { INIT_NEXT_STEPS, initProject } from './init-project.ts';
import { checkCommand } from './check/command.ts';
import { readStatus } from './status.ts';
import { formatStatus, formatStatusJson } from './status-output.ts';
import { postgresRolesSql } from './postgres-roles.ts';
import { addSandboxCommands, parseScale } from './sandbox-commands.ts';
import { addWritebackCommands } from './writeback-commands.ts';
import { addScheduleCommand } from './schedule-command.ts';
import { useExportFolder } from './sources.ts';
import { newLoadId } from '../load/sql-warehouse.ts';
import { addMappingsCommands } from './mappings-commands.ts';
import { formatCsv, formatJsonRow, formatTable } from './output.ts';
import { PACKAGE_MODELS_DIR } from './paths.ts';
import { parseStages, runPipeline, runReports } from './pipeline.ts';
import { withReportReader } from './report-reader.ts';
import type { PipelineResult } from './pipeline.ts';
import { formatStageResults } from './run-output.ts';
import { noticeSettings, notStartedInput } from './notice-settings.ts';
import { notifyRunNotStarted } from '../notify/not-started.ts';
import { SignalExit, cancelOnSignals, exitIfSignalled } from './signals.ts';
import { readBuildInfo, reportAsOf } from '../reports/build-info.ts';
import { configPath } from './config.ts';
import { createRunContext, maskRows, maskSecrets, processEnv, PROGRESS_EVENTS, resolveAsOf } from './run-context.ts';
import type { GlobalOptions, RunContext } from './run-context.ts';
import { duckDbFile, isInMemory, prepareWarehouseFolder, requireExistingWarehouse } from './warehouse-location.ts';

const TABLE_ROW_LIMIT = 1000;

/** Options every command that touches the warehouse accepts. */
function withCommonOptions(command: Command): Command {
  return command
    .option('--config <file>', 'config file (default: ./plumbline.yaml when present)')
    .option('--warehouse <location>', 'DuckDB file path or postgres:// URL (overrides the config)')
    .option('--json-logs', 'one JSON object per log line (the default when not on a terminal)')
    .option('-v, --verbose', 'debug logging');
}

function asOfOption(): Option {
  return new Option('--as-of <YYYY-MM-DD>', "the run's as-of date (default: today in the company's time zone)");
}

/** Where the CLI writes and what it reads of its process; a test passes its own to run the CLI in-process. */
export interface CliIo {
  /** Results: tables, rows, paths, help. */
  stdout(text: string): void;
  /** Logs and error messages. */
  stderr(text: string): void;
  /** Whether stderr is a terminal (readable log lines) or not (one JSON object per line). */
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

const writeToStderr = (text: string): void => void process.stderr.write(text);

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return { stdout: (t) => process.stdout.write(t), stderr: writeToStderr, stderrIsTTY: process.stderr.isTTY === true, env: processEnv() };
}

/** Where logs go: the process's stderr itself (a terminal then shows progress in place), or `io.stderr`. */
function logOutput(io: CliIo): { write?: (line: string) => void; isTTY: boolean } {
  return { write: io.stderr === writeToStderr ? undefined : (line) => io.stderr(`${line}\n`), isTTY: io.stderrIsTTY };
}

/** Builds the command tree; `out` receives results (stdout by default), `io` the rest. */
export function buildProgram(out: (text: string) => void = (t) => process.stdout.write(t), io: CliIo = { ...processIo(), stdout: out }): Command {
  const runContext = (opts: GlobalOptions): RunContext => createRunContext(opts, io.env, logOutput(io));
  const program = new Command('plumbline')
    .description('One true line through BuildOps and Spectrum: extract, load, model, report, write back.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: io.stderr });

  withCommonOptions(
    program
      .command('run')
      .description('load → models → write-back → reports → notices, as of a date; the run is stored in meta.runs')
      .addOption(asOfOption())
      .option('--stages <list>', 'comma-separated stages to run (load,models,writeback,reports,notify; extract is another name for load)')
      .option('--files <dir>', 'read both systems from an export folder (docs/export-folder.md) instead of the configured sources')
      .option('--company <code>', 'the Spectrum company code to keep (overrides company.code)')
      .option('--full-refresh <list>', 'comma-separated resources (buildops.invoices) or sources (spectrum) to re-read from scratch')
      .option(
        '--allow-missing <list>',
        'comma-separated resources (spectrum.CR_OPEN_ITEM_MC) whose export file may be missing although the table holds rows: it is emptied',
      ),
  ).action(async (opts: GlobalOptions & { asOf?: string; stages?: string; files?: string; company?: string; fullRefresh?: string; allowMissing?: string }) => {
    const context = runContext(opts);
    const stages = parseStages(opts.stages);
    const asOf = resolveAsOf(opts.asOf, context.config);
    if (opts.company) context.config.company.code = opts.company;
    if (opts.files) useExportFolder(context.config, resolve(opts.files));
    // Made here so the lock can name the run that holds it.
    const runId = newLoadId();
    let started = false;
    try {
      await withWarehouse(context, {}, async (warehouse) => {
        // Whoever starts it (cron, a person, a scheduler), a run holds the warehouse lock throughout.
        const lock = await context.acquireRunLock(warehouse, runId);
        started = true;
        try {
          await runCommand(warehouse);
        } finally {
          await lock.release();
        }
      });
    } catch (error) {
      // The warehouse could not be opened or its lock was held: no stage ran to tell anyone.
      if (!started) await notifyRunNotStarted(noticeSettings(context.config, context.secrets), notStartedInput(context, error, asOf, 'manual'));
      throw error;
    }
    async function runCommand(warehouse: Warehouse): Promise<void> {
      const fullRefresh = opts.fullRefresh
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const allowMissing = opts.allowMissing
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const cancellation = cancelOnSignals(withFields(context.logger, { run_id: runId }));
      try {
        const result = await runPipeline({
          warehouse,
          config: context.config,
          secrets: context.secrets,
          logger: context.logger,
          asOf,
          stages,
          fullRefresh,
          allowMissing,
          signal: cancellation.signal,
          runId,
        });
        // Under cron the results go to the same log file as the logs: masked the same way.
        out(maskSecrets(formatStageResults(result.stages)));
        exitIfSignalled(cancellation, `Run ${result.runId} was cancelled and stored as cancelled in meta.runs`);
        throwIfRunFailed(result);
      } finally {
        cancellation.dispose();
      }
    }
  });

  withCommonOptions(
    program
      .command('models')
      .description('build the SQL models (staging and intermediate views, mart tables) and run their checks')
      .addOption(asOfOption())
      .option('--list', 'list the models in run order with their checks, without building'),
  ).action(async (opts: GlobalOptions & { asOf?: string; list?: boolean }) => {
    const context = runContext(opts);
    if (opts.list) {
      const dirs = [PACKAGE_MODELS_DIR, ...context.config.models.extra_dirs.map((d) => configPath(context.config, d))];
      const models = orderModels(discoverModels(dirs));
      out(
        formatTable(
          models.map((m) => ({ model: m.name, materialized: m.materialized, grain: m.grain ?? '', checks: m.checks.map((c) => c.name).join('; ') })),
        ) + '\n',
      );
      return;
    }
    const asOf = resolveAsOf(opts.asOf, context.config);
    await withWarehouse(context, {}, async (warehouse) => {
      const result = await runPipeline({ warehouse, config: context.config, secrets: context.secrets, logger: context.logger, asOf, stages: ['models'] });
      out(formatModelResults(result.models) + '\n');
      if (!result.ok) throw new PlumblineError(`Run ${result.runId}: ${result.message ?? 'some models failed'}`);
    });
  });

  withCommonOptions(
    program
      .command('report')
      .description("write the reports of the warehouse's marts: the CFO report (HTML), the Excel workbooks and the AR feed")
      .addOption(asOfOption())
      .option('--out <dir>', 'folder to write into (default: <reports.out_dir>/<as-of>/ from the config)')
      .option('--company <code>', 'the Spectrum company code to report on (overrides company.code)')
      .option('--png', 'also write each chart as charts/<name>.png')
      .option('--pdf', 'also print the CFO report to PDF (needs Chromium installed)')
      .option('--since <YYYY-MM-DD>', "the AR feed's window starts after this date (default: the previous feed's as-of date)")
      .option('--reader <url>', 'read the marts through this location (a Postgres URL of the read-only plumbline_reader role; overrides reader_warehouse)')
      .option('--no-history', 'with a reader: do not open the warehouse to read and write the report history (no trend, first-seen dates or feed window)'),
  ).action(
    async (
      opts: GlobalOptions & { asOf?: string; out?: string; company?: string; png?: boolean; pdf?: boolean; since?: string; reader?: string; history?: boolean },
    ) => {
      const context = runContext(opts);
      if (opts.asOf !== undefined) resolveAsOf(opts.asOf, context.config);
      if (opts.company) context.config.company.code = opts.company;
      const reader = opts.reader ?? context.config.reader_warehouse;
      // The reports write their history into meta, so this is a writer, but one that needs no file
      // but the warehouse: DuckDB runs it with external access off and its configuration locked.
      // With a reader, the marts are read through it and the history goes through the writer.
      const withReportWarehouses = (work: (warehouse: Warehouse, history?: Warehouse | null) => Promise<void>): Promise<void> =>
        reader
          ? withReportReader(context, reader, opts.history === false, ({ marts, history }) => work(marts, history))
          : withWarehouse(context, { mustExist: true, sandboxed: true }, (warehouse) => work(warehouse));
      await withReportWarehouses(async (warehouse, history) => {
        // The report is of the date the marts were built for; another --as-of is refused (exit 2).
        const asOf = reportAsOf(await readBuildInfo(warehouse), opts.asOf, () => resolveAsOf(undefined, context.config));
        if (opts.since !== undefined && (!isIsoDate(opts.since) || opts.since >= asOf))
          throw new UsageError(`--since ${JSON.stringify(opts.since)}: use a date YYYY-MM-DD before the as-of date ${asOf}`);
        const paths = await runReports(warehouse, context.config, asOf, context.logger, {
          outDir: opts.out ? resolve(opts.out) : undefined,
          png: opts.png === true,
          pdf: opts.pdf === true,
          since: opts.since,
          history,
        });
        out(formatReportPaths(paths));
      });
    },
  );

  const notes = program.command('notes').description("the accountants' notes on the workbooks' exception sheets");
  withCommonOptions(
    notes
      .command('import')
      .description("read the owner, status and notes typed on a workbook's exception sheets into the warehouse (the next workbook carries them)")
      .argument('<workbook>', 'a reconciliation.xlsx someone wrote in'),
  ).action(async (workbook: string, opts: GlobalOptions) => {
    if (!existsSync(workbook)) throw new UsageError(`${workbook} does not exist: name a reconciliation.xlsx written by plumbline report`);
    const context = createRunContext(opts);
    await withWarehouse(context, {}, async (warehouse) => {
      const { importNotes } = await import('../reports/excel/notes.ts');
      const result = await importNotes(warehouse, resolve(workbook));
      if (result.sheets === 0)
        throw new UsageError(`${workbook} has no exception sheet with a "Finding key" column: is it a reconciliation.xlsx from plumbline report?`);
      out(`Imported ${result.notes} note(s) from ${result.sheets} sheet(s) of ${workbook}; the next workbook carries them.\n`);
    });
  });

  withCommonOptions(
    program
      .command('sql')
      .description('run a read-only query against the warehouse and print the rows')
      .argument('<query>', 'SQL, e.g. "select * from marts.ar_aging limit 10"')
      .option('--json', 'print a JSON array of row objects')
      .option('--csv', 'print CSV with a header row')
      .option('--reader <url>', 'read through this location instead (a Postgres URL of the read-only plumbline_reader role; overrides reader_warehouse)'),
  ).action(async (query: string, opts: GlobalOptions & { json?: boolean; csv?: boolean; reader?: string }) => {
    if (opts.json && opts.csv) throw new UsageError('Choose one of --json and --csv');
    const context = runContext(opts);
    const reader = opts.reader ?? context.config.reader_warehouse;
    const open = reader ? { ...context, warehouseLocation: reader, openWarehouse: () => openWarehouse(reader, { readOnly: true }) } : context;
    await withWarehouse(open, { readOnly: true }, async (warehouse) => {
      if (opts.csv) {
        let header = true;
        for await (const rows of warehouse.stream(query)) {
          const text = formatCsv(maskRows(rows));
          out(header ? text : text.slice(text.indexOf('\n') + 1));
          header = false;
        }
      } else if (opts.json) {
        await writeJsonRows(maskedBatches(warehouse.stream(query)), out);
      } else {
        const shown: Row[] = [];
        let total = 0;
        for await (const rows of warehouse.stream(query)) {
          total += rows.length;
          if (shown.length < TABLE_ROW_LIMIT) shown.push(...maskRows(rows.slice(0, TABLE_ROW_LIMIT - shown.length)));
        }
        out(formatTable(shown) + '\n');
        if (total > shown.length) out(`(showing the first ${shown.length} of ${total} rows; use --csv or --json for all)\n`);
      }
    });
  });

  withCommonOptions(
    program
      .command('status')
      .description('the last runs and their stages, each source’s freshness, open findings and what changed, the outbox; exit 1 unless all is well')
      .option('--json', 'print one JSON object (see docs/status-and-check.md)')
      .option('--runs <n>', 'how many runs to list', '5'),
  ).action(async (opts: GlobalOptions & { json?: boolean; runs: string }) => {
    const runs = Number(opts.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${JSON.stringify(opts.runs)}: use a whole number of runs, 1 or more`);
    const context = runContext(opts);
    // Status reads meta, which the plumbline_reader role cannot: it reads the warehouse itself, read-only.
    await withWarehouse(context, { readOnly: true }, async (warehouse) => {
      const report = await readStatus(warehouse, context.config, { runs, duckDbFile: duckDbFile(context.warehouseLocation) });
      out(maskSecrets(opts.json ? formatStatusJson(report) : formatStatus(report)));
      if (!report.healthy) throw new PlumblineError(`Not healthy: ${report.problems.join('; ')}`);
    });
  });

  withCommonOptions(
    program
      .command('check')
      .description(
        'test every configured connection (BuildOps, Spectrum SQL, Data Exchange, files, SMTP, webhook): one row per check, ok or the fix; exit 1 if any failed',
      )
      .option('--json', 'print a JSON array, one object per check'),
  ).action(async (opts: GlobalOptions & { json?: boolean }) => {
    await checkCommand(runContext(opts), { json: opts.json === true }, out);
  });

  program
    .command('init')
    .description('write a commented starter plumbline.yaml and the mapping CSVs')
    .argument('[dir]', 'folder to write into', '.')
    .option('--force', 'overwrite existing files')
    .option(
      '--postgres [database]',
      'print the SQL that creates the plumbline_writer and plumbline_reader roles on a Postgres warehouse (default database: plumbline), instead of writing files',
    )
    .action((dir: string, opts: { force?: boolean; postgres?: string | boolean }) => {
      if (opts.postgres !== undefined) {
        out(postgresRolesSql(typeof opts.postgres === 'string' ? opts.postgres : 'plumbline'));
        return;
      }
      const written = initProject(resolve(dir), opts.force === true);
      out(`Wrote:\n${written.map((p) => `  ${p}`).join('\n')}\n${INIT_NEXT_STEPS}\n`);
    });

  program
    .command('demo')
    .description('the whole pipeline against a simulated contractor, into ./plumbline-demo/ (no credentials, no server)')
    .option('--out <dir>', 'where the demo writes its warehouse and ground truth', './plumbline-demo')
    .option('--seed <n>', 'the sandbox seed', '1')
    .option('--scale <scale>', 'the sandbox size (tiny, small, medium, large)', 'small')
    .option('--json-logs', 'one JSON object per log line (the default when not on a terminal)')
    .action(async (opts: { out: string; seed: string; scale: string; jsonLogs?: boolean }) => {
      const log = logOutput(io);
      const json = opts.jsonLogs === true || !log.isTTY;
      const logger = createLogger({ format: json ? 'json' : 'human', progressEvents: PROGRESS_EVENTS, write: log.write });
      const cancellation = cancelOnSignals(logger);
      try {
        // Loaded on use (see bin/plumbline.js): the demo brings the whole sandbox.
        const { runDemo } = await import('./demo.ts');
        const result = await runDemo({ outDir: resolve(opts.out), seed: opts.seed, scale: parseScale(opts.scale), logger, out, signal: cancellation.signal });
        exitIfSignalled(cancellation, `The demo run ${result.runId} was cancelled`);
        if (!result.ok) throw new PlumblineError(`The demo run failed: ${result.message ?? 'see the log above'}`);
      } finally {
        cancellation.dispose();
      }
    });

  addSandboxCommands(program, out);
  addWritebackCommands(program, out, { withCommonOptions, withWarehouse });
  addScheduleCommand(program, { withCommonOptions, runContext });
  addMappingsCommands(program, out);
  return program;
}

async function withWarehouse(
  context: RunContext,
  options: { readOnly?: boolean; mustExist?: boolean; sandboxed?: boolean },
  work: (warehouse: Warehouse) => Promise<void>,
): Promise<void> {
  const location = context.warehouseLocation;
  // A read never invents an empty warehouse (a mistyped path would look like "no findings").
  if (options.readOnly || options.mustExist) requireExistingWarehouse(location);
  else prepareWarehouseFolder(location);
  const warehouse = await context.openWarehouse({ readOnly: options.readOnly === true && !isInMemory(location), sandboxed: options.sandboxed });
  try {
    await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** Fails the command when the run did not end ok: exit 2 when a stage met bad usage or configuration, else 1. */
function throwIfRunFailed(result: PipelineResult): void {
  if (result.ok) return;
  const usage = result.stages.flatMap((s) => s.errors).find((e) => e.kind === 'usage');
  if (usage) throw new UsageError(usage.message);
  throw new PlumblineError(`Run ${result.runId} ${result.status === 'partial' ? 'partly failed' : 'failed'}: ${result.message ?? 'see the results above'}`);
}

/** The batches of a query with every known secret masked in their values. */
async function* maskedBatches(batches: AsyncIterable<Row[]>): AsyncIterable<Row[]> {
  for await (const rows of batches) yield maskRows(rows);
}

/**
 * Streams rows as one JSON array, batch by batch (a large result is never held whole). Nothing
 * is printed until the query has given its first batch, so a query that fails prints nothing;
 * one that fails midway still closes the array (valid JSON, and the error exits 1).
 */
async function writeJsonRows(batches: AsyncIterable<readonly Row[]>, out: (text: string) => void): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  let next = await iterator.next();
  let first = true;
  out('[');
  try {
    for (; !next.done; next = await iterator.next()) {
      for (const row of next.value) {
        out(`${first ? '\n  ' : ',\n  '}${formatJsonRow(row)}`);
        first = false;
      }
    }
  } finally {
    out(first ? ']\n' : '\n]\n');
  }
}

function formatReportPaths(paths: readonly string[]): string {
  return `Reports written:\n${paths.map((p) => `  ${p}`).join('\n')}\n`;
}

function formatModelResults(results: readonly ModelResult[]): string {
  return formatTable(
    results.map((r) => ({
      model: r.name,
      status: r.status,
      materialized: r.materialized,
      rows: r.rows,
      seconds: r.seconds.toFixed(2),
      error: r.error ?? '',
    })),
  );
}

/** Runs the CLI with `argv` and returns the exit code (the caller exits with it); `io` defaults to the process's own. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io.stdout, io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; any other parse problem is bad usage.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2;
    }
    if (error instanceof SignalExit) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    const usage = error instanceof UsageError;
    io.stderr(maskSecrets(`${usage ? 'Usage error' : 'Error'}: ${errorWithFix(error)}\n`));
    return usage ? 2 : 1;
  }
}
