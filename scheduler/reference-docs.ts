/**
 * The parts of docs/ that are generated from the code, so they cannot drift from it: the
 * configuration keys (from the zod schema), the BuildOps fields and Spectrum columns the
 * extractors read, the export-folder files, and the grants the Spectrum Info-Link user needs.
 * Each block sits in its doc between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`;
 * `npm run docs` rewrites them, and test/docs/docs.test.ts fails when a doc is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILDOPS_ENDPOINT_SPECS } from '../extract/buildops/endpoints.ts';
import type { EndpointSpec, FieldSpec } from '../extract/buildops/endpoints.ts';
import { MAPPING_FILES } from '../extract/mappings/index.ts';
import { SPECTRUM_TABLES } from '../extract/spectrum/tables.ts';
import type { SpectrumColumnKind, SpectrumTableDef } from '../extract/spectrum/tables.ts';
import { configSchema } from './config.ts';
import { PACKAGE_ROOT } from './paths.ts';

/** What each configuration key means, in a user's words. Every key of the schema must have one. */
export const CONFIG_KEY_DOCS: Record<string, string> = {
  company: 'The company this BuildOps tenant belongs to.',
  'company.name': 'The company’s name as the reports show it (title, workbook headers). Unset: "company <code>".',
  'company.code':
    'The Spectrum `Company_Code` (1–3 characters) of this BuildOps tenant. Rows of other companies are left out at extraction. Unset: the one company of a file export (several companies stop the run and list them).',
  'company.time_zone': "IANA time zone of the company's business dates: the default as-of date, and the calendar date of BuildOps timestamps.",
  warehouse:
    'Where the warehouse is: a DuckDB file path (relative to the config file), or a `postgres://user@host:port/db` URL (password from `PLUMBLINE_WAREHOUSE_PASSWORD`). `--warehouse` and `PLUMBLINE_WAREHOUSE` override it.',
  mappings_dir:
    'The folder of the mapping files (`cost_code_map.csv`, `department_cost_centers.csv`, `labor_rates.csv`). Unset: `<export folder>/mappings` when a source reads files, else `./mappings` beside the config.',
  secrets_file: 'A `KEY=VALUE` file with the secrets (see connect.md). The environment wins over it. Keep it out of version control.',
  sources: 'The two systems to read.',
  'sources.buildops': 'BuildOps: its REST API, an export folder, or nothing.',
  'sources.buildops.kind':
    '`api` (needs `BUILDOPS_CLIENT_ID`, `BUILDOPS_CLIENT_SECRET` and `tenant_id`), `files` (reads `files_dir/buildops/`), or `none` (skip BuildOps).',
  'sources.buildops.base_url': "The API's base URL (all paths under `/v1`).",
  'sources.buildops.tenant_id': 'Your BuildOps tenant id (a UUID), sent as the `tenantId` header. Not a secret.',
  'sources.buildops.page_size': 'Records per page (the API allows at most 100).',
  'sources.buildops.max_in_flight': 'Requests at once (public clients stay at or under 10).',
  'sources.buildops.lag_minutes': 'How far before the stored cursor each incremental read starts again, for records that became visible late.',
  'sources.buildops.files_dir': 'The export folder for `kind: files` (the folder holding `buildops/`).',
  'sources.spectrum': 'Spectrum: SQL Server through an Info-Link user, an export folder, or nothing.',
  'sources.spectrum.kind': '`sql` (needs `SPECTRUM_SQL_USER`, `SPECTRUM_SQL_PASSWORD` and `server`), `files` (reads `files_dir/spectrum/`), or `none`.',
  'sources.spectrum.server': 'The SQL Server host name of your Spectrum database (on-premises server, or the hosted endpoint Trimble gives you).',
  'sources.spectrum.port': 'The SQL Server port.',
  'sources.spectrum.database': 'The Spectrum database name.',
  'sources.spectrum.encrypt': 'Encrypt the connection with TLS. Keep it on; hosted Spectrum requires it.',
  'sources.spectrum.trust_server_certificate':
    'Accept a server certificate no trusted authority signed (a self-signed on-premises server). Leave it off for hosted Spectrum; turn it on only for a server you know, on a network you trust.',
  'sources.spectrum.lookback_days': 'Transaction tables are re-read this many days back on every run and merged on their keys (late postings, corrections).',
  'sources.spectrum.queries':
    'Per table, a query that replaces the default one, returning the same column names; for installations whose tables have other names, e.g. `SY_PROCESSING_DATES_MC: "select … from MY_PROCESSING_DATES"`. It may use `@c0`, `@c1`, … (the company codes) and, for transaction tables, `@from` (`YYYY-MM-DD`, the first day re-read).',
  'sources.spectrum.files_dir': 'The export folder for `kind: files` (the folder holding `spectrum/`).',
  models: 'The SQL models.',
  'models.extra_dirs': 'More folders of your own `.sql` models (with `staging/`, `intermediate/`, `marts/` inside), built with the product’s.',
  reports: 'The reports.',
  'sources.spectrum.data_exchange':
    'Spectrum Data Exchange, where write-back sends approved jobs, phases and invoices (company, time zone and TLS are those of the SQL settings). See docs/writeback-rules.md.',
  'sources.spectrum.data_exchange.url':
    'The Data Exchange endpoint of the installation, e.g. `https://spectrum.example.com:8482`. Unset: write-back cannot send.',
  'sources.spectrum.data_exchange.batch_code':
    'The `Batch_Code` of the invoices a push imports; `{yy}`, `{yyyy}`, `{mm}`, `{dd}` are the push date. At most 10 characters once filled. Default `BO{yy}{mm}{dd}`.',
  'sources.spectrum.data_exchange.gl_date': 'The `GL_Date` sent with an invoice: `invoice_date` (default) or `as_of`, the date of the run.',
  'sources.spectrum.data_exchange.timeout_seconds':
    'How long one Data Exchange request may take before it counts as lost (and the record is looked up in Spectrum before any retry). Default 60.',
  insights: 'The CFO insights (profitability, overruns, cash cycle, conversion): see docs/marts.md.',
  'insights.window_months': 'Months of history the insights look back over, ending on the as-of date (dates D with as-of − N months < D ≤ as-of). Default 12.',
  'insights.overhead_rate':
    'Overhead as a fraction of burdened labor (0.35 = 35%), allocated in `marts.customer_profitability`. Unset: no overhead is allocated, and net profit and margin are null.',
  'insights.overrun_tolerance':
    'How far a phase’s projected cost may pass its estimate before `marts.phase_budgets` says `trending_over` (0.10 = 10%, the default).',
  'sources.buildops.encoding':
    'The encoding of the BuildOps export files (a WHATWG label such as `windows-1252`). Default UTF-8; a file not valid in its encoding fails naming it.',
  'sources.spectrum.encoding':
    'The encoding of the Spectrum export files (a WHATWG label such as `windows-1252`). Default UTF-8; a file not valid in its encoding fails naming it.',
  checks: 'Thresholds of the checks in `marts.close_status`.',
  'checks.volume_drop_share':
    'A snapshot table (open items, masters) that lost more than this share of its rows since its previous load needs attention (0.2 = 20%, the default): an export cut short looks exactly like that.',
  'checks.freshness_hours':
    'A source (BuildOps, Spectrum) whose last successful load is older than this many hours when the run starts needs attention in `marts.close_status` (`freshness_buildops`, `freshness_spectrum`), and `plumbline status` (measured against now) says so and exits 1. Default 26: a nightly load with two hours’ grace.',
  'checks.ar_window_warn_days':
    'When the Spectrum AR processing window (`SY_PROCESSING_DATES_MC`, module AR) closes within this many days of the as-of date while approved BuildOps invoices are still unsent, `marts.close_status` row `ar_window_closing` needs attention. Default 3.',
  reader_warehouse:
    'Where `plumbline sql` and `plumbline report` read the marts when not through the warehouse itself: on Postgres, a URL of the read-only `plumbline_reader` role (`plumbline init --postgres` prints the SQL). `report` still writes its history (trend, first-seen dates, feed window) through the warehouse; `report --no-history` needs only the reader.',
  lock: 'The warehouse lock every run holds.',
  'lock.wait_seconds': 'How long a run waits for another run (or another process writing the DuckDB file) to finish before it stops and names it. Default 300.',
  'lock.stale_seconds':
    "DuckDB: a lock whose holder has not renewed its heartbeat for this long (or whose process is gone on this host) was left by a run that died, and the next run takes it over. Default 120. Postgres's lock ends with its holder's session and is never stale.",
  schedule: '`plumbline schedule`: when the nightly run starts (see docs/operations.md).',
  'schedule.cron':
    'A cron expression read in `company.time_zone`: five fields `minute hour day-of-month month day-of-week`, or six with seconds first. Default `0 2 * * *` (02:00 every day).',
  'schedule.run_on_start': 'Run once as soon as `plumbline schedule` starts, then on the cron expression. Default false.',
  writeback: 'Write-back into Spectrum (see docs/writeback-rules.md).',
  'writeback.enabled':
    'When true, `plumbline run` pushes between the models and the reports; default false (a run never pushes by surprise; `plumbline push` is explicit).',
  'writeback.confirm_within_days':
    'A record sent but still not found in Spectrum after this many days is failed ("sent but never appeared") and makes the close status blocking. Default 7.',
  'writeback.service_tickets':
    '`individual` (the default): each approved service ticket goes as its own Spectrum invoice. `daily_summary`: the tickets of each `marts.service_ticket_batches` batch (customer, day, cost center) go as one summary invoice, its lines summed per phase + cost type + GL account; the tickets stay in the warehouse and in the outbox, each pointing at its summary.',
  'reports.out_dir': 'Where `plumbline run` and `plumbline report` write the reports: `<out_dir>/<as-of>/`.',
  notices: 'What a run tells people when it ends, by email and by webhook (see docs/notices.md).',
  'notices.on_success':
    'A run that did not succeed always notifies finance and operations; a run that succeeded notifies them only when this is true. AP hears whenever a subcontractor is newly blocked or a write-back was rejected. Default false.',
  'notices.email': 'Email over SMTP. Unset: no email.',
  'notices.email.host': 'The SMTP server’s host name.',
  'notices.email.port': 'The SMTP port: 587 (STARTTLS, the default) or 465 (TLS from the start).',
  'notices.email.secure': '`true`: TLS from the first byte (usually port 465); `false` (default): STARTTLS when the server offers it (port 587).',
  'notices.email.user': 'The SMTP login; its password is `PLUMBLINE_SMTP_PASSWORD`. Unset: no login.',
  'notices.email.from': 'The sender address of the notices.',
  'notices.email.to': 'The recipients per kind (lists of addresses; a kind with none gets no email).',
  'notices.email.to.finance': 'Who gets the run’s result, the new findings by key, write-back and the CFO report’s headline charts.',
  'notices.email.to.ap': 'Who gets the subcontractors newly blocked from AP release and the write-backs Spectrum rejected.',
  'notices.email.to.operations': 'Who gets the run’s failures with each error and its fix, and connection or lock problems.',
  'notices.webhook':
    'A JSON POST of each notice, signed with `PLUMBLINE_WEBHOOK_SECRET` when it is set (`X-Plumbline-Signature: sha256=<hex HMAC-SHA256 of the body>`). Unset: no webhook.',
  'notices.webhook.url': 'Where the JSON is POSTed. Any 2xx answer counts as delivered.',
  'notices.webhook.timeout_seconds': 'How long one POST may take before it counts as not delivered (kept and sent again by the next run). Default 10.',
};

/** One key of the configuration schema: its dotted path, type, allowed values and default. */
export interface ConfigKey {
  key: string;
  type: string;
  defaultValue: unknown;
}

/** Every key of the configuration schema, depth first, in schema order. */
export function configKeys(): ConfigKey[] {
  const keys: ConfigKey[] = [];
  const walk = (schema: any, key: string, defaultValue: unknown): void => {
    const def = schema._zod.def;
    if (def.type === 'default') return walk(def.innerType, key, typeof def.defaultValue === 'function' ? def.defaultValue() : def.defaultValue);
    if (def.type === 'optional') return walk(def.innerType, key, defaultValue);
    if (key !== '') keys.push({ key, type: typeText(schema), defaultValue });
    if (def.type === 'object') for (const [name, child] of Object.entries(def.shape)) walk(child, key ? `${key}.${name}` : name, undefined);
  };
  walk(configSchema, '', undefined);
  return keys;
}

function typeText(schema: any): string {
  const def = schema._zod.def;
  const checks: any[] = (def.checks ?? []).map((c: any) => c._zod?.def ?? c);
  const bound = (name: string): unknown => checks.find((c) => c.check === name)?.value ?? checks.find((c) => c.check === name)?.maximum;
  switch (def.type) {
    case 'enum':
      return Object.keys(def.entries)
        .map((v) => `\`${v}\``)
        .join(' or ');
    case 'number': {
      const integer = checks.some((c) => c.format === 'safeint');
      const min = bound('greater_than');
      const max = bound('less_than');
      const range = min !== undefined && max !== undefined ? ` ${min}–${max}` : min !== undefined ? ` ≥ ${min}` : '';
      return `${integer ? 'integer' : 'number'}${range}`;
    }
    case 'string': {
      const max = bound('max_length');
      return def.format === 'url' ? 'URL' : max !== undefined ? `text (≤ ${max} characters)` : 'text';
    }
    case 'array':
      return 'list';
    case 'record':
      return 'table name → SQL query';
    default:
      return def.type === 'object' ? 'section' : String(def.type);
  }
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The configuration keys as a Markdown table (a key without a description is an error: add it to CONFIG_KEY_DOCS). */
export function configKeysMarkdown(): string {
  const rows = configKeys().map((k) => {
    const meaning = CONFIG_KEY_DOCS[k.key];
    if (!meaning) throw new Error(`Configuration key ${k.key} has no description in CONFIG_KEY_DOCS (scheduler/reference-docs.ts)`);
    const value = k.type === 'section' || k.defaultValue === undefined ? '' : `\`${JSON.stringify(k.defaultValue)}\``;
    return `| \`${k.key}\` | ${k.type} | ${value} | ${cell(meaning)} |`;
  });
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

const KIND_TEXT: Record<SpectrumColumnKind, string> = {
  code: 'code (trimmed)',
  text: 'text',
  money: 'amount',
  rate: 'rate',
  qty: 'quantity',
  int: 'whole number',
  date: 'date',
  timestamp: 'date and time (UTC)',
  date_text: 'date as text YYYYMMDD',
};

function readStrategy(def: SpectrumTableDef): string {
  if (def.strategy === 'snapshot') return 'whole table, every run';
  if (def.table === 'CR_INVOICE_DETAIL_MC') return 'lines of the invoices dated in the window (header `Invoice_Date`)';
  return `rows with \`${def.windowColumn}\` in the window (lookback_days)`;
}

/** Every Spectrum table and column the extractor reads, as a Markdown table. */
export function spectrumTablesMarkdown(): string {
  const rows = [...SPECTRUM_TABLES.values()].map(
    (def) => `| \`${def.table}\` | ${def.purpose} | ${readStrategy(def)} | ${def.columns.map((c) => `${c.source}`).join(', ')} |`,
  );
  return ['| table | what for | read | columns |', '|---|---|---|---|', ...rows].join('\n');
}

/** The column list of each Spectrum export file: name and how its values are read. */
export function spectrumFilesMarkdown(): string {
  return [...SPECTRUM_TABLES.values()]
    .map((def) => `- \`spectrum/${def.table}.csv\` — ${def.purpose}: ${def.columns.map((c) => `\`${c.source}\` (${KIND_TEXT[c.kind]})`).join(', ')}`)
    .join('\n');
}

/**
 * The grants the Info-Link user needs: SELECT on exactly the columns the default queries read,
 * per table (the invoice-line query also reads its headers' dates, which the header grant covers).
 */
export function spectrumGrants(user = 'plumbline_reader'): string[] {
  return [...SPECTRUM_TABLES.values()].map(
    (def) => `GRANT SELECT ON [dbo].[${def.table}] (${def.columns.map((c) => `[${c.source}]`).join(', ')}) TO [${user}];`,
  );
}

function fieldKind(field: FieldSpec): string {
  return field.kind === 'text' ? '' : ` (${field.kind})`;
}

function endpointFields(spec: EndpointSpec): string {
  const parts = [
    ...spec.fields.map((f) => `${f.source}${fieldKind(f)}${f.required ? ' **required**' : ''}`),
    ...spec.objects.map((o) => `${o.source} {${o.fields.map((f) => f.source).join(', ')}}`),
    ...spec.children.map(
      (c) =>
        `${c.source}[] {${c.fields.map((f) => f.source).join(', ')}${(c.children ?? []).map((g) => `, ${g.source}[] {${g.fields.map((f) => f.source).join(', ')}}`).join('')}}`,
    ),
  ];
  return parts.join(', ');
}

/** Every BuildOps endpoint and field the extractor reads, as a Markdown table. */
export function buildopsEndpointsMarkdown(): string {
  const rows = BUILDOPS_ENDPOINT_SPECS.map(
    (spec) =>
      `| \`${spec.endpoint}\` | \`raw.${spec.table}\`${spec.children.map((c) => `, \`raw.${c.table}\``).join('')}${spec.children
        .flatMap((c) => c.children ?? [])
        .map((g) => `, \`raw.${g.table}\``)
        .join('')} | ${endpointFields(spec)} |`,
  );
  return ['| endpoint (`GET /v1/…`, export file `buildops/….json`) | warehouse tables | fields read |', '|---|---|---|', ...rows].join('\n');
}

/** The mapping files and their columns. */
export function mappingFilesMarkdown(): string {
  return MAPPING_FILES.map((f) => `- \`mappings/${f.name}.csv\`: ${f.columns.map((c) => `\`${c.name}\``).join(', ')} — one row per \`${f.key}\``).join('\n');
}

/** Every generated block: the doc it lives in and its text. */
export function generatedBlocks(): { doc: string; name: string; text: string }[] {
  return [
    { doc: 'docs/configuration.md', name: 'config-keys', text: configKeysMarkdown() },
    { doc: 'docs/sources.md', name: 'buildops-endpoints', text: buildopsEndpointsMarkdown() },
    { doc: 'docs/sources.md', name: 'spectrum-tables', text: spectrumTablesMarkdown() },
    { doc: 'docs/sources.md', name: 'spectrum-grants', text: ['```sql', ...spectrumGrants(), '```'].join('\n') },
    { doc: 'docs/export-folder.md', name: 'spectrum-files', text: spectrumFilesMarkdown() },
    { doc: 'docs/export-folder.md', name: 'mapping-files', text: mappingFilesMarkdown() },
  ];
}

const BLOCK = (name: string): RegExp => new RegExp(`(<!-- BEGIN GENERATED: ${name} [^\\n]*-->)[\\s\\S]*?(<!-- END GENERATED: ${name} -->)`);

/** The doc's text with the block replaced; throws when the doc has no such block. */
export function withBlock(docText: string, name: string, text: string): string {
  if (!BLOCK(name).test(docText)) throw new Error(`No block ${name} (<!-- BEGIN GENERATED: ${name} … --> … <!-- END GENERATED: ${name} -->)`);
  return docText.replace(BLOCK(name), (_m, begin: string, end: string) => `${begin}\n${text}\n${end}`);
}

/** Rewrites every generated block in the docs of `root`; returns the docs that changed. */
export function writeGeneratedDocs(root = PACKAGE_ROOT): string[] {
  const changed = new Set<string>();
  for (const block of generatedBlocks()) {
    const path = join(root, block.doc);
    const before = readFileSync(path, 'utf8');
    const after = withBlock(before, block.name, block.text);
    if (after !== before) {
      writeFileSync(path, after);
      changed.add(block.doc);
    }
  }
  return [...changed];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const changed = writeGeneratedDocs();
  console.log(changed.length === 0 ? 'docs: every generated block is up to date' : `docs: rewrote ${changed.join(', ')}`);
}
