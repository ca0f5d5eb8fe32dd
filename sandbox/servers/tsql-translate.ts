// Translate the T-SQL a SQL Server client sends into DuckDB SQL over the store's `spectrum`
// schema. A token-level rewrite, not a parser: it covers what extractors send (see README).
import { SqlServerError } from './tds/errors.ts';

/** A lexical token of T-SQL. */
interface Token {
  kind: 'space' | 'comment' | 'string' | 'quoted' | 'word' | 'variable' | 'number' | 'punct';
  text: string;
}

/** One translated statement: DuckDB SQL and the parameter names it uses (without `@`). */
export interface TranslatedStatement {
  kind: 'query' | 'ignored';
  sql: string;
  params: string[];
}

const TYPE_REWRITES: Record<string, string> = {
  varchar: 'VARCHAR',
  nvarchar: 'VARCHAR',
  char: 'VARCHAR',
  nchar: 'VARCHAR',
  text: 'VARCHAR',
  ntext: 'VARCHAR',
  datetime: 'TIMESTAMP',
  datetime2: 'TIMESTAMP',
  smalldatetime: 'TIMESTAMP',
  datetimeoffset: 'TIMESTAMPTZ',
  money: 'DECIMAL(19,4)',
  smallmoney: 'DECIMAL(10,4)',
  bit: 'BOOLEAN',
  float: 'DOUBLE',
  real: 'FLOAT',
  uniqueidentifier: 'UUID',
};
const TABLE_HINTS = new Set(['nolock', 'readuncommitted', 'readcommitted', 'holdlock', 'rowlock', 'updlock', 'noexpand']);
const IGNORED_STATEMENTS = new Set(['set', 'use', 'begin', 'commit', 'rollback', 'print', 'declare']);

/** Split T-SQL into tokens (strings, [quoted] and "quoted" names, @variables, comments ...). */
export function tokenize(sql: string): Token[] {
  const rules: Array<[Token['kind'], RegExp, (raw: string) => string]> = [
    ['space', /^\s+/, (r) => r],
    ['comment', /^(?:--[^\n]*|\/\*[\s\S]*?\*\/)/, (r) => r],
    ['string', /^[Nn]?'(?:[^']|'')*'/, (r) => r.replace(/^[Nn]/, '')],
    ['quoted', /^\[(?:[^\]]|\]\])*\]/, (r) => r.slice(1, -1).replaceAll(']]', ']')],
    ['quoted', /^"(?:[^"]|"")*"/, (r) => r.slice(1, -1).replaceAll('""', '"')],
    ['variable', /^@@?[A-Za-z0-9_#$@]+/, (r) => r],
    ['word', /^[A-Za-z_#][A-Za-z0-9_#$]*/, (r) => r],
    ['number', /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/, (r) => r],
    ['punct', /^(?:<>|!=|<=|>=|::|[\s\S])/, (r) => r],
  ];
  const out: Token[] = [];
  let rest = sql;
  while (rest.length > 0) {
    for (const [kind, re, text] of rules) {
      const m = rest.match(re);
      if (!m) continue;
      out.push({ kind, text: text(m[0]) });
      rest = rest.slice(m[0].length);
      break;
    }
  }
  return out;
}

const isWord = (t: Token | undefined, ...words: string[]): boolean => t !== undefined && t.kind === 'word' && words.includes(t.text.toLowerCase());
const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && t.kind === 'punct' && t.text === p;
const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Translate a T-SQL batch into DuckDB statements (SET/USE/... become no-ops). */
export function translateBatch(sql: string): TranslatedStatement[] {
  const statements: Token[][] = [[]];
  let depth = 0;
  for (const t of tokenize(sql)) {
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (depth === 0 && isPunct(t, ';')) statements.push([]);
    else statements[statements.length - 1]!.push(t);
  }
  return statements
    .map((tokens) => tokens.filter((t) => t.kind !== 'comment'))
    .filter((tokens) => tokens.some((t) => t.kind !== 'space'))
    .map(translateStatement);
}

function translateStatement(input: Token[]): TranslatedStatement {
  const first = input.find((t) => t.kind !== 'space');
  if (first && first.kind === 'word' && IGNORED_STATEMENTS.has(first.text.toLowerCase())) {
    return { kind: 'ignored', sql: '', params: [] };
  }
  // Work on significant tokens; spacing is re-created when joining.
  let tokens = input.filter((t) => t.kind !== 'space');
  tokens = removeTableHints(tokens);
  tokens = rewriteFunctions(tokens);
  tokens = rewriteTop(tokens);
  tokens = rewriteTableNames(tokens);
  const params = new Set<string>();
  const parts = tokens.map((t) => {
    switch (t.kind) {
      case 'quoted':
        return quoteIdent(t.text);
      case 'variable': {
        if (t.text.startsWith('@@')) return systemVariable(t.text);
        const name = t.text.slice(1);
        params.add(name);
        return `$${name}`;
      }
      default:
        return t.text;
    }
  });
  return { kind: 'query', sql: parts.join(' '), params: [...params] };
}

function systemVariable(name: string): string {
  switch (name.toLowerCase()) {
    case '@@version':
      return "'Microsoft SQL Server 2019 (sandbox: DuckDB behind TDS)'";
    case '@@rowcount':
    case '@@error':
    case '@@trancount':
      return '0';
    case '@@spid':
      return '51';
    default:
      throw new SqlServerError(137, `Must declare the scalar variable "${name}".`, 15);
  }
}

// WITH (NOLOCK) and bare (NOLOCK) hints mean nothing to DuckDB.
function removeTableHints(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const withHint = isWord(tokens[i], 'with') && isPunct(tokens[i + 1], '(') && hintAt(tokens, i + 2);
    if (withHint) {
      i = closingParen(tokens, i + 1);
      continue;
    }
    if (isPunct(tokens[i], '(') && hintAt(tokens, i + 1)) {
      i = closingParen(tokens, i);
      continue;
    }
    out.push(tokens[i]!);
  }
  return out;
}

function hintAt(tokens: Token[], i: number): boolean {
  return tokens[i]?.kind === 'word' && TABLE_HINTS.has(tokens[i]!.text.toLowerCase());
}

/** Index of the `)` matching the `(` at `open`. */
function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    if (isPunct(tokens[i], ')') && --depth === 0) return i;
  }
  throw new SqlServerError(102, "Incorrect syntax near ')'.", 15);
}

/** The comma-separated arguments of the call whose `(` is at `open`, and the index of its `)`. */
function callArgs(tokens: Token[], open: number): { args: Token[][]; close: number } {
  const close = closingParen(tokens, open);
  const args: Token[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(')) depth++;
    if (isPunct(t, ')')) depth--;
    if (depth === 0 && isPunct(t, ',')) args.push([]);
    else args[args.length - 1]!.push(t);
  }
  return { args, close };
}

const raw = (text: string): Token => ({ kind: 'word', text });
const DATE_PARTS: Record<string, string> = {
  year: 'year',
  yy: 'year',
  yyyy: 'year',
  quarter: 'quarter',
  qq: 'quarter',
  month: 'month',
  mm: 'month',
  m: 'month',
  day: 'day',
  dd: 'day',
  d: 'day',
  dayofyear: 'day',
  dy: 'day',
  y: 'day',
  week: 'week',
  wk: 'week',
  ww: 'week',
  hour: 'hour',
  hh: 'hour',
  minute: 'minute',
  mi: 'minute',
  n: 'minute',
  second: 'second',
  ss: 'second',
  s: 'second',
  millisecond: 'millisecond',
  ms: 'millisecond',
};

function datePart(arg: Token[] | undefined): string {
  const word = arg?.[0]?.text.toLowerCase() ?? '';
  const part = DATE_PARTS[word];
  if (!part) throw new SqlServerError(155, `'${word}' is not a recognized datepart option.`, 15);
  return part;
}

// Function calls and type names that differ between T-SQL and DuckDB; recursive on arguments.
function rewriteFunctions(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const name = t.kind === 'word' ? t.text.toLowerCase() : '';
    const isCall = t.kind === 'word' && isPunct(tokens[i + 1], '(');
    if (isCall && ['getdate', 'sysdatetime', 'getutcdate', 'sysutcdatetime'].includes(name)) {
      const close = closingParen(tokens, i + 1);
      const utc = name.includes('utc');
      out.push(raw(utc ? "CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)" : 'CAST(current_localtimestamp() AS TIMESTAMP)'));
      i = close;
      continue;
    }
    if (name === 'current_timestamp' && !isCall) {
      out.push(raw('CAST(current_localtimestamp() AS TIMESTAMP)'));
      continue;
    }
    if (isCall && name === 'isnull') {
      out.push(raw('COALESCE'));
      continue;
    }
    if (isCall && ['len', 'convert', 'count', 'count_big', 'datediff', 'dateadd', 'charindex'].includes(name)) {
      const { args, close } = callArgs(tokens, i + 1);
      const a = args.map((arg) => rewriteFunctions(arg));
      const join = (arg: Token[] | undefined): Token[] => arg ?? [];
      const seq = (...parts: Array<Token | Token[]>): Token[] => parts.flatMap((p) => (Array.isArray(p) ? p : [p]));
      switch (name) {
        case 'len': // LEN ignores trailing spaces
          out.push(...seq(raw('length(rtrim('), join(a[0]), raw('))')));
          break;
        case 'convert': // CONVERT(type, expr[, style]) → CAST(expr AS type); styles are not emulated
          out.push(...seq(raw('CAST('), join(a[1]), raw('AS'), rewriteType(join(args[0])), raw(')')));
          break;
        case 'count': // SQL Server's COUNT is an int; DuckDB's a BIGINT
          out.push(
            ...seq(
              raw('CAST(count('),
              a.flatMap((arg, k) => (k ? [raw(','), ...arg] : arg)),
              raw(') AS INTEGER)'),
            ),
          );
          break;
        case 'count_big':
          out.push(
            ...seq(
              raw('count('),
              a.flatMap((arg, k) => (k ? [raw(','), ...arg] : arg)),
              raw(')'),
            ),
          );
          break;
        case 'datediff':
          out.push(...seq(raw(`date_diff('${datePart(args[0])}',`), join(a[1]), raw(','), join(a[2]), raw(')')));
          break;
        case 'dateadd':
          out.push(
            ...seq(
              raw('CAST(('),
              join(a[2]),
              raw(`) + to_${datePart(args[0]) === 'millisecond' ? 'milliseconds' : datePart(args[0]) + 's'}(CAST((`),
              join(a[1]),
              raw(') AS INTEGER)) AS TIMESTAMP)'),
            ),
          );
          break;
        case 'charindex': // CHARINDEX(needle, haystack) → strpos(haystack, needle)
          out.push(...seq(raw('strpos('), join(a[1]), raw(','), join(a[0]), raw(')')));
          break;
      }
      i = close;
      continue;
    }
    // CAST(x AS nvarchar(max)) and friends: rewrite the type after AS inside CAST.
    if (isWord(t, 'as') && tokens[i + 1]?.kind === 'word' && TYPE_REWRITES[tokens[i + 1]!.text.toLowerCase()]) {
      let end = i + 1;
      if (isPunct(tokens[i + 2], '(')) end = closingParen(tokens, i + 2);
      out.push(t, ...rewriteType(tokens.slice(i + 1, end + 1)));
      i = end;
      continue;
    }
    out.push(t);
  }
  return out;
}

function rewriteType(type: Token[]): Token[] {
  const name = type[0]?.text.toLowerCase() ?? '';
  const mapped = TYPE_REWRITES[name];
  if (!mapped) return type;
  // decimal(p,s)/datetime2(n)/varchar(n|max): DuckDB ignores text lengths, so drop them all.
  return [raw(mapped)];
}

// SELECT TOP (n) ... → SELECT ... LIMIT n, placed at the end of the enclosing query.
function rewriteTop(tokens: Token[]): Token[] {
  const out = [...tokens];
  for (let i = 0; i < out.length; i++) {
    if (!isWord(out[i], 'top')) continue;
    let limit: Token[];
    let end: number;
    if (isPunct(out[i + 1], '(')) {
      end = closingParen(out, i + 1);
      limit = out.slice(i + 2, end);
    } else {
      end = i + 1;
      limit = [out[i + 1]!];
    }
    if (isWord(out[end + 1], 'percent', 'with')) throw new SqlServerError(102, "Incorrect syntax near 'PERCENT'.", 15);
    out.splice(i, end - i + 1);
    // The end of the enclosing query: the `)` closing the current depth, or the statement end.
    let depth = 0;
    let at = out.length;
    for (let k = i; k < out.length; k++) {
      if (isPunct(out[k], '(')) depth++;
      if (isPunct(out[k], ')')) {
        if (depth === 0) {
          at = k;
          break;
        }
        depth--;
      }
    }
    out.splice(at, 0, raw('LIMIT'), ...limit);
    i--;
  }
  return out;
}

// INFORMATION_SCHEMA views as SQL Server shows them, limited to the Spectrum tables.
const SQLSERVER_DATA_TYPE = `CASE WHEN data_type LIKE 'DECIMAL%' THEN 'decimal' WHEN data_type = 'VARCHAR' THEN 'varchar'
  WHEN data_type LIKE 'TIMESTAMP%' THEN 'datetime' WHEN data_type = 'INTEGER' THEN 'int' WHEN data_type = 'BOOLEAN' THEN 'bit'
  WHEN data_type = 'DOUBLE' THEN 'float' ELSE lower(data_type) END`;
const INFORMATION_SCHEMA: Record<string, string> = {
  tables: `SELECT 'Spectrum' AS "TABLE_CATALOG", 'dbo' AS "TABLE_SCHEMA", table_name AS "TABLE_NAME", 'BASE TABLE' AS "TABLE_TYPE"
    FROM information_schema.tables WHERE table_schema = 'spectrum'`,
  columns: `SELECT 'Spectrum' AS "TABLE_CATALOG", 'dbo' AS "TABLE_SCHEMA", table_name AS "TABLE_NAME", column_name AS "COLUMN_NAME",
    CAST(ordinal_position AS INTEGER) AS "ORDINAL_POSITION", ${SQLSERVER_DATA_TYPE} AS "DATA_TYPE",
    CAST(character_maximum_length AS INTEGER) AS "CHARACTER_MAXIMUM_LENGTH", CAST(numeric_precision AS INTEGER) AS "NUMERIC_PRECISION",
    CAST(numeric_scale AS INTEGER) AS "NUMERIC_SCALE", is_nullable AS "IS_NULLABLE"
    FROM information_schema.columns WHERE table_schema = 'spectrum'`,
};
const ALIAS_STOP = new Set([
  'where',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'cross',
  'on',
  'order',
  'group',
  'union',
  'having',
  'limit',
  'offset',
  'fetch',
  'outer',
  'with',
]);

// FROM/JOIN targets: [db].[dbo].[T], dbo.T, T → spectrum."T"; other schemas do not exist here.
function rewriteTableNames(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    out.push(t);
    if (!isWord(t, 'from', 'join')) continue;
    const next = tokens[i + 1];
    if (!next || !(next.kind === 'word' || next.kind === 'quoted')) continue;
    const parts: string[] = [next.text];
    let k = i + 2;
    while (isPunct(tokens[k], '.') && (tokens[k + 1]?.kind === 'word' || tokens[k + 1]?.kind === 'quoted')) {
      parts.push(tokens[k + 1]!.text);
      k += 2;
    }
    if (parts.length === 1 && next.kind === 'word' && /^(select|values)$/i.test(next.text)) continue;
    const table = parts[parts.length - 1]!;
    const schema = parts.length >= 2 ? parts[parts.length - 2]!.toLowerCase() : 'dbo';
    const catalog = INFORMATION_SCHEMA[table.toLowerCase()];
    if (schema === 'information_schema' && catalog) {
      const next = tokens[k];
      const aliased = isWord(next, 'as') || (next?.kind === 'word' && !ALIAS_STOP.has(next.text.toLowerCase())) || next?.kind === 'quoted';
      out.push(raw(`(${catalog})${aliased ? '' : ` AS ${quoteIdent(table.toUpperCase())}`}`));
      i = k - 1;
      continue;
    }
    if (schema !== 'dbo' && schema !== 'spectrum') {
      throw new SqlServerError(208, `Invalid object name '${parts.join('.')}'.`);
    }
    out.push(raw(`spectrum.${quoteIdent(table)}`));
    i = k - 1;
  }
  return out;
}
