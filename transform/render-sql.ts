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

/** Replaces each `{{ name }}` with its value; an unknown name is an error naming the model. */
export function renderSql(sql: string, vars: Readonly<Record<string, string>>, where: string): string {
  return sql.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi, (_match, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      throw new PlumblineError(`${where} uses {{ ${name} }}, which this run does not define (defined: ${Object.keys(vars).sort().join(', ') || 'none'})`);
    }
    return value;
  });
}
