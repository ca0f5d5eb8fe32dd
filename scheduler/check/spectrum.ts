/**
 * The Spectrum SQL checks: the login, then a one-row read (`SELECT TOP 1`) of every table the
 * extractor reads, with the extractor's own query (or the config's override) and its client, so
 * a missing grant (229), table (208) or column (207) shows here as it would in a run, naming the
 * table, what it holds, and the marts that need it. The tables wait for the login; the client
 * logs in once for all of them (a wrong password is never tried once per table).
 */
import { SPECTRUM_TABLE_NAMES, SPECTRUM_TABLES, rawTableName } from '../../extract/spectrum/index.ts';
import type { SpectrumTableName } from '../../extract/spectrum/index.ts';
import { companyParameterNames, defaultQuery } from '../../extract/spectrum/queries.ts';
import { SpectrumSqlClient } from '../../extract/spectrum/sql-client.ts';
import type { SpectrumConnectionOptions } from '../../extract/spectrum/sql-client.ts';
import type { CheckOutcome, ConnectionCheck } from '../../lib/check.ts';
import type { MartsNeeding } from './marts-needing.ts';
import { forMarts, martsThatNeedIt } from './marts-needing.ts';
import { asPlumblineError, notTried, withReason } from './run-checks.ts';

/** The checks, and the pool to close once they ran. */
export interface SpectrumChecks {
  checks: ConnectionCheck[];
  close(): Promise<void>;
}

/** The login check and one check per table. */
export function spectrumChecks(
  connection: SpectrumConnectionOptions,
  companyCode: string,
  queries: Partial<Record<SpectrumTableName, string>>,
  martsFor: MartsNeeding,
): SpectrumChecks {
  const client = new SpectrumSqlClient(connection);
  const where = `${connection.server}:${connection.port ?? 1433}/${connection.database}`;
  let login: Promise<CheckOutcome> | undefined;
  const loginCheck = (): Promise<CheckOutcome> =>
    (login ??= client.connect().then(
      (): CheckOutcome => ({ ok: true, detail: 'logged in' }),
      (error: unknown): CheckOutcome => ({ ok: false, error: asPlumblineError(error) }),
    ));
  const checks: ConnectionCheck[] = [{ name: 'spectrum: login', purpose: `SQL Server login to ${where}`, run: loginCheck }];
  for (const table of SPECTRUM_TABLE_NAMES) {
    const def = SPECTRUM_TABLES.get(table)!;
    const marts = martsFor([`raw.${rawTableName(table)}`]);
    const override = queries[table];
    checks.push({
      name: `spectrum: ${table}`,
      purpose: `one-row read (${def.purpose}, ${forMarts(marts)})`,
      async run(signal) {
        const loggedIn = await loginCheck();
        if (!loggedIn.ok) return { ok: false, error: notTried('spectrum: login', loggedIn.error) };
        try {
          const rows = await firstRows(client, table, override, companyCode, signal);
          return { ok: true, detail: rows === 0 ? 'readable (no row for this company)' : 'readable' };
        } catch (error) {
          return { ok: false, error: withReason(asPlumblineError(error), `It holds ${def.purpose}. ${martsThatNeedIt(marts)}`.trim()) };
        }
      },
    });
  }
  return { checks, close: () => client.close() };
}

/** Reads at most one row of the table's query; returns how many came (0 or 1). */
async function firstRows(
  client: SpectrumSqlClient,
  table: SpectrumTableName,
  override: string | undefined,
  companyCode: string,
  signal: AbortSignal,
): Promise<number> {
  const def = SPECTRUM_TABLES.get(table)!;
  // The run's own query, cut to one row: the default one takes TOP 1, an override is wrapped.
  const query = override ? `SELECT TOP 1 * FROM (${override}) AS checked` : defaultQuery(def, 1, false).replace(/^SELECT /, 'SELECT TOP 1 ');
  const parameters: Record<string, string> = { [companyParameterNames(1)[0]!]: companyCode };
  if (def.strategy !== 'snapshot') Object.assign(parameters, { from: '1900-01-01', from_yyyymmdd: '19000101' });
  let rows = 0;
  for await (const _row of client.stream(query, parameters, { table, purpose: def.purpose, overridden: override !== undefined }, undefined, signal)) {
    rows += 1;
    break;
  }
  return rows;
}
