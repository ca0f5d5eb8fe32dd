/**
 * The default query behind each Spectrum table. Every query is filtered on the configured
 * companies (`@c0, @c1, …`), trims padded codes, reads money as text (`CAST … AS varchar`, so the
 * driver never makes a float) and business dates as `YYYY-MM-DD` text (no time zone can shift them).
 */
import type { SpectrumColumnDef, SpectrumTableDef } from './tables.ts';
import { windowColumnDef } from './tables.ts';

/** The names of the company parameters: `@c0`, `@c1`, … */
export function companyParameterNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `c${i}`);
}

function selectExpression(column: SpectrumColumnDef, alias: string): string {
  const ref = `${alias}.[${column.source}]`;
  const as = `AS [${column.source}]`;
  switch (column.kind) {
    case 'code':
    case 'date_text':
      return `RTRIM(LTRIM(${ref})) ${as}`;
    case 'text':
    case 'int':
      return `${ref} ${as}`;
    case 'money':
    case 'rate':
    case 'qty':
      return `CAST(${ref} AS varchar(40)) ${as}`;
    case 'date':
      // Style 23 = yyyy-mm-dd; the inner CAST drops any time of day first.
      return `CONVERT(varchar(10), CAST(${ref} AS date), 23) ${as}`;
    case 'timestamp':
      // Style 121 = yyyy-mm-dd hh:mi:ss.mmm, read as UTC by the extractor.
      return `CONVERT(varchar(23), ${ref}, 121) ${as}`;
  }
}

/**
 * The default query of a table. With `windowed`, it reads rows on or after `@from` (a
 * `YYYY-MM-DD` text; `@from_yyyymmdd` for `Tran_Date_Text`).
 */
export function defaultQuery(def: SpectrumTableDef, companyCount: number, windowed: boolean): string {
  const companies = companyParameterNames(companyCount)
    .map((p) => `@${p}`)
    .join(', ');
  const select = def.columns.map((c) => selectExpression(c, 't')).join(',\n       ');
  const where = [`t.[Company_Code] IN (${companies})`];
  if (windowed && def.windowThrough) {
    const parent = def.windowThrough;
    const match = parent.on.map((c) => `p.[${c}] = t.[${c}]`).join(' AND ');
    where.push(`EXISTS (SELECT 1 FROM [dbo].[${parent.table}] p WHERE ${match} AND p.[${parent.column}] >= CAST(@from AS date))`);
  } else if (windowed && def.windowColumn) {
    const column = `t.[${def.windowColumn}]`;
    // A YYYYMMDD text column compares with the date as text of the same shape.
    where.push(windowColumnDef(def).kind === 'date_text' ? `${column} >= @from_yyyymmdd` : `${column} >= CAST(@from AS date)`);
  }
  return `SELECT ${select}\n  FROM [dbo].[${def.table}] t\n WHERE ${where.join('\n   AND ')}`;
}
