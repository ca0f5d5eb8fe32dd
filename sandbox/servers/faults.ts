// Faults on demand: a plan of rules, each matching some requests and acting on the Nth of
// them, with counters kept per rule so a test can say exactly which request misbehaves.

/** Which sandbox server a rule applies to. */
export type FaultTarget = 'buildops' | 'data-exchange' | 'spectrum-sql';

/** What happens to a request a rule picks. */
export type FaultAction =
  /** Answer this HTTP status instead (429 with Retry-After, 500, 503 ...). */
  | { kind: 'status'; status: number; retryAfter?: number | string; body?: unknown }
  /** Destroy the socket: 'mid-response' after sending headers and part of a body (default), 'before' without a byte. */
  | { kind: 'drop'; when?: 'before' | 'mid-response' }
  /** Wait this long before answering (a slow page). */
  | { kind: 'delay'; ms: number }
  /** Invalidate every current BuildOps token (and Data Exchange GUID) before this request is checked. */
  | { kind: 'expire-tokens' }
  /** Do the work (a Data Exchange import), then destroy the socket without answering. */
  | { kind: 'lose-response' }
  /** Corrupt one record of the page: set `field` to `value` (default totalAmount = "abc"), or remove it. */
  | { kind: 'malformed'; field?: string; value?: unknown; remove?: boolean; index?: number }
  /** Answer a SQL request with this SQL Server error. */
  | { kind: 'sql-error'; number: number; message: string };

/** One rule of a fault plan. */
export interface FaultRule {
  /** Default 'buildops'. */
  target?: FaultTarget;
  /** Exact request path (`/v1/invoices`), or a prefix ending in `*` (`/v1/*`); default every path. */
  path?: string;
  /** HTTP method (default any). */
  method?: string;
  /** For spectrum-sql: the SQL text contains this (case-insensitive). */
  sqlContains?: string;
  /** Act on these occurrences (1-based) of the requests this rule matches; default every one. */
  nth?: number | number[];
  /** Act at most this many times. */
  times?: number;
  action: FaultAction;
}

/** A whole plan (what `set` and the admin endpoint take). */
export interface FaultPlan {
  rules: FaultRule[];
}

/** A rule with its counters: requests it matched (`seen`) and acted on (`applied`). */
export type FaultRuleState = FaultRule & { seen: number; applied: number };

/** A request as the fault plan sees it. */
export interface FaultRequest {
  method?: string;
  path?: string;
  sql?: string;
}

/** The live fault plan shared by the sandbox servers. */
export interface Faults {
  /** Replace the plan (counters start again from zero). */
  set(plan: FaultPlan | FaultRule[]): void;
  /** Add one rule to the plan. */
  add(rule: FaultRule): void;
  /** Remove every rule. */
  clear(): void;
  /** The rules with their counters. */
  state(): FaultRuleState[];
  /** Count this request against every matching rule; return the actions due now. */
  take(target: FaultTarget, request: FaultRequest): FaultAction[];
}

const ACTION_KINDS = new Set(['status', 'drop', 'delay', 'expire-tokens', 'lose-response', 'malformed', 'sql-error']);

/** Check a plan's shape (from JSON); throws an Error naming the problem. */
export function parseFaultPlan(input: unknown): FaultRule[] {
  const rules = Array.isArray(input) ? input : (input as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) throw new Error('a fault plan is { "rules": [ ... ] }');
  rules.forEach((rule: unknown, i) => {
    const r = rule as FaultRule | null;
    if (!r || typeof r !== 'object' || !r.action || !ACTION_KINDS.has(r.action.kind)) {
      throw new Error(`rule ${i}: action.kind must be one of ${[...ACTION_KINDS].join(', ')}`);
    }
  });
  return rules as FaultRule[];
}

function matches(rule: FaultRule, target: FaultTarget, request: FaultRequest): boolean {
  if ((rule.target ?? 'buildops') !== target) return false;
  if (rule.method && request.method && rule.method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (rule.path) {
    const path = request.path ?? '';
    if (rule.path.endsWith('*') ? !path.startsWith(rule.path.slice(0, -1)) : path !== rule.path) return false;
  }
  if (rule.sqlContains && !(request.sql ?? '').toLowerCase().includes(rule.sqlContains.toLowerCase())) return false;
  return true;
}

/** Create a fault plan, optionally with initial rules. */
export function createFaults(initial: FaultPlan | FaultRule[] = []): Faults {
  let rules: FaultRuleState[] = [];
  const fresh = (rule: FaultRule): FaultRuleState => ({ ...rule, seen: 0, applied: 0 });
  const faults: Faults = {
    set(plan) {
      rules = parseFaultPlan(plan).map(fresh);
    },
    add(rule) {
      rules.push(fresh(parseFaultPlan([rule])[0]!));
    },
    clear() {
      rules = [];
    },
    state() {
      return rules.map((r) => ({ ...r }));
    },
    take(target, request) {
      const due: FaultAction[] = [];
      for (const rule of rules) {
        if (!matches(rule, target, request)) continue;
        rule.seen++;
        const nth = rule.nth === undefined ? undefined : Array.isArray(rule.nth) ? rule.nth : [rule.nth];
        if (nth && !nth.includes(rule.seen)) continue;
        if (rule.times !== undefined && rule.applied >= rule.times) continue;
        rule.applied++;
        due.push(rule.action);
      }
      return due;
    },
  };
  faults.set(initial);
  return faults;
}
