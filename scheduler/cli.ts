/**
 * The `plumbline` command line. Exit codes: 0 success, 2 bad usage or config, 1 failure.
 * Human output on a terminal; one JSON line per event when not a terminal or with --json-logs.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { PlumblineError, UsageError, errorMessage } from '../lib/errors.ts';
import { isIsoDate } from '../lib/dates.ts';
import { openWarehouse } from '../load/open-warehouse.ts';
import type { Row, Warehouse } from '../load/types.ts';
import { discoverModels, orderModels } from '../transform/index.ts';
import type { ModelResult } from '../transform/index.ts';
import { runDemo } from './demo.ts';
import { createLogger } from '../lib/logger.ts';
import { initProject } from './init-project.ts';
import { postgresRolesSql } from './postgres-roles.ts';
import { addSandboxCommands, parseScale } from './sandbox-commands.ts';
import { formatCsv, formatJsonRow, formatTable } from './output.ts';
import { PACKAGE_MODELS_DIR } from './paths.ts';
import { parseStages, runPipeline, runReports } from './pipeline.ts';
import { configPath } from './config.ts';
import { createRunContext, maskRows, maskSecrets, PROGRESS_EVENTS, resolveAsOf } from './run-context.ts';
import type { GlobalOptions, RunContext } from './run-context.ts';

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

/** Builds the command tree; `out` receives results (stdout by default). */
export function buildProgram(out: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const program = new Command('plumbline')
    .description('One true line through BuildOps and Spectrum: extract, load, model, report, write back.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();

  withCommonOptions(
    program
      .command('run')
      .description('extract → load → models → reports → write-back, as of a date')
      .addOption(asOfOption())
      .option('--stages <list>', 'comma-separated stages to run (extract,load,models,reports,writeback)')
      .option('--files <dir>', 'read both systems from an export folder (contracts/files.md) instead of the configured sources')
      .option('--company <code>', 'the Spectrum company code to keep (overrides company.code)')
      .option('--full-refresh <list>', 'comma-separated resources (buildops.invoices) or sources (spectrum) to re-read from scratch')
      .option(
        '--allow-missing <list>',
        'comma-separated resources (spectrum.CR_OPEN_ITEM_MC) whose export file may be missing although the table holds rows: it is emptied',
      ),
  ).action(async (opts: GlobalOptions & { asOf?: string; stages?: string; files?: string; company?: string; fullRefresh?: string; allowMissing?: string }) => {
    const context = createRunContext(opts);
    const stages = parseStages(opts.stages);
    const asOf = resolveAsOf(opts.asOf, context.config);
    if (opts.company) context.config.company.code = opts.company;
    if (opts.files) {
      const dir = resolve(opts.files);
      if (!existsSync(dir)) throw new UsageError(`--files ${opts.files}: no such folder`);
      context.config.sources.buildops = { ...context.config.sources.buildops, kind: 'files', files_dir: dir };
      context.config.sources.spectrum = { ...context.config.sources.spectrum, kind: 'files', files_dir: dir };
    }
    await withWarehouse(context, {}, async (warehouse) => {
      // Whoever starts it (cron, a person, a scheduler), a run holds the warehouse lock throughout.
      const lock = await context.acquireRunLock(warehouse);
      try {
        await runCommand(warehouse);
      } finally {
        await lock.release();
      }
    });
    async function runCommand(warehouse: Warehouse): Promise<void> {
      const fullRefresh = opts.fullRefresh
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const allowMissing = opts.allowMissing
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const result = await runPipeline({
        warehouse,
        config: context.config,
        secrets: context.secrets,
        logger: context.logger,
        asOf,
        stages,
        fullRefresh,
        allowMissing,
      });
      if (result.loads.length > 0)
        out(
          formatTable(
            result.loads.map((l) => ({ resource: l.resource, rows: l.rows, quarantined: l.quarantined, seconds: l.seconds.toFixed(1), error: l.error ?? '' })),
          ) + '\n',
        );
      if (result.models.length > 0) out(formatModelResults(result.models) + '\n');
      if (result.reports.length > 0) out(formatReportPaths(result.reports));
      if (!result.ok) throw new PlumblineError(`Run ${result.runId} failed: see the results above`);
    }
  });

  withCommonOptions(
    program
      .command('models')
      .description('build the SQL models (staging and intermediate views, mart tables) and run their checks')
      .addOption(asOfOption())
      .option('--list', 'list the models in run order with their checks, without building'),
  ).action(async (opts: GlobalOptions & { asOf?: string; list?: boolean }) => {
    const context = createRunContext(opts);
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
      if (!result.ok) throw new PlumblineError('Some models failed or were skipped: see above');
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
      .option('--since <YYYY-MM-DD>', "the AR feed's window starts after this date (default: the previous feed's as-of date)"),
  ).action(async (opts: GlobalOptions & { asOf?: string; out?: string; company?: string; png?: boolean; pdf?: boolean; since?: string }) => {
    const context = createRunContext(opts);
    const asOf = resolveAsOf(opts.asOf, context.config);
    if (opts.since !== undefined && (!isIsoDate(opts.since) || opts.since >= asOf))
      throw new UsageError(`--since ${JSON.stringify(opts.since)}: use a date YYYY-MM-DD before the as-of date ${asOf}`);
    if (!/^[a-z]+:\/\//i.test(context.warehouseLocation) && !existsSync(context.warehouseLocation))
      throw new UsageError(
        `The warehouse ${context.warehouseLocation} does not exist yet: run plumbline run (or plumbline demo) first, or name it with --warehouse`,
      );
    if (opts.company) context.config.company.code = opts.company;
    // The reports write their history into meta, so this is a writer, but one that needs no file
    // but the warehouse: DuckDB runs it with external access off and its configuration locked.
    await withWarehouse(context, { sandboxed: true }, async (warehouse) => {
      const paths = await runReports(warehouse, context.config, asOf, context.logger, {
        outDir: opts.out ? resolve(opts.out) : undefined,
        png: opts.png === true,
        pdf: opts.pdf === true,
        since: opts.since,
      });
      out(formatReportPaths(paths));
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
    const context = createRunContext(opts);
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
        // Streamed as one JSON array, batch by batch: a large result is never held whole.
        let first = true;
        out('[');
        for await (const rows of warehouse.stream(query)) {
          for (const row of maskRows(rows)) {
            out(`${first ? '\n  ' : ',\n  '}${formatJsonRow(row)}`);
            first = false;
          }
        }
        out(first ? ']\n' : '\n]\n');
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
      out(
        `Wrote:\n${written.map((p) => `  ${p}`).join('\n')}\nNext: edit plumbline.yaml (sources, company code), set the secrets in the environment, then: plumbline run\n`,
      );
    });

  program
    .command('demo')
    .description('the whole pipeline against a simulated contractor, into ./plumbline-demo/ (no credentials, no server)')
    .option('--out <dir>', 'where the demo writes its warehouse and ground truth', './plumbline-demo')
    .option('--seed <n>', 'the sandbox seed', '1')
    .option('--scale <scale>', 'the sandbox size (tiny, small, medium, large)', 'small')
    .option('--json-logs', 'one JSON object per log line (the default when not on a terminal)')
    .action(async (opts: { out: string; seed: string; scale: string; jsonLogs?: boolean }) => {
      const json = opts.jsonLogs === true || !process.stderr.isTTY;
      const logger = createLogger({ format: json ? 'json' : 'human', progressEvents: PROGRESS_EVENTS });
      const result = await runDemo({ outDir: resolve(opts.out), seed: opts.seed, scale: parseScale(opts.scale), logger, out });
      if (!result.ok) throw new PlumblineError('The demo run failed: see the log above');
    });

  addSandboxCommands(program, out);
  return program;
}

async function withWarehouse(
  context: RunContext,
  options: { readOnly?: boolean; sandboxed?: boolean },
  work: (warehouse: Warehouse) => Promise<void>,
): Promise<void> {
  const location = context.warehouseLocation;
  const isFile = !/^[a-z]+:\/\//i.test(location);
  let warehouse: Warehouse;
  if (options.readOnly && isFile && !existsSync(location)) {
    context.logger.warn(
      'warehouse.missing',
      `The warehouse ${location} does not exist yet (run plumbline run or plumbline demo first); querying an empty in-memory database instead`,
    );
    warehouse = await openWarehouse(':memory:', { readOnly: true });
  } else {
    warehouse = await context.openWarehouse(options);
  }
  try {
    await work(warehouse);
  } finally {
    await warehouse.close();
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

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; any other parse problem is bad usage.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2;
    }
    const usage = error instanceof UsageError;
    process.stderr.write(maskSecrets(`${usage ? 'Usage error' : 'Error'}: ${errorMessage(error)}\n`));
    return usage ? 2 : 1;
  }
}
