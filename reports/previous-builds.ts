/**
 * The marts whose figures are not of the latest model run: a mart that failed its checks (or
 * could not be rebuilt because what it reads failed, or its source was not loaded) keeps its
 * previous table, so the reports still show it — marked, with when that build was and why it was
 * not rebuilt. A CFO would rather read last night's numbers, clearly labelled, than nothing.
 */
import type { Warehouse } from '../load/index.ts';
import { readBuildInfo } from './build-info.ts';
import { sqlText } from './html/format.ts';

/** A mart shown from an earlier build than the latest model run. */
export interface PreviousBuild {
  /** The mart's name without its schema: `ar_aging`. */
  mart: string;
  /** How the latest model run ended for it. */
  status: 'failed' | 'skipped';
  /** Why: the failed check with its offending rows, or why it was skipped. */
  reason: string;
  /** When the table shown was built, `YYYY-MM-DD HH:MM` UTC; null when no run recorded it. */
  builtAt: string | null;
  /** The as-of date of the run that built it, when recorded. */
  builtAsOf: string | null;
}

/** The marts present in the warehouse that the latest model run (`marts.build_info`) did not build, by mart name. */
export async function readPreviousBuilds(warehouse: Warehouse): Promise<PreviousBuild[]> {
  const build = await readBuildInfo(warehouse);
  if (build === null) return [];
  const present = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
  // The latest result of each mart in that run (a rerun under the same id counts once, its last).
  const rows = await warehouse.query<{ model: string; status: string; message: string | null; built_at: string | null; built_as_of: string | null }>(
    `with latest as (
       select model, status, message,
         row_number() over (partition by model order by finished_at desc) as recency
       from meta.model_runs
       where run_id = ${sqlText(build.runId)} and model like 'marts.%'
     ),
     built as (
       select model, run_id, finished_at,
         row_number() over (partition by model order by finished_at desc) as recency
       from meta.model_runs
       where status = 'success' and model like 'marts.%'
     )
     select l.model, l.status, l.message,
       substr(cast(b.finished_at as varchar), 1, 16) as built_at,
       cast(r.as_of as varchar) as built_as_of
     from latest l
     left join built b on b.model = l.model and b.recency = 1
     left join meta.runs r on r.run_id = b.run_id
     where l.recency = 1 and l.status in ('failed', 'skipped')
     order by l.model`,
  );
  return rows
    .map((r) => ({
      mart: r.model.replace(/^marts\./, ''),
      status: r.status === 'failed' ? ('failed' as const) : ('skipped' as const),
      reason: r.message ?? (r.status === 'failed' ? 'failed' : 'skipped'),
      builtAt: r.built_at ?? null,
      builtAsOf: r.built_as_of === null || r.built_as_of === undefined ? null : String(r.built_as_of),
    }))
    .filter((p) => present.has(p.mart));
}

/** One sentence saying which build a mart's figures are from and why: for the report's banner and the section's label. */
export function previousBuildSentence(p: PreviousBuild): string {
  const when = p.builtAt ? `its build of ${p.builtAt} UTC${p.builtAsOf ? ` (as of ${p.builtAsOf})` : ''}` : 'an earlier build (its time was not recorded)';
  const why = p.status === 'failed' ? `it failed this run: ${p.reason}` : `it was not rebuilt this run (${p.reason.replace(/^skipped: /, '')})`;
  return `Figures from ${when}: ${why}.`;
}
