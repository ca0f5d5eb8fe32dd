/** Spectrum over SQL (Info-Link): one resource per contract table, read for the configured companies. */
import { PlumblineError, TerminalError } from '../../lib/errors.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ExtractContext, LoadBatch, Resource } from '../types.ts';
import type { SpectrumCursorState } from './batches.ts';
import { batchRecords, readCursorState, resourceTables, windowStart } from './batches.ts';
import { companyParameterNames, defaultQuery } from './queries.ts';
import { SpectrumSqlClient } from './sql-client.ts';
import type { SpectrumConnectionOptions } from './sql-client.ts';
import type { SpectrumTableName } from './tables.ts';
import { SPECTRUM_TABLE_NAMES, tableDef, writeMode } from './tables.ts';

/** Options of createSpectrumSqlResources (secrets are passed in by the scheduler). */
export interface SpectrumSqlOptions extends SpectrumConnectionOptions {
  /** The Spectrum companies to read; every query is filtered on them. */
  companyCodes: readonly string[];
  /** Days re-read before the last cursor of a transaction table (default 45). */
  lookbackDays?: number;
  /** A query per table replacing the default; it must return the contract's columns and may use `@c0…`, `@from`, `@from_yyyymmdd`. */
  queries?: Partial<Record<SpectrumTableName, string>>;
  /** Rows per load batch (default 5,000). */
  batchRows?: number;
}

/** The Spectrum SQL resources and the pool they share (close it after the run). */
export function createSpectrumSqlResources(options: SpectrumSqlOptions): { resources: Resource[]; close(): Promise<void> } {
  const companies = [...new Set(options.companyCodes.map((c) => c.trim()).filter((c) => c !== ''))];
  if (companies.length === 0) throw new PlumblineError('No Spectrum company code is configured: set company.code to the Spectrum company to read.');
  const unknown = Object.keys(options.queries ?? {}).filter((t) => !(SPECTRUM_TABLE_NAMES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new PlumblineError(
      `sources.spectrum.queries names tables outside the contract: ${unknown.join(', ')}. The tables are: ${SPECTRUM_TABLE_NAMES.join(', ')}.`,
    );
  }
  const logger = options.logger ?? silentLogger;
  const lookbackDays = options.lookbackDays ?? 45;
  const client = new SpectrumSqlClient({
    server: options.server,
    port: options.port,
    database: options.database,
    user: options.user,
    password: options.password,
    encrypt: options.encrypt,
    trustServerCertificate: options.trustServerCertificate,
    requestTimeoutMs: options.requestTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    retry: options.retry,
    logger,
  });

  const resources = SPECTRUM_TABLE_NAMES.map((table): Resource<SpectrumCursorState> => {
    const def = tableDef(table);
    const override = options.queries?.[table];
    return {
      source: 'spectrum',
      name: table,
      tables: resourceTables(def),
      mode: writeMode(def.strategy),
      readState: readCursorState,
      extract(state: SpectrumCursorState | undefined, context: ExtractContext): AsyncIterable<LoadBatch<SpectrumCursorState>> {
        const previous = context.fullRefresh ? undefined : state;
        const windowFrom = def.strategy !== 'snapshot' && previous?.cursor ? windowStart(previous.cursor, lookbackDays) : undefined;
        const parameters: Record<string, string> = {};
        companyParameterNames(companies.length).forEach((name, i) => (parameters[name] = companies[i]!));
        if (def.strategy !== 'snapshot') {
          // Overrides get the window too; on a full read it starts at the beginning of time.
          const from = windowFrom ?? '1900-01-01';
          parameters.from = from;
          parameters.from_yyyymmdd = from.replaceAll('-', '');
        }
        const query = override ?? defaultQuery(def, companies.length, windowFrom !== undefined);
        const context_ = { table, purpose: def.purpose, overridden: override !== undefined };
        const checkColumns = (names: string[]): void => {
          const have = new Set(names.map((n) => n.toLowerCase()));
          const missing = def.columns.filter((c) => !c.optional && !have.has(c.source.toLowerCase())).map((c) => c.source);
          if (missing.length > 0) {
            throw new TerminalError(
              `The ${override ? 'query from config sources.spectrum.queries' : 'query'} for ${table} (${def.purpose}) does not return the contract's columns ${missing.join(', ')}`,
              {
                fix: `Return them (alias them AS [${missing[0]}] …) in sources.spectrum.queries.${table}.`,
                context: { source: 'spectrum', resource: table, host: `${options.server}:${options.port ?? 1433}` },
              },
            );
          }
        };
        logger.info('spectrum.extract', `Reading Spectrum ${table}${windowFrom ? ` from ${windowFrom}` : ''}`, { table, windowFrom, companies });
        return batchRecords(client.stream(query, parameters, context_, checkColumns, context.signal), {
          def,
          companyCodes: companies,
          asOf: context.asOf,
          windowFrom,
          previous,
          batchRows: options.batchRows,
        });
      },
    };
  });
  return { resources, close: () => client.close() };
}
