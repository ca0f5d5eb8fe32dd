/** `{{ name }}` placeholders in model SQL: run parameters such as the as-of date. */
import { PlumblineError } from '../lib/errors.ts';
import { isIsoDate } from '../lib/dates.ts';

/** A SQL literal for a date parameter (`CAST('2026-11-15' AS DATE)`, portable). */
export function sqlDate(isoDate: string): string {
  if (!isIsoDate(isoDate)) throw new PlumblineError(`"${isoDate}" is not a date (YYYY-MM-DD)`);
  return `CAST('${isoDate}' AS DATE)`;
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Replaces each `{{ name }}` with its value, and each macro call `{{ money_text(<expr>) }}` with
 * its SQL; an unknown name is an error naming the model.
 */
export function renderSql(sql: string, vars: Readonly<Record<string, string>>, where: string): string {
  const expanded = sql.replace(/\{\{\s*money_text\((.+?)\)\s*\}\}/gs, (_match, expr: string) => moneyText(expr.trim()));
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
