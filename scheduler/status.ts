/**
 * `plumbline status`: what a person (or a monitoring system) asks of the warehouse the morning
 * after — the last runs with each stage's result, how fresh each source is now, the open
 * findings per mart and which findings came or went since the previous report, and the
 * write-back outbox by state. Healthy (exit 0) only when the last finished run ended ok and
 * every source is fresh. It only reads: on DuckDB the copy the last writer published (so a run
 * holding the file never blocks it), on Postgres the warehouse itself (see docs/status-and-check.md).
 */
import { duckDbLockHolder } from '../load/run-lock.ts';
import type { RunLockHolder } from '../load/run-lock.ts';
import { listRuns, runSteps } from '../load/run-history.ts';
import type { Warehouse } from '../load/types.ts';
import { FRESHNESS_SOURCES, renderSql, sqlTimestamp } from '../transform/index.ts';
import type { PlumblineConfig } from './config.ts';

/** A run and its stages, as stored in meta.runs and meta.run_steps. */
export interface StatusRun {
  run_id: string;
  trigger: string;
  /** running, ok, failed, partial, cancelled, abandoned */
  status: string;
  started_at: string;
  ended_at: string | null;
  as_of: string;
  message: string | null;
  /** Each stage's own row (load, models, writeback, reports), in the order they ended. */
  stages: StatusStep[];
  /** The steps that failed (a resource, a model, a report), with their fix. */
  failed_steps: StatusStep[];
}

/** One stored step or stage result. */
export interface StatusStep {
  stage: string;
  /** The resource, model or report; null for a stage's own row. */
  step: string | null;
  status: string;
  rows: number | null;
  seconds: number | null;
  message: string | null;
  fix: string | null;
}

/** How fresh one source is now. */
export interface SourceFreshness {
  source: string;
  /** The end of its last successful load, or null when it never loaded. */
  last_loaded_at: string | null;
  hours_since: number | null;
  /** checks.freshness_hours */
  limit_hours: number;
  fresh: boolean;
}

/** One row of marts.close_status. */
export interface CloseCheck {
  company_code: string;
  check: string;
  area: string;
  status: string;
  open_findings: number;
  amount_at_risk: string | null;
  detail: string;
}

/** The findings of one mart at the latest report, against the report before it (meta.finding_history). */
export interface FindingChanges {
  mart: string;
  open: number;
  /** Finding keys at the latest as-of date that the previous one did not have. */
  new: string[];
  /** Finding keys of the previous as-of date that are gone at the latest. */
  resolved: string[];
}

/** The outbox records in one state. */
export interface OutboxState {
  state: string;
  records: number;
  amount: string | null;
}

/** The open findings per mart, and what changed since the previous report. */
export interface StatusFindings {
  /** marts.close_status, or [] when the marts were never built. */
  close_status: CloseCheck[];
  /** The latest and the previous as-of date a report recorded findings for. */
  as_of: string | null;
  previous_as_of: string | null;
  changes: FindingChanges[];
}

/** Everything `plumbline status` shows; `--json` prints it as it is (docs/status-and-check.md). */
export interface StatusReport {
  /** True when the last finished run ended ok and every source is fresh (exit 0). */
  healthy: boolean;
  /** Why it is not healthy, one sentence each (empty when healthy). */
  problems: string[];
  warehouse: string;
  checked_at: string;
  /** A run holding the DuckDB file now (its pid and start), or null. */
  run_in_progress: RunLockHolder | null;
  /** The newest runs first. */
  runs: StatusRun[];
  freshness: SourceFreshness[];
  findings: StatusFindings;
  outbox: OutboxState[];
}

export interface StatusOptions {
  /** How many runs to list (default 5). */
  runs?: number;
  now?: Date;
  /** The DuckDB file, to see whether a run holds it now; null on Postgres. */
  duckDbFile?: string | null;
}

/** Reads the status of `warehouse` now. */
export async function readStatus(warehouse: Warehouse, config: PlumblineConfig, options: StatusOptions = {}): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const meta = new Set((await warehouse.listRelations('meta')).map((r) => r.name));
  const marts = new Set((await warehouse.listRelations('marts')).map((r) => r.name));
  const runs = meta.has('runs') && meta.has('run_steps') ? await readRuns(warehouse, options.runs ?? 5) : [];
  const freshness = await readFreshness(warehouse, config, meta.has('loads'), now);
  const closeStatus = marts.has('close_status') ? await readCloseStatus(warehouse) : [];
  const history = meta.has('finding_history') ? await readFindingChanges(warehouse) : { as_of: null, previous_as_of: null, changes: [] };
  const outbox = meta.has('outbox') ? await readOutbox(warehouse) : [];
  const runInProgress = options.duckDbFile ? duckDbLockHolder(options.duckDbFile) : null;
  const problems = statusProblems(runs, freshness, runInProgress);
  return {
    healthy: problems.length === 0,
    problems,
    warehouse: warehouse.displayName,
    checked_at: now.toISOString(),
    run_in_progress: runInProgress,
    runs,
    freshness,
    findings: { close_status: closeStatus, ...history },
    outbox,
  };
}

/** The last run that finished (the newest one not `running`), or undefined. */
export function lastFinishedRun(runs: readonly StatusRun[]): StatusRun | undefined {
  return runs.find((r) => r.status !== 'running');
}

function statusProblems(runs: readonly StatusRun[], freshness: readonly SourceFreshness[], runInProgress: RunLockHolder | null): string[] {
  const problems: string[] = [];
  const last = lastFinishedRun(runs);
  if (runs.length === 0) {
    problems.push(
      runInProgress
        ? `no run has finished yet (one is in progress: pid ${runInProgress.pid}, started ${runInProgress.started})`
        : 'this warehouse has no run yet: run plumbline run (or plumbline demo), then plumbline status again',
    );
  } else if (!last) problems.push('no run has finished yet (the newest is still running)');
  else if (last.status !== 'ok') problems.push(`the last run ${last.run_id} ended ${last.status}${last.message ? `: ${last.message}` : ''}`);
  for (const f of freshness) {
    if (f.fresh) continue;
    problems.push(
      f.last_loaded_at === null
        ? `${f.source} has never loaded successfully`
        : `${f.source} last loaded ${f.hours_since} h ago, more than ${f.limit_hours} h (checks.freshness_hours): rerun the load, or see why it failed`,
    );
  }
  return problems;
}

async function readRuns(warehouse: Warehouse, limit: number): Promise<StatusRun[]> {
  const runs = await listRuns(warehouse, limit);
  const out: StatusRun[] = [];
  for (const run of runs) {
    const steps = (await runSteps(warehouse, run.run_id)).map((s): StatusStep => ({
      stage: s.stage,
      step: s.step,
      status: s.status,
      rows: s.rows === null ? null : Number(s.rows),
      seconds: s.seconds === null ? null : Number(s.seconds),
      message: s.message,
      fix: s.fix,
    }));
    out.push({
      run_id: run.run_id,
      trigger: run.trigger,
      status: run.status,
      started_at: instant(run.started_at)!,
      ended_at: instant(run.ended_at),
      as_of: String(run.as_of),
      message: run.message,
      stages: steps.filter((s) => s.step === null),
      failed_steps: steps.filter((s) => s.step !== null && s.status === 'failed'),
    });
  }
  return out;
}

/**
 * The sources judged: those the config reads; when it reads none (a warehouse fed by
 * `run --files`), those that ever loaded. Whether each is fresh is the rule marts.close_status
 * applies (SOURCE_FRESHNESS_SQL), measured against now instead of the run's clock.
 */
async function readFreshness(warehouse: Warehouse, config: PlumblineConfig, hasLoads: boolean, now: Date): Promise<SourceFreshness[]> {
  const limit = config.checks.freshness_hours;
  const judged = new Map<string, { last: Date | null; stale: boolean }>();
  const everLoaded = new Set<string>();
  if (hasLoads) {
    const vars = { run_at: sqlTimestamp(now), freshness_hours: String(limit) };
    const rows = await warehouse.query<{ source: string; last_loaded_at: Date | string | null; is_stale: boolean }>(
      renderSql(`select source, last_loaded_at, is_stale from ({{ source_freshness() }}) f`, vars, 'plumbline status'),
    );
    for (const row of rows) judged.set(row.source, { last: row.last_loaded_at === null ? null : new Date(row.last_loaded_at), stale: Boolean(row.is_stale) });
    for (const row of await warehouse.query<{ source: string }>(`select distinct source from meta.loads`)) everLoaded.add(row.source);
  }
  const configured = FRESHNESS_SOURCES.filter((s) => config.sources[s].kind !== 'none');
  const sources = configured.length > 0 ? configured : FRESHNESS_SOURCES.filter((s) => everLoaded.has(s));
  return sources.map((source) => {
    const { last, stale } = judged.get(source) ?? { last: null, stale: true };
    const hours = last === null ? null : (now.getTime() - last.getTime()) / 3_600_000;
    return {
      source,
      last_loaded_at: instant(last),
      hours_since: hours === null ? null : Math.round(hours * 10) / 10,
      limit_hours: limit,
      fresh: !stale,
    };
  });
}

async function readCloseStatus(warehouse: Warehouse): Promise<CloseCheck[]> {
  const rows = await warehouse.query<Record<string, unknown>>(
    `select company_code, "check", area, status, open_findings, amount_at_risk, detail from marts.close_status order by company_code, "check"`,
  );
  return rows.map((r) => ({
    company_code: String(r.company_code),
    check: String(r.check),
    area: String(r.area),
    status: String(r.status),
    open_findings: Number(r.open_findings),
    amount_at_risk: r.amount_at_risk === null || r.amount_at_risk === undefined ? null : String(r.amount_at_risk),
    detail: String(r.detail),
  }));
}

/**
 * Findings by key at the latest as-of date a report recorded, against the one before it. The
 * history is kept per as-of date (a rerun for the same date replaces that date's), so "since the
 * previous run" is since the previous as-of date reported.
 */
async function readFindingChanges(warehouse: Warehouse): Promise<Omit<StatusFindings, 'close_status'>> {
  const dates = (
    await warehouse.query<{ as_of: string }>(`select distinct cast(as_of as varchar) as as_of from meta.finding_history order by as_of desc limit 2`)
  ).map((r) => String(r.as_of));
  const [latest, previous] = dates;
  if (latest === undefined) return { as_of: null, previous_as_of: null, changes: [] };
  const rows = await warehouse.query<{ mart: string; finding_key: string; as_of: string }>(
    `select mart, finding_key, cast(as_of as varchar) as as_of from meta.finding_history where cast(as_of as varchar) in (${dates.map((_, i) => `$${i + 1}`).join(', ')}) order by mart, finding_key`,
    dates,
  );
  const byMart = new Map<string, { latest: Set<string>; previous: Set<string> }>();
  for (const row of rows) {
    const entry = byMart.get(row.mart) ?? { latest: new Set<string>(), previous: new Set<string>() };
    byMart.set(row.mart, entry);
    (String(row.as_of) === latest ? entry.latest : entry.previous).add(row.finding_key);
  }
  const changes = [...byMart.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([mart, keys]) => ({
      mart,
      open: keys.latest.size,
      new: [...keys.latest].filter((k) => !keys.previous.has(k)),
      resolved: [...keys.previous].filter((k) => !keys.latest.has(k)),
    }));
  return { as_of: latest, previous_as_of: previous ?? null, changes };
}

async function readOutbox(warehouse: Warehouse): Promise<OutboxState[]> {
  const rows = await warehouse.query<{ state: string; records: number | string; amount: string | null }>(
    `select state, count(*) as records, cast(sum(amount) as decimal(18, 2)) as amount from meta.outbox group by state order by state`,
  );
  return rows.map((r) => ({ state: r.state, records: Number(r.records), amount: r.amount === null ? null : String(r.amount) }));
}

function instant(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
