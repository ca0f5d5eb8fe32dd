/**
 * `plumbline check`: the connection checks of everything the config says a run talks to — the
 * BuildOps API or export files, Spectrum SQL or export files, Spectrum Data Exchange, the
 * mapping files (and the notice channels) — built from config and secrets. A source whose
 * settings are incomplete gives one failed row saying which setting, instead of its checks.
 */
import { noticeChecks } from '../../notify/checks.ts';
import { noticeSettings } from '../notice-settings.ts';
import { BUILDOPS_ENDPOINT_SPECS } from '../../extract/buildops/index.ts';
import { MAPPING_FILES } from '../../extract/mappings/index.ts';
import { SPECTRUM_TABLE_NAMES } from '../../extract/spectrum/index.ts';
import type { CheckOutcome, ConnectionCheck } from '../../lib/check.ts';
import { TerminalError } from '../../lib/errors.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import type { PlumblineConfig } from '../config.ts';
import { configPath, mappingsDir } from '../config.ts';
import type { Secrets } from '../secrets.ts';
import { buildOpsChecks } from './buildops.ts';
import { dataExchangeCheck } from './data-exchange.ts';
import { folderCheck } from './files.ts';
import { martsNeeding } from './marts-needing.ts';
import { asPlumblineError } from './run-checks.ts';
import { spectrumChecks } from './spectrum.ts';

/**
 * Fail fast: one quick retry at most, and no wait a check's own timeout could not cover (a run
 * uses the full policy of lib/retry.ts; a check only asks whether the connection works now).
 */
export const CHECK_RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 250, maxDelayMs: 500, quickRetryDelayMs: 250, maxRetryAfterMs: 2000, deadlineMs: 5000 };
/** The longest one request of a check may take. */
export const CHECK_REQUEST_TIMEOUT_MS = 5000;

/** The checks of a configuration, and what to close once they ran. */
export interface ConfiguredChecks {
  checks: ConnectionCheck[];
  close(): Promise<void>;
}

/** Every check the configuration calls for, in the order they are printed. */
export function configuredChecks(config: PlumblineConfig, secrets: Secrets): ConfiguredChecks {
  const checks: ConnectionCheck[] = [];
  const closers: (() => Promise<void>)[] = [];
  const martsFor = martsNeeding(config);
  const { buildops, spectrum } = config.sources;
  const guarded = (name: string, purpose: string, build: () => ConnectionCheck[]): void => {
    try {
      checks.push(...build());
    } catch (error) {
      // A setting or secret missing: what the run would refuse with, as the row's error.
      checks.push(failedRow(name, purpose, error));
    }
  };

  if (buildops.kind === 'api') {
    guarded('buildops: settings', 'sources.buildops and the BuildOps secrets', () => {
      if (!buildops.tenant_id) throw new TerminalError('sources.buildops.tenant_id is missing', { fix: 'Set it to your BuildOps tenant id (a uuid).' });
      return buildOpsChecks(
        {
          baseUrl: buildops.base_url,
          tenantId: buildops.tenant_id,
          clientId: secrets.require('BUILDOPS_CLIENT_ID', 'to call the BuildOps API'),
          clientSecret: secrets.require('BUILDOPS_CLIENT_SECRET', 'to call the BuildOps API'),
          requestTimeoutMs: CHECK_REQUEST_TIMEOUT_MS,
          retry: CHECK_RETRY,
        },
        martsFor,
      );
    });
  } else if (buildops.kind === 'files') {
    guarded('buildops: files', 'the BuildOps export folder', () => [
      folderCheck({
        name: 'buildops: files',
        purpose: 'the BuildOps export files (one <endpoint>.json each)',
        ...exportFolder(config, 'buildops', buildops.files_dir),
        files: BUILDOPS_ENDPOINT_SPECS.map((s) => `${s.endpoint}.json`),
        missingMeans: 'no such records on a first load',
      }),
    ]);
  }

  if (spectrum.kind === 'sql') {
    guarded('spectrum: settings', 'sources.spectrum and the Spectrum secrets', () => {
      if (!spectrum.server)
        throw new TerminalError('sources.spectrum.server is missing', { fix: 'Set it to the SQL Server host name of your Spectrum database.' });
      if (!config.company.code)
        throw new TerminalError('company.code is missing', { fix: 'Set it to the Spectrum company to read (every query is filtered on it).' });
      const sql = spectrumChecks(
        {
          server: spectrum.server,
          port: spectrum.port,
          database: spectrum.database,
          user: secrets.require('SPECTRUM_SQL_USER', 'to read Spectrum over SQL'),
          password: secrets.require('SPECTRUM_SQL_PASSWORD', 'to read Spectrum over SQL'),
          encrypt: spectrum.encrypt,
          trustServerCertificate: spectrum.trust_server_certificate,
          requestTimeoutMs: CHECK_REQUEST_TIMEOUT_MS,
          connectTimeoutMs: CHECK_REQUEST_TIMEOUT_MS,
          retry: CHECK_RETRY,
        },
        config.company.code,
        spectrum.queries,
        martsFor,
      );
      closers.push(sql.close);
      return sql.checks;
    });
  } else if (spectrum.kind === 'files') {
    guarded('spectrum: files', 'the Spectrum export folder', () => [
      folderCheck({
        name: 'spectrum: files',
        purpose: 'the Spectrum export files (one <TABLE>.csv each)',
        ...exportFolder(config, 'spectrum', spectrum.files_dir),
        files: SPECTRUM_TABLE_NAMES.map((t) => `${t}.csv`),
        missingMeans: 'no such records on a first load',
      }),
    ]);
  }

  if (spectrum.data_exchange.url) {
    const url = spectrum.data_exchange.url;
    guarded('spectrum: data exchange', 'the Data Exchange settings', () => {
      if (!config.company.code) throw new TerminalError('company.code is missing', { fix: 'Set it to the Spectrum company write-back sends to.' });
      return [
        dataExchangeCheck({
          url,
          companyCode: config.company.code,
          authorizationId: secrets.require('SPECTRUM_DX_AUTHORIZATION_ID', 'to send to Spectrum Data Exchange'),
          timeoutMs: CHECK_REQUEST_TIMEOUT_MS,
        }),
      ];
    });
  }

  if (buildops.kind === 'none' && spectrum.kind === 'none') {
    checks.push(
      failedRow(
        'sources',
        'what a run reads',
        new TerminalError('No source is configured: sources.buildops.kind and sources.spectrum.kind are both none', {
          fix: 'Set them in plumbline.yaml (plumbline init writes one with every key), or read an export folder with plumbline run --files <dir>.',
        }),
      ),
    );
  }

  const mappings = mappingsDir(config);
  checks.push(
    folderCheck({
      name: 'mappings: files',
      purpose: 'the mapping files every run reads',
      folder: mappings,
      manifestDir: null,
      files: MAPPING_FILES.map((m) => `${m.name}.csv`),
      missingFolderFix: 'Create it with plumbline init, or point mappings_dir in the config at the folder of your mapping files.',
      missingMeans: 'an empty mapping',
    }),
  );

  // The notice channels (SMTP login, webhook), when configured.
  checks.push(...noticeChecks(noticeSettings(config, secrets)));

  return { checks, close: async () => void (await Promise.all(closers.map((close) => close()))) };
}

/** The `<source>/` folder of an export, its manifest folder, and the fix when it is missing. */
function exportFolder(
  config: PlumblineConfig,
  source: 'buildops' | 'spectrum',
  filesDir: string | undefined,
): { folder: string; manifestDir: string; missingFolderFix: string } {
  if (!filesDir) throw new TerminalError(`sources.${source}.files_dir is missing`, { fix: `Set it to the export folder holding ${source}/.` });
  const dir = configPath(config, filesDir);
  return {
    folder: `${dir}/${source}`,
    manifestDir: dir,
    missingFolderFix: `Check sources.${source}.files_dir (${filesDir}): it names the export folder that holds ${source}/ (docs/export-folder.md).`,
  };
}

/** A row that failed before anything was tried (a setting or secret missing). */
function failedRow(name: string, purpose: string, error: unknown): ConnectionCheck {
  const outcome: CheckOutcome = { ok: false, error: asPlumblineError(error) };
  return { name, purpose, run: async () => outcome };
}
