/**
 * The one rule of "is this source fresh", as SQL both `marts.close_status` (through the
 * `{{ source_freshness() }}` macro, against the run's clock) and `plumbline status` (against now)
 * read, so the two can never disagree about the same loads at the same instant.
 */

/** The sources whose freshness is judged (the mapping files are the user's, not a source system). */
export const FRESHNESS_SOURCES = ['buildops', 'spectrum'] as const;

/**
 * One row per judged source: `source`, `last_loaded_at` (the end of its latest successful load;
 * an export found unchanged since its last load, and so not read again, is as fresh as that
 * check) and `is_stale` (never loaded, or loaded more than `{{ freshness_hours }}` hours before
 * `{{ run_at }}`; exactly that old is still fresh). It reads `meta.loads` and leaves the two
 * placeholders for the caller's clock and limit.
 */
export const SOURCE_FRESHNESS_SQL = `select
  s.source,
  t.last_loaded_at,
  case when t.last_loaded_at is null or t.last_loaded_at < {{ run_at }} - {{ freshness_hours }} * interval '1 hour' then true else false end as is_stale
from (${FRESHNESS_SOURCES.map((s) => `select '${s}' as source`).join(' union all ')}) s
left join (
  select source, max(case when status in ('loaded', 'unchanged') then finished_at end) as last_loaded_at
  from meta.loads
  group by source
) t on t.source = s.source`;
