/**
 * `plumbline demo`: the whole pipeline against the simulated contractor, in one process —
 * generate the sandbox, serve its BuildOps API and Spectrum SQL on localhost, extract both
 * into a fresh DuckDB warehouse under the output folder, build the models, and say what was
 * found and where everything is.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import { messageWithFix } from '../lib/stage.ts';
import { openWarehouse } from '../load/open-warehouse.ts';
import { exportMappings } from '../sandbox/index.ts';
import type { GroundTruth, Scale } from '../sandbox/index.ts';
import type { Warehouse } from '../load/types.ts';
import { startSandboxServers } from '../sandbox/servers/start.ts';
import type { SandboxServers } from '../sandbox/servers/start.ts';
import { configSchema } from './config.ts';
import type { PlumblineConfig } from './config.ts';
import { formatTable } from './output.ts';
import { formatStageLine } from './run-output.ts';
import { runPipeline } from './pipeline.ts';
import { readOutbox } from '../writeback/outbox.ts';
import type { PipelineResult } from './pipeline.ts';
import { runPreviousClose } from './demo-previous.ts';
import { generateSandboxStore } from './sandbox-commands.ts';
import { loadSecrets } from './secrets.ts';
import type { SecretName, Secrets } from './secrets.ts';

export interface DemoOptions {
  outDir: string;
  seed: string;
  scale: Scale;
  logger: Logger;
  out: (text: string) => void;
  /** Cancels the run (SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

/** Runs the demo; returns the pipeline's result. */
export async function runDemo(options: DemoOptions): Promise<PipelineResult> {
  const { outDir, logger, out } = options;
  mkdirSync(outDir, { recursive: true });
  const warehousePath = join(outDir, 'warehouse.duckdb');
  rmSync(warehousePath, { force: true }); // each demo starts from an empty warehouse
  rmSync(`${warehousePath}.wal`, { force: true });

  logger.info('demo.generate', `Generating the sandbox contractor (seed ${options.seed}, scale ${options.scale})`);
  const warehouse = await openWarehouse(warehousePath);
  const sandbox = await generateSandboxStore(options.seed, options.scale);
  const servers = await startSandboxServers(sandbox.store);
  try {
    writeFileSync(join(outDir, 'ground-truth.json'), JSON.stringify(sandbox.truth, null, 2));
    await exportMappings(sandbox.store, join(outDir, 'mappings')); // the contractor's mapping files, as a user keeps them
    // The previous month end first, so the report below has a trend to show.
    await runPreviousClose({ warehouse, seed: options.seed, scale: options.scale, asOf: sandbox.truth.asOf, outDir, logger });
    const config = sandboxConfig(servers, sandbox.truth, outDir);
    const secrets = sandboxSecrets(servers);
    const result = await runPipeline({
      warehouse,
      config,
      secrets,
      logger,
      asOf: sandbox.truth.asOf,
      fullRefresh: ['buildops', 'spectrum'],
      stages: ['load', 'models', 'writeback', 'reports'],
      trigger: 'demo',
      signal: options.signal,
    });
    const aging = result.ok ? await agingTotals(warehouse) : null;
    const findings = result.ok ? await findingsAgainstTruth(warehouse, sandbox.truth) : null;
    const pushed = await outboxSummary(warehouse, sandbox.truth);
    out(summary(result, sandbox.truth, aging, findings, pushed, warehousePath, outDir));
    return result;
  } finally {
    await warehouse.close();
    await servers.close();
    sandbox.dispose();
  }
}

/** A configuration reading the running sandbox: its services, its company, its time zone. */
export function sandboxConfig(servers: SandboxServers, truth: Pick<GroundTruth, 'companyCode' | 'timeZone' | 'insights'>, baseDir: string): PlumblineConfig {
  const parsed = configSchema.parse({
    company: { code: truth.companyCode, time_zone: truth.timeZone },
    // the overhead rate the sandbox contractor allocates (its ground truth assumes it)
    ...(truth.insights ? { insights: { overhead_rate: Number(truth.insights.settings.overhead_rate) } } : {}),
    sources: {
      buildops: { kind: 'api', base_url: servers.buildops.url, tenant_id: servers.buildops.tenantId },
      spectrum: {
        kind: 'sql',
        server: servers.spectrumSql.host,
        port: servers.spectrumSql.port,
        database: servers.spectrumSql.database,
        encrypt: false,
        trust_server_certificate: true,
        data_exchange: { url: servers.dataExchange.url },
      },
    },
    // The demo pushes the sandbox's clean records into its Spectrum: the write-back is on.
    writeback: { enabled: true },
  });
  return { ...parsed, baseDir, file: null };
}

/** The sandbox's fixed, public credentials as the secrets a real run would take from the environment. */
export function sandboxSecrets(servers: SandboxServers, overrides: Partial<Record<SecretName, string>> = {}): Secrets {
  return loadSecrets({
    BUILDOPS_CLIENT_ID: servers.buildops.clientId,
    BUILDOPS_CLIENT_SECRET: servers.buildops.clientSecret,
    SPECTRUM_SQL_USER: servers.spectrumSql.user,
    SPECTRUM_SQL_PASSWORD: servers.spectrumSql.password,
    SPECTRUM_DX_AUTHORIZATION_ID: servers.dataExchange.authorizationId,
    ...overrides,
  });
}

const BUCKETS = [
  ['current', 'bucket_current'],
  ['1-30', 'bucket_1_30'],
  ['31-60', 'bucket_31_60'],
  ['61-90', 'bucket_61_90'],
  ['90+', 'bucket_90_plus'],
  ['retainage open', 'retainage_open'],
  ['open credits', 'open_credits'],
  ['open total', 'open_total'],
] as const;

/** Company-wide AR aging totals from the mart, or null when the mart is not there. */
async function agingTotals(warehouse: Warehouse): Promise<Record<string, string> | null> {
  const marts = await warehouse.listRelations('marts');
  if (!marts.some((r) => r.name === 'ar_aging_by_customer')) return null;
  const sums = BUCKETS.map(([, column]) => `sum(${column}) as ${column}`).join(', ');
  const [row] = await warehouse.query<Record<string, string>>(`select ${sums} from marts.ar_aging_by_customer`);
  return row ?? null;
}

/** The aging the warehouse found beside the one the sandbox planted, bucket by bucket. */
function agingTable(aging: Record<string, string>, truth: GroundTruth): string {
  const expected = truth.ar_aging.totals as unknown as Record<string, string>;
  const truthKey: Record<string, string> = { 'retainage open': 'retainage_open', 'open credits': 'open_credits', 'open total': 'open_total' };
  return formatTable(
    BUCKETS.map(([label, column]) => {
      const planted = expected[truthKey[label] ?? label] ?? '';
      return { bucket: label, found: aging[column] ?? '0.00', ground_truth: planted, matches: aging[column] === planted ? 'yes' : 'NO' };
    }),
  );
}

/** One finding type: how many the ground truth holds and how many the mart found. */
type FindingCount = {
  finding: string;
  ground_truth: number;
  found: number;
  matches: string;
};

/** Counts a mart's rows per key; a mart that is not there counts nothing. */
async function countBy(warehouse: Warehouse, built: ReadonlySet<string>, mart: string, keySql: string, where = 'true'): Promise<Map<string, number>> {
  if (!built.has(mart)) return new Map();
  const rows = await warehouse.query<{ k: string; n: number }>(`select ${keySql} as k, count(*) as n from marts.${mart} where ${where} group by ${keySql}`);
  return new Map(rows.map((r) => [String(r.k), Number(r.n)]));
}

function tally<T>(rows: readonly T[], key: (row: T) => readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) for (const k of key(row)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** Each mart's findings per type beside the sandbox's ground truth: what the demo proves. */
async function findingsAgainstTruth(warehouse: Warehouse, truth: GroundTruth): Promise<FindingCount[]> {
  const built = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
  const sections: [string, Map<string, number>, Map<string, number>][] = [
    [
      'invoice_status',
      tally(truth.invoice_status, (r) => [r.drift_type]),
      await countBy(warehouse, built, 'invoice_status', 'drift_type', 'drift_type is not null'),
    ],
    ['cost_code_drift', tally(truth.cost_code_drift, (r) => [r.finding_type]), await countBy(warehouse, built, 'cost_code_drift', 'finding_type')],
    ['billing_duplicates', tally(truth.billing_duplicates, (r) => [r.finding_type]), await countBy(warehouse, built, 'billing_duplicates', 'finding_type')],
    [
      'retainage_reconciliation',
      tally(truth.retainage_reconciliation, (r) => (r.status === 'mismatch' ? ['mismatch'] : [])),
      await countBy(warehouse, built, 'retainage_reconciliation', 'status', "status = 'mismatch'"),
    ],
    [
      'subcontractor_compliance',
      tally(truth.subcontractor_compliance, (r) => (r.is_compliant ? [] : ['not compliant'])),
      await countBy(warehouse, built, 'subcontractor_compliance', "'not compliant'", 'not is_compliant'),
    ],
    ['service_ticket_batches', tally(truth.service_ticket_batches, () => ['batches']), await countBy(warehouse, built, 'service_ticket_batches', "'batches'")],
    ['wip_schedule', tally(truth.wip_schedule, () => ['active jobs']), await countBy(warehouse, built, 'wip_schedule', "'active jobs'")],
  ];
  const rows: FindingCount[] = [];
  for (const [mart, expected, found] of sections) {
    for (const key of [...new Set([...expected.keys(), ...found.keys()])].sort()) {
      const groundTruth = expected.get(key) ?? 0;
      const n = found.get(key) ?? 0;
      rows.push({ finding: `${mart}.${key}`, ground_truth: groundTruth, found: n, matches: groundTruth === n ? 'yes' : 'NO' });
    }
  }
  return rows;
}

function summary(
  result: PipelineResult,
  truth: GroundTruth,
  aging: Record<string, string> | null,
  findings: FindingCount[] | null,
  writebackText: string,
  warehousePath: string,
  outDir: string,
): string {
  const loaded = result.loads.map((l) => ({
    resource: l.name,
    records: l.rows ?? 0,
    'child rows': l.note ?? '',
    quarantined: l.quarantined,
    error: l.error ? messageWithFix(l.error) : (l.reason ?? ''),
  }));
  const lines = [
    `plumbline demo — a simulated MEP contractor as of ${result.asOf}, both systems served on localhost`,
    '',
    "Extracted and loaded (BuildOps over its REST API, Spectrum over SQL Server/TDS). records: one per customer, invoice, Spectrum row; child rows: what nested lists became (an invoice's items and payments):",
    formatTable(loaded),
    '',
    result.models.length > 0
      ? `Models: ${result.models.filter((m) => m.status === 'success').length} of ${result.models.length} built.`
      : 'Models: none built.',
    ...(findings ? ['', 'What the marts found, beside what the sandbox planted (ground truth):', formatTable(findings)] : []),
    ...(aging ? ['', `AR aging net of retainage as of ${result.asOf} (marts.ar_aging_by_customer), against the ground truth:`, agingTable(aging, truth)] : []),
    ...(writebackText ? ['', writebackText] : []),
    '',
    'Stages:',
    ...result.stages.map((stage) => `  ${formatStageLine(stage)}`),
    `Run ${result.runId} ${result.ok ? 'succeeded' : `${result.status.toUpperCase()}: ${result.message}`} in ${result.seconds.toFixed(1)}s (stored in meta.runs).`,
    '',
    `Warehouse:     ${warehousePath}`,
    `Ground truth:  ${join(outDir, 'ground-truth.json')}`,
    `Look around:   npx plumbline sql --warehouse ${warehousePath} "select table_schema, table_name from information_schema.tables where table_schema = 'raw'"`,
    '',
    ...(result.reports.length > 0
      ? ['Reports (open the HTML in a browser):', ...result.reports.map((p) => `  ${p}`), '']
      : ['Reports: none written (the run did not get that far).', '']),
  ];
  return lines.join('\n');
}

/** The write-back the demo did: the outbox by state beside what the sandbox expects to be clean or blocked. */
async function outboxSummary(warehouse: Warehouse, truth: GroundTruth): Promise<string> {
  const rows = await readOutbox(warehouse);
  if (rows.length === 0) return '';
  const count = (state: string, type?: string): number => rows.filter((r) => r.state === state && (!type || r.record_type === type)).length;
  const expected = (clean: boolean, type: string): number =>
    truth.writeback_preflight.filter((r) => r.record_type === type && (r.rules.length === 0) === clean).length;
  const table = formatTable(
    (['job', 'phase', 'invoice'] as const).map((type) => ({
      record: type,
      sent: count('sent', type) + count('confirmed', type),
      'clean in the sandbox': expected(true, type),
      blocked: count('blocked', type),
      'planted blocked': expected(false, type),
      failed: count('failed', type),
    })),
  );
  return `Write-back into the sandbox's Spectrum, checked first, sent once, read back (plumbline outbox lists every record; plumbline push --dry-run shows each finding and its fix):\n${table}`;
}
