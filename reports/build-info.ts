/**
 * The as-of date the marts were built for (`marts.build_info`, written by every model run), and
 * the rule that a report is of that date: asked for another one, it refuses with the way to
 * rebuild, so a report never prints a date its figures are not of.
 */
import { UsageError } from '../lib/errors.ts';
import type { Warehouse } from '../load/index.ts';

/** What the marts were last built for. */
export interface BuildInfo {
  asOf: string;
  companyCode: string | null;
  runId: string;
}

/** The build the marts are of, or null when no model run recorded one (an older warehouse, or models never run). */
export async function readBuildInfo(warehouse: Warehouse): Promise<BuildInfo | null> {
  const marts = await warehouse.listRelations('marts');
  if (!marts.some((r) => r.name === 'build_info')) return null;
  const [row] = await warehouse.query<{ as_of: string; company_code: string | null; run_id: string }>(
    'select cast(as_of as varchar) as as_of, company_code, run_id from marts.build_info limit 1',
  );
  return row ? { asOf: String(row.as_of), companyCode: row.company_code ?? null, runId: String(row.run_id) } : null;
}

/**
 * The as-of date of a report: the marts' own. `requested` (from --as-of) must equal it; another
 * date is bad usage (exit 2) naming both dates and the command that rebuilds the marts for it.
 * Without a recorded build, the requested date (or `fallback()`, today) is used as before.
 */
export function reportAsOf(build: BuildInfo | null, requested: string | undefined, fallback: () => string): string {
  if (build === null) return requested ?? fallback();
  if (requested !== undefined && requested !== build.asOf) {
    throw new UsageError(
      `The marts were built as of ${build.asOf} (model run ${build.runId}), not ${requested}: a report of ${requested} would print figures of ${build.asOf}. ` +
        `Report on ${build.asOf} (leave out --as-of), or rebuild the marts for ${requested} first: plumbline models --as-of ${requested} ` +
        `(or plumbline run --as-of ${requested} to extract again as well).`,
    );
  }
  return build.asOf;
}
