/**
 * The configured sources as extractable resources: BuildOps over its API or from files,
 * Spectrum over SQL or from files, and the user's mapping files. The only place that hands secrets to the extractors.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createMappingResources } from '../extract/mappings/index.ts';
import { createBuildOpsApiResources, createBuildOpsFileResources } from '../extract/buildops/index.ts';
import { createSpectrumFileResources, createSpectrumSqlResources, detectFileCompanies } from '../extract/spectrum/index.ts';
import type { Resource } from '../extract/types.ts';
import { UsageError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { PlumblineConfig } from './config.ts';
import { configPath, mappingsDir } from './config.ts';
import type { Secrets } from './secrets.ts';

/** BuildOps API endpoints loaded at once. */
const BUILDOPS_API_LANES = 2;

export interface ConfiguredSources {
  resources: Resource[];
  /** How many resources of a source load at once (the load stage's lanes). */
  lanes: Record<string, number>;
  /** Releases connections (the Spectrum SQL pool). */
  close(): Promise<void>;
}

/** Builds the resources of every source whose kind is not `none`. */
export async function configuredSources(config: PlumblineConfig, secrets: Secrets, logger: Logger): Promise<ConfiguredSources> {
  const resources: Resource[] = [];
  const lanes: Record<string, number> = {};
  const closers: (() => Promise<void>)[] = [];
  const timeZone = config.company.time_zone;
  const { buildops, spectrum } = config.sources;

  if (buildops.kind === 'api') {
    if (!buildops.tenant_id) throw new UsageError('sources.buildops.tenant_id is missing: the BuildOps API needs the tenant id (a uuid) sent with every call');
    resources.push(
      ...createBuildOpsApiResources({
        baseUrl: buildops.base_url,
        tenantId: buildops.tenant_id,
        clientId: secrets.require('BUILDOPS_CLIENT_ID', 'to call the BuildOps API'),
        clientSecret: secrets.require('BUILDOPS_CLIENT_SECRET', 'to call the BuildOps API'),
        pageSize: buildops.page_size,
        maxInFlight: buildops.max_in_flight,
        lagMinutes: buildops.lag_minutes,
        timeZone,
        logger,
      }),
    );
    // The endpoints are independent and the API serves several requests at once (the client
    // bounds them, max_in_flight): two endpoints load at once, one parsing while the other's pages arrive.
    lanes.buildops = BUILDOPS_API_LANES;
  } else if (buildops.kind === 'files') {
    resources.push(...createBuildOpsFileResources({ dir: filesDir(config, 'buildops', buildops.files_dir), timeZone, logger, encoding: buildops.encoding }));
  }

  if (spectrum.kind === 'sql') {
    if (!spectrum.server) throw new UsageError('sources.spectrum.server is missing: the Spectrum SQL Server host name');
    if (!config.company.code) throw new UsageError('company.code is missing: the Spectrum company to read (every query is filtered on it)');
    const sql = createSpectrumSqlResources({
      server: spectrum.server,
      port: spectrum.port,
      database: spectrum.database,
      user: secrets.require('SPECTRUM_SQL_USER', 'to read Spectrum over SQL'),
      password: secrets.require('SPECTRUM_SQL_PASSWORD', 'to read Spectrum over SQL'),
      encrypt: spectrum.encrypt,
      trustServerCertificate: spectrum.trust_server_certificate,
      companyCodes: [config.company.code],
      lookbackDays: spectrum.lookback_days,
      queries: spectrum.queries,
      logger,
    });
    resources.push(...sql.resources);
    closers.push(sql.close);
  } else if (spectrum.kind === 'files') {
    const dir = filesDir(config, 'spectrum', spectrum.files_dir);
    const company = config.company.code ?? (await onlyCompanyIn(dir));
    if (company) resources.push(...createSpectrumFileResources({ dir, companyCodes: [company], encoding: spectrum.encoding }));
  }

  // The mapping files load on every run, whatever the sources: the models join them to both.
  resources.push(...createMappingResources({ dir: mappingsDir(config) }));

  return { resources, lanes, close: async () => void (await Promise.all(closers.map((close) => close()))) };
}

function filesDir(config: PlumblineConfig, source: string, dir: string | undefined): string {
  if (!dir) throw new UsageError(`sources.${source}.files_dir is missing: the export folder holding ${source}/`);
  const resolved = configPath(config, dir);
  if (!existsSync(resolved)) throw new UsageError(`sources.${source}.files_dir ${dir}: no such folder`);
  return resolved;
}

/**
 * The one company in a Spectrum export when none is configured (docs/export-folder.md): several
 * companies and no choice stops the run before anything is loaded.
 */
async function onlyCompanyIn(dir: string): Promise<string | null> {
  if (!existsSync(join(dir, 'spectrum'))) return null;
  const companies = await detectFileCompanies(dir);
  if (companies.length <= 1) return companies[0] ?? null;
  throw new UsageError(
    `The Spectrum files in ${dir} hold several companies (${companies.join(', ')}); choose one with --company <code> (or company.code in the config)`,
  );
}

/** Points both sources at an export folder (`--files <dir>` of run and schedule); a missing folder is bad usage. */
export function useExportFolder(config: PlumblineConfig, dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`--files ${dir}: no such folder`);
  config.sources.buildops = { ...config.sources.buildops, kind: 'files', files_dir: dir };
  config.sources.spectrum = { ...config.sources.spectrum, kind: 'files', files_dir: dir };
}
