/** `{{ name }}` placeholders in model SQL: run parameters such as the as-of date. */
import { PlumblineError } from '../lib/errors.ts';
import { isIsoDate } from '../lib/dates.ts';
import { SOURCE_FRESHNESS_SQL } from './source-freshness.ts';

/** A SQL literal for a date parameter (`CAST('2026-11-15' AS DATE)`, portable). */
export function sqlDate(isoDate: string): string {
  if (!isIsoDate(isoDate)) throw new PlumblineError(`"${isoDate}" is not a date (YYYY-MM-DD)`);
  return `CAST('${isoDate}' AS DATE)`;
}

/** A UTC instant as a SQL timestamp literal (the warehouse's timestamps are UTC, without a zone). */
export function sqlTimestamp(instant: Date): string {
  return `CAST('${instant.toISOString().replace('T', ' ').replace('Z', '')}' AS TIMESTAMP)`;
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Replaces each `{{ name }}` with its value, and each macro call (`{{ money_text(<expr>) }}`,
 * `{{ exact_ratio(<numerator>, <denominator>, <decimals>) }}`, `{{ source_freshness() }}`) with its SQL; an unknown name is an error naming the model.
 */
export function renderSql(sql: string, vars: Readonly<Record<string, string>>, where: string): string {
  const expanded = sql
    .replace(/\{\{\s*money_text\((.+?)\)\s*\}\}/gs, (_match, expr: string) => moneyText(expr.trim()))
    .replace(/\{\{\s*exact_ratio\((.+?)\)\s*\}\}/gs, (_match, args: string) => exactRatio(args, where))
    // before the placeholders: the freshness rule uses {{ run_at }} and {{ freshness_hours }}
    .replace(/\{\{\s*source_freshness\(\s*\)\s*\}\}/g, () => SOURCE_FRESHNESS_SQL);
  return expanded.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi, (_match, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      throw new PlumblineError(`${where} uses {{ ${name} }}, which this run does not define (defined: ${Object.keys(vars).sort().join(', ') || 'none'})`);
    }
    return value;
  });
}

/**
 * `{{ money_text(x) }}`: x as a controller reads it, `$18,200.00` or `-$1,284.50` (null stays
 * null), in SQL that DuckDB and Postgres both run — they share no number-formatting function.
 * The digits of |x| to 2 decimals get a comma before every third digit of the whole part (all 16
 * whole digits of a DECIMAL(18,2)).
 */
export function moneyText(expr: string): string {
  const amount = `cast(${expr} as decimal(18, 2))`;
  const digits = `cast(abs(${amount}) as varchar)`;
  const whole = `(length(${digits}) - 3)`; // digits before the decimal point
  const groups = (n: number): string => {
    // the whole part of n + 1 comma groups: a leading run, then n runs of three digits
    const parts = [`substr(${digits}, 1, ${whole} - ${3 * n})`];
    for (let i = n; i >= 1; i--) parts.push(`substr(${digits}, ${whole} - ${3 * i - 1}, 3)`);
    return parts.join(" || ',' || ");
  };
  const cases = [5, 4, 3, 2, 1].map((n) => `when ${whole} > ${3 * n} then ${groups(n)}`).join(' ');
  return `(case when ${amount} < 0 then '-$' else '$' end || case ${cases} else substr(${digits}, 1, ${whole}) end || substr(${digits}, ${whole} + 1, 3))`;
}

/** Splits macro arguments on the commas outside parentheses and quotes. */
function splitArguments(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of args) {
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (ch === ',' && depth === 0 && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

/**
 * `{{ exact_ratio(n, d, places) }}`: n ÷ d rounded once, half away from zero, to `places`
 * decimals, as DECIMAL(18, places); null when d is 0 or either is null. n and d are exact
 * decimals of at most 4 decimals (money, hours). DuckDB divides DECIMALs in DOUBLE, which
 * misrounds some half-way quotients: the quotient of the scaled integers is only a first guess,
 * made exact with integer products (q is the integer with 2·e·q ≤ 2·a + e < 2·e·(q + 1)).
 */
export function exactRatio(args: string, where = 'a model'): string {
  const [n, d, placesText, ...rest] = splitArguments(args);
  const places = Number(placesText);
  if (!n || !d || rest.length > 0 || !Number.isInteger(places) || places < 0 || places > 8) {
    throw new PlumblineError(`${where}: exact_ratio takes (numerator, denominator, decimals 0-8), got (${args})`);
  }
  const int = (x: string): string => `cast(cast(abs(${x}) as decimal(38, 4)) * 10000 as decimal(38, 0))`;
  const a = `(${int(n)} * ${10 ** places})`;
  const e = int(d);
  const guess = `cast(round(${a} / ${e}) as decimal(38, 0))`;
  const q = `(${guess} - case when 2 * ${e} * ${guess} > 2 * ${a} + ${e} then 1 else 0 end + case when 2 * ${e} * (${guess} + 1) <= 2 * ${a} + ${e} then 1 else 0 end)`;
  const sign = `case when (${n} < 0) = (${d} < 0) then 1 else -1 end`;
  const unit = places === 0 ? '1' : `0.${'0'.repeat(places - 1)}1`; // a DECIMAL literal: the product stays exact
  return `(case when ${d} is null or ${n} is null or ${d} = 0 then null else cast(${sign} * ${q} * ${unit} as decimal(18, ${places})) end)`;
}
