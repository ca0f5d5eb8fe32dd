/**
 * The reconciliation workbook's write-back sheet: every record write-back holds or lost — each
 * preflight finding of a blocked record (marts.writeback_preflight, with its rule, field, value,
 * limit, message and fix) and each failed record of the outbox (marts.writeback_outbox, a view of
 * meta.outbox: Spectrum refused it, the client refused it over a field limit, or it never appeared
 * in Spectrum). Reports run after the writeback stage, so the outbox is that night's. Amounts: a
 * blocked record's marts.writeback_outbound.invoice_total, a failed one's
 * marts.writeback_outbox.amount (its frozen payload).
 */
import type { Warehouse } from '../../load/types.ts';
import type { ColumnSpec, PreparedTable } from './sheet.ts';
import { fitWidth, sqlText } from './sheet.ts';

/** The sheet's columns, in order. */
export const WRITEBACK_COLUMNS: ColumnSpec[] = [
  { key: 'state', header: 'State', kind: 'text' },
  { key: 'record_type', header: 'Record', kind: 'text' },
  { key: 'buildops_id', header: 'BuildOps id', kind: 'text' },
  { key: 'outbox_id', header: 'Outbox id', kind: 'text' },
  { key: 'amount', header: 'Amount', kind: 'money' },
  { key: 'rule', header: 'Rule', kind: 'text' },
  { key: 'field', header: 'Field', kind: 'text' },
  { key: 'value', header: 'Value', kind: 'text' },
  { key: 'limit_value', header: 'Limit', kind: 'text' },
  { key: 'message', header: 'Message', kind: 'text' },
  { key: 'fix', header: 'Fix', kind: 'text' },
];

/** Blocked first (by record), then failed; within a record by rule and field. */
export const WRITEBACK_ORDER = "order by case when state = 'blocked' then 0 else 1 end, record_type, buildops_id, rule, field";

/**
 * The sheet's rows as one SQL relation (a parenthesized subquery with an alias): blocked findings
 * and failed outbox records (marts.writeback_outbox, which a reader role sees too), for one
 * company or all; `withOutbox` false = the findings only (marts built before that mart existed).
 */
export function writebackExceptionsRelation(companyCode: string | null, withOutbox: boolean): string {
  const company = (column: string): string => (companyCode === null ? '' : ` and ${column} = ${sqlText(companyCode)}`);
  const blocked = `
    select 'blocked' as state, p.record_type, p.buildops_id, cast(null as varchar) as outbox_id, o.invoice_total as amount,
           p.rule, p.field, p.value, p.limit_value, p.message, p.fix
    from marts.writeback_preflight p
    left join marts.writeback_outbound o on o.record_type = p.record_type and o.buildops_id = p.buildops_id
    where 1 = 1${company('p.company_code')}
`;
  const failed = `
    select 'failed', x.record_type, x.buildops_id, x.outbox_id, x.amount, x.rule, x.field,
           cast(null as varchar), cast(null as varchar), x.message, x.fix
    from marts.writeback_outbox x
    where x.state = 'failed'${company('x.company_code')}
`;
  return `(${withOutbox ? `${blocked} union all ${failed}` : blocked}) w`;
}

/** The sheet's table: its columns fitted to the data and its row count. */
export async function prepareWritebackTable(warehouse: Warehouse, relation: string): Promise<PreparedTable> {
  const lengths = WRITEBACK_COLUMNS.map((c, i) => (c.kind === 'text' ? `coalesce(max(length(cast(${c.key} as varchar))), 0)` : '0') + ` as w${i}`);
  const [stats] = await warehouse.query<Record<string, unknown>>(`select count(*) as n, ${lengths.join(', ')} from ${relation}`);
  return {
    columns: WRITEBACK_COLUMNS,
    missing: [],
    widths: WRITEBACK_COLUMNS.map((c, i) => fitWidth(c, Number(stats?.[`w${i}`] ?? 0))),
    rows: Number(stats?.n ?? 0),
  };
}
