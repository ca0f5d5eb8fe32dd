/**
 * What every command that touches the warehouse needs: the config, the secrets, a logger that
 * masks them, the as-of date and the warehouse location (CLI flag over config over default).
 */
import { UsageError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import type { Logger } from '../lib/logger.ts';
import { dateInTimeZone, isIsoDate } from '../lib/dates.ts';
import { openWarehouse } from '../load/open-warehouse.ts';
import { acquireRunLock } from '../load/run-lock.ts';
import type { RunLock } from '../load/run-lock.ts';
import type { Row, Warehouse } from '../load/types.ts';
import { maskText, maskValue } from '../lib/mask.ts';
import { configPath, loadConfig } from './config.ts';
import type { PlumblineConfig } from './config.ts';
import { loadSecrets, warehouseLocation } from './secrets.ts';
import type { Secrets } from './secrets.ts';

export interface GlobalOptions {
  config?: string;
  warehouse?: string;
  jsonLogs?: boolean;
  verbose?: boolean;
}

export interface RunContext {
  config: PlumblineConfig;
  secrets: Secrets;
  logger: Logger;
  /** Where the warehouse is, with any secret filled in (never print this: use warehouse.displayName). */
  warehouseLocation: string;
  openWarehouse(options?: { readOnly?: boolean; sandboxed?: boolean }): Promise<Warehouse>;
  /** Takes the warehouse's run lock for run `runId` (waiting up to lock.wait_seconds); release it when the run ends. */
  acquireRunLock(warehouse: Warehouse, runId?: string): Promise<RunLock>;
}

/** The process's environment: the run context is where it is read (config and secrets take it from here). */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** Events a terminal shows as one updating line per resource (the extractors' page progress). */
export const PROGRESS_EVENTS = ['extract.page'];

// Every secret any context has seen, so that the last error message can be masked too.
const knownSecrets = new Set<string>();

/** Text with every known secret replaced by ***. */
export function maskSecrets(text: string): string {
  return maskText(text, knownSecrets);
}

/** Result rows with every known secret masked in their values, before they are formatted. */
export function maskRows<T extends Row>(rows: readonly T[]): T[] {
  if (knownSecrets.size === 0) return [...rows];
  return rows.map((row) => maskValue(row, knownSecrets) as T);
}

/** Builds the context from the global CLI options and the environment; `log` says where logs go (stderr by default). */
export function createRunContext(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
  log: { write?: (line: string) => void; isTTY?: boolean } = {},
): RunContext {
  const config = loadConfig(options.config);
  const secrets = loadSecrets(env, config.secrets_file ? configPath(config, config.secrets_file) : undefined);
  for (const value of secrets.values()) if (value.length >= 4) knownSecrets.add(value);
  const json = options.jsonLogs === true || !(log.isTTY ?? process.stderr.isTTY);
  const logger = createLogger({
    format: json ? 'json' : 'human',
    level: options.verbose ? 'debug' : 'info',
    secrets: secrets.values(),
    progressEvents: PROGRESS_EVENTS,
    write: log.write,
  });
  const raw = options.warehouse ?? env.PLUMBLINE_WAREHOUSE ?? config.warehouse;
  const isUrl = /^[a-z]+:\/\//i.test(raw);
  const location = warehouseLocation(isUrl || options.warehouse ? raw : configPath(config, raw), secrets);
  return {
    config,
    secrets,
    logger,
    warehouseLocation: location,
    // A writer waits for another writer of a DuckDB file as long as a run waits for the run lock.
    openWarehouse: (o = {}) => openWarehouse(location, { lockWaitMs: config.lock.wait_seconds * 1000, ...o }),
    acquireRunLock: (warehouse, runId) =>
      acquireRunLock(warehouse, location, { waitSeconds: config.lock.wait_seconds, staleSeconds: config.lock.stale_seconds, runId, logger }),
  };
}

/** The run's as-of date: the flag when given (validated), else today in the company's time zone. */
export function resolveAsOf(flag: string | undefined, config: PlumblineConfig, now = new Date()): string {
  if (flag === undefined) return dateInTimeZone(now, config.company.time_zone);
  if (!isIsoDate(flag)) throw new UsageError(`--as-of ${JSON.stringify(flag)} is not a date; use YYYY-MM-DD, e.g. --as-of 2026-10-31`);
  return flag;
}
