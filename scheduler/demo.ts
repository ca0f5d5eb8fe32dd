/**
 * `plumbline demo`: the whole pipeline against the simulated contractor, in one process —
 * generate the sandbox, serve its BuildOps API and Spectrum SQL on localhost, extract both
 * into a fresh DuckDB warehouse under the output folder, build the models, and say what was
 * found and where everything is.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import { openWarehouse } from '../load/open-warehouse.ts';
import { exportMappings } from '../sandbox/index.ts';
import type { GroundTruth, Scale } from '../sandbox/index.ts';
import type { Warehouse } from '../load/types.ts';
import { startSandboxServers } from '../sandbox/servers/start.ts';
import type { SandboxServers } from '../sandbox/servers/start.ts';
import { configSchema } from './config.ts';
import type { PlumblineConfig } from './config.ts';
import { formatTable } from './output.ts';
import { runPipeline } from './pipeline.ts';
import type { PipelineResult } from './pipeline.ts';
import { generateSandboxStore } from './sandbox-commands.ts';
import { loadSecrets } from './secrets.ts';
import type { SecretName, Secrets } from './secrets.ts';

export interface DemoOptions {
  outDir: string;
  seed: string;
  scale: Scale;
  logger: Logger;
  out: (text: string) => void;
}

/** Runs the demo; returns the pipeline's result. */
export async function runDemo(options: DemoOptions): Promise<PipelineResult> {
  const { outDir, logger, out } = options;
  mkdirSync(outDir, { recursive: true });
  const warehousePath = join(outDir, 'warehouse.duckdb');
  rmSync(warehousePath, { force: true }); // each demo starts from an empty warehouse
  rmSync(`${warehousePath}.wal`, { force: true });

  logger.info('demo.generate', `Generating the sandbox contractor (seed ${options.seed}, scale ${options.scale})`);
  const sandbox = await generateSandboxStore(options.seed, options.scale);
  const servers = await startSandboxServers(sandbox.store);
  const warehouse = await openWarehouse(warehousePath);
  try {
    writeFileSync(join(outDir, 'ground-truth.json'), JSON.stringify(sandbox.truth, null, 2));
    await exportMappings(sandbox.store, join(outDir, 'mappings')); // the contractor's mapping files, as a user keeps them
    const config = sandboxConfig(servers, sandbox.truth, outDir);
    const secrets = sandboxSecrets(servers);
    const result = await runPipeline({ warehouse, config, secrets, logger, asOf: sandbox.truth.asOf, stages: ['extract', 'load', 'models', 'reports'] });
    const aging = result.ok ? await agingTotals(warehouse) : null;
    out(summary(result, sandbox.truth, aging, warehousePath, outDir));
    return result;
  } finally {
    await warehouse.close();
    await servers.close();
    sandbox.dispose();
  }
}

/** A configuration reading the running sandbox: its services, its company, its time zone. */
export function sandboxConfig(servers: SandboxServers, truth: Pick<GroundTruth, 'companyCode' | 'timeZone'>, baseDir: string): PlumblineConfig {
  const parsed = configSchema.parse({
    company: { code: truth.companyCode, time_zone: truth.timeZone },
    sources: {
      buildops: { kind: 'api', base_url: servers.buildops.url, tenant_id: servers.buildops.tenantId },
      spectrum: {
        kind: 'sql',
        server: servers.spectrumSql.host,
        port: servers.spectrumSql.port,
        database: servers.spectrumSql.database,
        encrypt: false,
        trust_server_certificate: true,
      },
    },
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

function summary(result: PipelineResult, truth: GroundTruth, aging: Record<string, string> | null, warehousePath: string, outDir: string): string {
  const planted = truth.planted;
  const loaded = result.loads.map((l) => ({ resource: l.resource, rows: l.rows, quarantined: l.quarantined, error: l.error ?? '' }));
  const findings = Object.entries(planted)
    .filter(([key]) => !key.startsWith('plant.'))
    .map(([finding, cases]) => ({ finding, planted: cases }));
  const lines = [
    `plumbline demo — a simulated MEP contractor as of ${result.asOf}, both systems served on localhost`,
    '',
    'Extracted and loaded (BuildOps over its REST API, Spectrum over SQL Server/TDS):',
    formatTable(loaded),
    '',
    'What the sandbox planted for the reports to find (ground truth):',
    formatTable(findings),
    '',
    result.models.length > 0
      ? `Models: ${result.models.filter((m) => m.status === 'success').length} of ${result.models.length} built.`
      : 'Models: none built.',
    ...(aging ? ['', `AR aging net of retainage as of ${result.asOf} (marts.ar_aging_by_customer), against the ground truth:`, agingTable(aging, truth)] : []),
    '',
    'The other marts (payment-status drift, cost-code drift, double billing, retainage, compliance, batches, WIP, close status) arrive with the models issue.',
    `Run ${result.ok ? 'succeeded' : 'FAILED'} in ${result.seconds.toFixed(1)}s.`,
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
