/** `plumbline init`: a commented starter config and the mapping files, never overwriting. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../lib/errors.ts';

const STARTER_CONFIG = `# plumbline configuration. Every key is optional; the values shown are the defaults.
# Secrets never go here: set them in the environment, or in a file named by secrets_file.

company:
  # The Spectrum Company_Code this BuildOps tenant belongs to (varchar 3). Rows of other
  # companies are left out at extraction.
  code: "1"
  # The company's name in the reports' titles (default: "company <code>").
  # name: "Acme Mechanical"
  # Business dates (as-of, BuildOps epoch timestamps) are read in this time zone.
  time_zone: America/Chicago

# Where the warehouse lives: a DuckDB file (the default), or a shared Postgres database such as
# postgres://plumbline@db.example.com:5432/plumbline (password from PLUMBLINE_WAREHOUSE_PASSWORD).
warehouse: ./plumbline.duckdb

# The user-maintained mapping files: cost_code_map.csv, department_cost_centers.csv, labor_rates.csv,
# customer_requirements.csv (the insurance a customer requires of the subs on its jobs).
mappings_dir: ./mappings

# Optional KEY=VALUE file with secrets (the environment wins over it). Keep it out of git.
# secrets_file: ./plumbline.secrets

sources:
  buildops:
    # api: the BuildOps REST API (needs BUILDOPS_CLIENT_ID and BUILDOPS_CLIENT_SECRET);
    # files: a BuildOps export folder (files_dir/buildops/<endpoint>.json); none: skip.
    kind: none
    base_url: https://public-api.live.buildops.com
    # tenant_id: 00000000-0000-0000-0000-000000000000
    page_size: 100        # records per page (the API allows at most 100)
    max_in_flight: 4      # requests at once (public clients stay at or under 10)
    lag_minutes: 10       # re-read window before the stored cursor, for late-visible updates
    # files_dir: ./exports
  spectrum:
    # sql: Info-Link read-only SQL user (needs SPECTRUM_SQL_USER and SPECTRUM_SQL_PASSWORD);
    # files: a Spectrum export folder (files_dir/spectrum/<TABLE>.csv); none: skip.
    kind: none
    # server: spectrum.example.com
    port: 1433
    database: Spectrum
    encrypt: true
    trust_server_certificate: false
    lookback_days: 45     # transaction tables are re-read this far back and merged on their keys
    # Settings tables have installation-specific names: override the query behind any table.
    queries: {}
    #   SY_PROCESSING_DATES_MC: "select Company_Code, Module, ... from MY_PROCESSING_DATES"
    # files_dir: ./exports

models:
  # More folders of .sql models (staging/, intermediate/, marts/ inside each).
  extra_dirs: []

reports:
  out_dir: ./plumbline-reports

# The CFO insights (customer profitability, cost-code overruns, cash conversion, service
# conversion): how far back they look, the overhead allocated, and when a phase trends over.
insights:
  window_months: 12       # months ending on the as-of date
  # overhead_rate: 0.35   # overhead as a fraction of burdened labor; unset = no overhead allocated
  overrun_tolerance: 0.10 # a phase projected more than 10% over its estimate is trending over

checks:
  # marts.close_status flags a snapshot table (open items, masters) that lost more than this
  # share of its rows since its previous load: an export cut short looks exactly like that.
  volume_drop_share: 0.2
  # A source whose last successful load is older than this many hours at the start of a run
  # needs attention, and plumbline status exits 1 (a nightly load every 24 hours, with two
  # hours' grace).
  freshness_hours: 26
  # When the Spectrum AR processing window closes within this many days and approved BuildOps
  # invoices are still unsent, the close status says so.
  ar_window_warn_days: 3

# Where plumbline sql and plumbline report read, when it is not the warehouse itself: on
# Postgres, a URL of the read-only plumbline_reader role (see plumbline init --postgres).
# reader_warehouse: postgres://plumbline_reader@db.example.com:5432/plumbline

lock:
  # A run waits this long for another run (or another process writing the DuckDB file) to
  # finish, then stops and names it.
  wait_seconds: 300
  # DuckDB: a lock not renewed for this long was left by a run that died; the next run takes it over.
  stale_seconds: 120

# plumbline schedule: when the nightly run starts, in company.time_zone (docs/operations.md).
schedule:
  cron: "0 2 * * *"     # minute hour day month weekday: 02:00 every day
  run_on_start: false   # also run once as soon as plumbline schedule starts

# Notices when a run ends (see docs/notices.md): failures always, successes only with on_success.
# notices:
#   on_success: false
#   email:
#     host: smtp.example.com
#     port: 587
#     secure: false         # true = TLS from the start (port 465); false = STARTTLS when offered
#     user: plumbline@example.com   # its password: PLUMBLINE_SMTP_PASSWORD
#     from: plumbline@example.com
#     to:
#       finance: [cfo@example.com]       # the run's result, new findings, write-back, charts
#       ap: [ap@example.com]             # subcontractors newly blocked from AP release, rejected write-backs
#       operations: [ops@example.com]    # failures with their fixes, connection and lock problems
#   webhook:
#     url: https://hooks.example.com/plumbline   # signed with PLUMBLINE_WEBHOOK_SECRET when set
#     timeout_seconds: 10
`;

const MAPPING_FILES: Record<string, string> = {
  'cost_code_map.csv': 'item_code,phase_code,cost_type\n',
  'department_cost_centers.csv': 'department_name,cost_center\n',
  'labor_rates.csv': 'item_code,burdened_rate\n',
  'customer_requirements.csv': 'customer_code,compliance_type,minimum_amount\n',
};

/** What `plumbline init` tells the user to do next: fill in the config, test the connections, then run. */
export const INIT_NEXT_STEPS =
  'Next: edit plumbline.yaml (sources, company code) and set the secrets in the environment; then test every connection with: plumbline check ' +
  '(one row per connection, ok or what to fix); then: plumbline run (step by step: docs/connect.md)';

/** Writes the starter files into `dir`; returns the paths written. Refuses to overwrite unless `force`. */
export function initProject(dir: string, force = false): string[] {
  const files: [string, string][] = [
    [join(dir, 'plumbline.yaml'), STARTER_CONFIG],
    ...Object.entries(MAPPING_FILES).map(([name, text]): [string, string] => [join(dir, 'mappings', name), text]),
  ];
  const existing = files.filter(([path]) => existsSync(path)).map(([path]) => path);
  if (existing.length > 0 && !force) throw new UsageError(`Not overwriting ${existing.join(', ')} (use --force to replace them)`);
  mkdirSync(join(dir, 'mappings'), { recursive: true });
  for (const [path, text] of files) writeFileSync(path, text);
  return files.map(([path]) => path);
}
