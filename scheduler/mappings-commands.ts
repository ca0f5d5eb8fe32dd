/**
 * `plumbline mappings suggest` and `plumbline mappings check`: help to fill and fix the mapping
 * files from what a loaded warehouse already holds. Suggest writes starter files beside the
 * user's mappings, never over them; check lists what `marts.cost_code_drift` found (and the
 * departments without a cost center) in the form a person fixing the CSV files wants.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../lib/errors.ts';
import type { Row, Warehouse } from '../load/types.ts';
import { mappingsDir } from './config.ts';
import { formatCsv, formatTable } from './output.ts';
import { createRunContext } from './run-context.ts';
import type { GlobalOptions } from './run-context.ts';
import { suggestCostCenters, suggestCostCodes, suggestLaborRates, NOT_INFERRED } from './mappings-suggest.ts';
import type { SuggestedFile } from './mappings-suggest.ts';
import { isInMemory, requireExistingWarehouse } from './warehouse-location.ts';

/** The folder suggestions go to by default: `suggested/` inside the mappings folder. */
export function defaultSuggestDir(mappings: string): string {
  return join(mappings, 'suggested');
}

/** Writes the three suggested files into `outDir` (refusing the user's own mappings folder); returns their paths. */
export function writeSuggestions(files: readonly SuggestedFile[], outDir: string, mappings: string): string[] {
  if (resolve(outDir) === resolve(mappings))
    throw new UsageError(`--out ${outDir} is the mappings folder itself: suggestions are never written over your mapping files; name another folder`);
  mkdirSync(outDir, { recursive: true });
  return files.map((file) => {
    const path = join(outDir, file.name);
    writeFileSync(path, stringify(file.rows, { header: true, columns: [...file.columns] }));
    return path;
  });
}

/** The three suggested files from a loaded, modelled warehouse. */
export async function suggestMappings(warehouse: Warehouse, companyCode: string): Promise<SuggestedFile[]> {
  await requireModels(warehouse);
  return [await suggestCostCodes(warehouse, companyCode), await suggestCostCenters(warehouse, companyCode), await suggestLaborRates(warehouse, companyCode)];
}

/** One problem a person fixes in a mapping file (or in Spectrum). */
export interface MappingProblem extends Row {
  file: string;
  problem: string;
  code: string;
  mapped_to: string;
  jobs: number;
  findings: number;
  amount: string;
  example: string;
  fix: string;
}

const FINDINGS: Record<string, { problem: string; fix: string }> = {
  unmapped_item: { problem: 'item not mapped', fix: 'add a row item_code,phase_code,cost_type (plumbline mappings suggest proposes one)' },
  mapping_target_missing: {
    problem: 'mapped phase missing on jobs',
    fix: 'add the phase + cost type to those jobs in Spectrum, or map the item to one they have',
  },
  mapping_target_inactive: { problem: 'mapped phase inactive on jobs', fix: 'reactivate the phase in Spectrum, or map the item to an active one' },
  gl_cost_type_mismatch: { problem: "item's GL account allows another cost type", fix: "change the cost type here, or the item's expense account in BuildOps" },
  posted_cost_code_mismatch: {
    problem: 'Spectrum posted its lines to another phase',
    fix: 'correct the mapping if Spectrum is right, else correct the posted lines in Spectrum',
  },
};

/** The mapping problems: marts.cost_code_drift grouped per item and finding, and the departments without a cost center. */
export async function checkMappings(warehouse: Warehouse): Promise<MappingProblem[]> {
  const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
  if (!marts.has('cost_code_drift'))
    throw new UsageError('The warehouse has no marts.cost_code_drift yet: load both systems and build the models first (plumbline run)');
  // The mart's own rows, grouped: no rule is restated here.
  const drift = await warehouse.query<{
    finding_type: string;
    item_code: string;
    mapped: string | null;
    posted: string | null;
    gl_account: string | null;
    jobs: number;
    findings: number;
    amount: string | null;
    first_job: string | null;
    first_invoice: string | null;
  }>(
    `select finding_type, item_code,
            max(mapped_phase_code || '/' || mapped_cost_type) as mapped,
            case when finding_type in ('posted_cost_code_mismatch', 'gl_cost_type_mismatch') then coalesce(phase_code, '') || '/' || coalesce(cost_type, '') end as posted,
            max(gl_account) as gl_account,
            count(distinct job_number) as jobs, count(*) as findings, sum(amount) as amount,
            min(job_number) as first_job, min(invoice_number) as first_invoice
     from marts.cost_code_drift
     group by finding_type, item_code, case when finding_type in ('posted_cost_code_mismatch', 'gl_cost_type_mismatch') then coalesce(phase_code, '') || '/' || coalesce(cost_type, '') end
     order by item_code, finding_type`,
  );
  const problems: MappingProblem[] = drift.map((d) => {
    const known = FINDINGS[d.finding_type] ?? { problem: d.finding_type, fix: 'see marts.cost_code_drift' };
    const example =
      d.finding_type === 'gl_cost_type_mismatch'
        ? `account ${d.gl_account ?? '?'} allows cost type ${(d.posted ?? '').replace(/^\//, '')}`
        : d.finding_type === 'posted_cost_code_mismatch'
          ? `posted to ${d.posted}, first on invoice ${d.first_invoice ?? '?'}`
          : d.first_job
            ? `job ${d.first_job}, first on invoice ${d.first_invoice ?? '?'}`
            : '';
    return {
      file: 'cost_code_map.csv',
      problem: known.problem,
      code: d.item_code,
      mapped_to: d.mapped ?? '',
      jobs: Number(d.jobs),
      findings: Number(d.findings),
      amount: d.amount ?? '',
      example,
      fix: known.fix,
    };
  });
  const departments = await warehouse.query<{ department_name: string; invoices: number; amount: string }>(
    `select i.department_name, count(*) as invoices, sum(i.total_amount) as amount
     from staging.stg_buildops__invoices i
     where i.status <> 'Void' and i.department_name is not null
       and not exists (select 1 from staging.stg_mappings__department_cost_centers m where m.department_name = i.department_name)
     group by i.department_name
     order by i.department_name`,
  );
  for (const d of departments)
    problems.push({
      file: 'department_cost_centers.csv',
      problem: 'department without a cost center',
      code: d.department_name,
      mapped_to: '',
      jobs: 0,
      findings: Number(d.invoices),
      amount: d.amount,
      example: `${d.invoices} non-void invoice${Number(d.invoices) === 1 ? '' : 's'}`,
      fix: 'add a row department_name,cost_center (plumbline mappings suggest proposes one)',
    });
  return problems;
}

async function requireModels(warehouse: Warehouse): Promise<void> {
  const intermediate = new Set((await warehouse.listRelations('intermediate')).map((r) => r.name));
  if (!intermediate.has('int_invoices_matched'))
    throw new UsageError('The warehouse has no models yet: load both systems and build the models first (plumbline run)');
}

async function withReadWarehouse<T>(
  opts: GlobalOptions & { files?: string; company?: string },
  work: (warehouse: Warehouse, companyCode: string, mappings: string) => Promise<T>,
): Promise<T> {
  const context = createRunContext(opts);
  if (opts.company) context.config.company.code = opts.company;
  // As on `run --files`: the export folder's mappings/ are the user's mapping files.
  if (opts.files) context.config.mappings_dir ??= join(resolve(opts.files), 'mappings');
  requireExistingWarehouse(context.warehouseLocation);
  const warehouse = await context.openWarehouse({ readOnly: !isInMemory(context.warehouseLocation) });
  try {
    return await work(warehouse, context.config.company.code ?? '', mappingsDir(context.config));
  } finally {
    await warehouse.close();
  }
}

/** Adds the `mappings` command group (suggest, check) to the program. */
export function addMappingsCommands(program: Command, out: (text: string) => void): void {
  const mappings = program
    .command('mappings')
    .description('help to fill and fix the mapping files (cost_code_map.csv, department_cost_centers.csv, labor_rates.csv)');
  const common = (command: Command) =>
    command
      .option('--config <file>', 'config file (default: ./plumbline.yaml when present)')
      .option('--warehouse <location>', 'DuckDB file path or postgres:// URL (overrides the config)')
      .option('--json-logs', 'one JSON object per log line (the default when not on a terminal)')
      .option('-v, --verbose', 'debug logging')
      .option('--files <dir>', 'the export folder the warehouse was loaded from (its mappings/ are yours)')
      .option('--company <code>', 'the Spectrum company code (overrides company.code)');

  common(
    mappings
      .command('suggest')
      .description('propose starter mapping files from a loaded warehouse, each row with what to review (never over your own files)')
      .option('--out <dir>', 'where to write them (default: <mappings folder>/suggested/)'),
  ).action(async (opts: GlobalOptions & { out?: string; files?: string; company?: string }) => {
    await withReadWarehouse(opts, async (warehouse, companyCode, dir) => {
      const files = await suggestMappings(warehouse, companyCode);
      const paths = writeSuggestions(files, opts.out ? resolve(opts.out) : defaultSuggestDir(dir), dir);
      const lines = files.map((file, i) => {
        const open = file.rows.filter((r) => String(r.review).startsWith(NOT_INFERRED)).length;
        return `  ${paths[i]}: ${file.rows.length} rows, ${file.rows.length - open} inferred, ${open} to fill in by hand`;
      });
      out(
        `Suggested mapping files (review each row's review column, then copy the rows you accept into ${dir}):\n${lines.join('\n')}\n` +
          `Rows left blank would be quarantined: fill them in or delete them. Check the result with: plumbline mappings check (after the next run)\n`,
      );
    });
  });

  common(
    mappings
      .command('check')
      .description('list unmapped items, mappings to inactive or missing phases and departments without a cost center, with counts and amounts')
      .option('--csv', 'print CSV with a header row'),
  ).action(async (opts: GlobalOptions & { csv?: boolean; files?: string; company?: string }) => {
    await withReadWarehouse(opts, async (warehouse) => {
      const problems = await checkMappings(warehouse);
      if (opts.csv) {
        out(formatCsv(problems));
        return;
      }
      out(
        problems.length === 0 ? 'No mapping problems in the last run.\n' : `${formatTable(problems)}\n${problems.length} mapping problem(s) in the last run.\n`,
      );
    });
  });
}
