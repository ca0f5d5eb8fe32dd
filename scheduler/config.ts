/**
 * The configuration file (YAML), validated with zod. An error names the key, the value found
 * and what is allowed. Secrets never live here: see secrets.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';
import { UsageError } from '../lib/errors.ts';
import { DEFAULT_WAREHOUSE } from '../load/open-warehouse.ts';

export const DEFAULT_CONFIG_FILE = 'plumbline.yaml';

const timeZone = z.string().refine(isTimeZone, { message: 'not a time zone name (e.g. America/Chicago)' });

const buildopsSource = z.strictObject({
  kind: z.enum(['api', 'files', 'none']).default('none'),
  base_url: z.url().default('https://public-api.live.buildops.com'),
  tenant_id: z.string().optional(),
  page_size: z.number().int().min(1).max(100).default(100),
  max_in_flight: z.number().int().min(1).max(10).default(4),
  lag_minutes: z.number().int().min(0).default(10),
  files_dir: z.string().optional(),
  /** The encoding of the export files (a WHATWG label such as windows-1252); default UTF-8. */
  encoding: z.string().optional(),
});

const spectrumSource = z.strictObject({
  kind: z.enum(['sql', 'files', 'none']).default('none'),
  server: z.string().optional(),
  port: z.number().int().min(1).max(65535).default(1433),
  database: z.string().default('Spectrum'),
  encrypt: z.boolean().default(true),
  trust_server_certificate: z.boolean().default(false),
  lookback_days: z.number().int().min(0).default(45),
  /** Per-table query overrides: the settings tables have installation-specific names. */
  queries: z.record(z.string(), z.string()).default({}),
  files_dir: z.string().optional(),
  /** The encoding of the export files (a WHATWG label such as windows-1252); default UTF-8. */
  encoding: z.string().optional(),
  /** Spectrum Data Exchange, where write-back sends (company, time zone and TLS are shared with the SQL settings). */
  data_exchange: z
    .strictObject({
      url: z.url().optional(),
      /** Batch_Code of the imported invoices: {yy} {mm} {dd} are the push date (at most 10 characters). */
      batch_code: z.string().min(1).max(16).default('BO{yy}{mm}{dd}'),
      /** GL_Date of an invoice: its invoice date, or the as-of date of the push. */
      gl_date: z.enum(['invoice_date', 'as_of']).default('invoice_date'),
      timeout_seconds: z.number().int().min(1).default(60),
    })
    .default({ batch_code: 'BO{yy}{mm}{dd}', gl_date: 'invoice_date', timeout_seconds: 60 }),
});

const writebackSection = z.strictObject({
  /** The run's writeback stage pushes only when this is true (plumbline push is always explicit). */
  enabled: z.boolean().default(false),
  /** A record sent but not found in Spectrum after this many days is failed ("never appeared"). */
  confirm_within_days: z.number().int().min(1).default(7),
  /** Service tickets go one Spectrum invoice each, or one summary invoice per marts.service_ticket_batches batch. */
  service_tickets: z.enum(['individual', 'daily_summary']).default('individual'),
});

const lockSection = z.strictObject({
  wait_seconds: z.number().min(0).default(300),
  /** A DuckDB lock note whose heartbeat is older than this is left by a run that is gone, and is taken over. */
  stale_seconds: z.number().min(5).default(120),
});

const scheduleSection = z.strictObject({
  /** A cron expression (5 fields, or 6 with seconds first), read in company.time_zone. */
  cron: z
    .string()
    .refine((text) => isCronExpression(text), {
      message: "not a cron expression: five fields 'minute hour day month weekday' (e.g. '0 2 * * *', 02:00 every day), or six with seconds first",
    })
    .default('0 2 * * *'),
  /** Run once as soon as `plumbline schedule` starts, before the first tick. */
  run_on_start: z.boolean().default(false),
});

const recipients = z.array(z.email()).default([]);

/** Notices after each run (notify/): by email and/or a signed webhook. */
const noticesSection = z.strictObject({
  /** Failures always notify; a run that succeeded notifies only when this is true. */
  on_success: z.boolean().default(false),
  email: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      /** The SMTP login (its password is PLUMBLINE_SMTP_PASSWORD); unset = no login. */
      user: z.string().min(1).optional(),
      from: z.string().min(1),
      to: z.strictObject({ finance: recipients, ap: recipients, operations: recipients }).default({ finance: [], ap: [], operations: [] }),
    })
    .optional(),
  webhook: z
    .strictObject({
      url: z.url(),
      timeout_seconds: z.number().int().min(1).max(120).default(10),
    })
    .optional(),
});

/** The CFO insight marts' settings (models/marts/README.md, "CFO insights"). */
const insightsSettings = z.strictObject({
  /** Months of history the insights look back over, ending on the as-of date. */
  window_months: z.number().int().min(1).max(60).default(12),
  /** Overhead as a fraction of burdened labor (0.35 = 35%); unset = no overhead is allocated. */
  overhead_rate: z.number().min(0).max(10).optional(),
  /** How far a phase's projected cost may pass its estimate before it is trending over (0.10 = 10%). */
  overrun_tolerance: z.number().min(0).max(10).default(0.1),
});

export const configSchema = z.strictObject({
  company: z
    .strictObject({
      code: z.string().min(1).max(3).optional(),
      /** The company's name as the reports title it (default: "company <code>"). */
      name: z.string().min(1).optional(),
      time_zone: timeZone.default('America/Chicago'),
    })
    .default({ time_zone: 'America/Chicago' }),
  warehouse: z.string().default(DEFAULT_WAREHOUSE),
  /** Where the mapping CSVs are; unset = `<export folder>/mappings` for a file export, else ./mappings. */
  mappings_dir: z.string().optional(),
  secrets_file: z.string().optional(),
  sources: z
    .strictObject({
      buildops: buildopsSource.default(buildopsSource.parse({})),
      spectrum: spectrumSource.default(spectrumSource.parse({})),
    })
    .default({ buildops: buildopsSource.parse({}), spectrum: spectrumSource.parse({}) }),
  models: z.strictObject({ extra_dirs: z.array(z.string()).default([]) }).default({ extra_dirs: [] }),
  /**
   * marts.close_status's thresholds: the volume check (a snapshot table that lost more than this share since its previous load is
   * flagged), the freshness of each source (hours since its last successful load, against the run's clock), and how many days
   * before the Spectrum AR window closes unsent approved invoices are flagged.
   */
  checks: z
    .strictObject({
      volume_drop_share: z.number().min(0).max(1).default(0.2),
      freshness_hours: z.number().int().positive().default(26),
      ar_window_warn_days: z.number().int().min(0).default(3),
    })
    .default({ volume_drop_share: 0.2, freshness_hours: 26, ar_window_warn_days: 3 }),
  /** Where `sql` and `report` read: a Postgres URL of a read-only role (plumbline init --postgres); default: the warehouse. */
  reader_warehouse: z.string().optional(),
  /** How long a run waits for another run (or a DuckDB writer) to release the warehouse before it gives up. */
  lock: lockSection.default(lockSection.parse({})),
  /** `plumbline schedule`: when the nightly run starts, in the company's time zone. */
  schedule: scheduleSection.default(scheduleSection.parse({})),
  reports: z.strictObject({ out_dir: z.string().default('./plumbline-reports') }).default({ out_dir: './plumbline-reports' }),
  writeback: writebackSection.default(writebackSection.parse({})),
  insights: insightsSettings.default(insightsSettings.parse({})),
  notices: noticesSection.default(noticesSection.parse({})),
});

export type PlumblineConfig = z.infer<typeof configSchema> & {
  /** The folder relative paths in the config are resolved from. */
  baseDir: string;
  /** The file it came from, or null for defaults. */
  file: string | null;
};

/**
 * Loads the config: the file named, else ./plumbline.yaml when present, else defaults.
 * A named file that does not exist is an error; a missing default file is not.
 */
export function loadConfig(file?: string): PlumblineConfig {
  const path = resolve(file ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (file) throw new UsageError(`Config file ${file} does not exist. Create one with: plumbline init`);
    return { ...configSchema.parse({}), baseDir: process.cwd(), file: null };
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new UsageError(`Config file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  return { ...validateConfig(raw, path), baseDir: dirname(path), file: path };
}

/** Validates a parsed config, or throws a UsageError listing every problem with key, value and what is allowed. */
export function validateConfig(raw: unknown, where = 'config'): z.infer<typeof configSchema> {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (key === '(top level)' ? k : `${key}.${k}`));
      return `  ${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''} (check the spelling; plumbline init writes every key with a comment)`;
    }
    const value = valueAt(raw, issue.path);
    return `  ${key} = ${JSON.stringify(value) ?? 'missing'}: ${issue.message}`;
  });
  throw new UsageError(`Invalid configuration in ${where}:\n${problems.join('\n')}`);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A path from the config, resolved against the config file's folder. */
export function configPath(config: PlumblineConfig, path: string): string {
  return resolve(config.baseDir, path);
}

/**
 * The folder of the mapping files: the config's `mappings_dir`; else, when a source reads a file
 * export, that export's `mappings/` (docs/export-folder.md); else `./mappings` beside the config.
 */
export function mappingsDir(config: PlumblineConfig): string {
  if (config.mappings_dir) return configPath(config, config.mappings_dir);
  const exportDir = config.sources.buildops.files_dir ?? config.sources.spectrum.files_dir;
  const fromExport = [config.sources.buildops, config.sources.spectrum].some((s) => s.kind === 'files') && exportDir;
  return configPath(config, fromExport ? resolve(configPath(config, exportDir), 'mappings') : './mappings');
}

/**
 * The Chromium binary that prints the CFO report to PDF, or null when none is installed: a
 * setting of the machine, looked up here with the rest of the configuration (the reports never
 * read the environment).
 */
export function findChromium(searchPath: string = process.env.PATH ?? ''): string | null {
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of searchPath.split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
      const path = join(dir, name);
      if (dir && existsSync(path)) return path;
    }
  }
  return null;
}
