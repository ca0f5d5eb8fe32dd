/**
 * A model file: one relation, its layer from its folder, its checks from its `--` header,
 * and the relations it reads from its SQL.
 */
import { readFileSync } from 'node:fs';
import { basename, relative, sep } from 'node:path';
import { PlumblineError } from '../lib/errors.ts';

export type Layer = 'staging' | 'intermediate' | 'marts';
export type Materialization = 'view' | 'table';

export type CheckSpec =
  | { kind: 'unique'; name: string; columns: string[] }
  | { kind: 'not_null'; name: string; columns: string[] }
  /** A query that must return no rows; `{{ this }}` is the relation being built. */
  | { kind: 'query'; name: string; sql: string };

export interface Model {
  /** Qualified name, e.g. `marts.ar_aging`. */
  name: string;
  schema: Layer;
  relation: string;
  path: string;
  materialized: Materialization;
  grain: string | null;
  description: string | null;
  checks: CheckSpec[];
  /** Build even when a model it reads failed this run, from that model's previous relation (`-- upstream_failure: use_previous`). */
  usePreviousOnFailure: boolean;
  /** Qualified names this model reads (models or sources). */
  refs: string[];
  sql: string;
}

const LAYERS: readonly Layer[] = ['staging', 'intermediate', 'marts'];
const REFERENCE = /\b(raw|staging|intermediate|marts|meta)\.([a-z_][a-z0-9_]*)\b/g;

/** Reads and parses one model file under `root` (the models folder). */
export function readModel(root: string, path: string): Model {
  const rel = relative(root, path);
  const layer = rel.split(sep)[0] as Layer;
  if (!LAYERS.includes(layer)) throw new PlumblineError(`${rel}: models live in staging/, intermediate/ or marts/ (this one is in ${layer}/)`);
  const relation = basename(path, '.sql');
  if (!/^[a-z_][a-z0-9_]*$/.test(relation)) throw new PlumblineError(`${rel}: a model file name is its relation name: lowercase snake_case, e.g. ar_aging.sql`);
  const text = readFileSync(path, 'utf8');
  const header = parseHeader(text, rel);
  const body = stripComments(withoutHeader(text));
  const name = `${layer}.${relation}`;
  const refs = [...new Set([...body.matchAll(REFERENCE)].map((m) => `${m[1]}.${m[2]}`))].filter((r) => r !== name).sort();
  return {
    name,
    schema: layer,
    relation,
    path: rel,
    // Intermediate models are tables: a view would be run again by each of its checks and by
    // every model that reads it (the chain beneath included), and they are read many times.
    materialized: header.materialized ?? (layer === 'staging' ? 'view' : 'table'),
    grain: header.grain,
    description: header.description,
    checks: header.checks,
    usePreviousOnFailure: header.usePreviousOnFailure,
    refs,
    sql: withoutHeader(text).trim().replace(/;\s*$/, ''),
  };
}

interface Header {
  grain: string | null;
  description: string | null;
  materialized: Materialization | null;
  checks: CheckSpec[];
  usePreviousOnFailure: boolean;
}

/**
 * The header is the leading run of `--` lines:
 *   -- grain: one row per …
 *   -- unique: company_code, invoice_number
 *   -- not_null: company_code, customer_code
 *   -- check open_total_ties_out:
 *   --   select … from {{ this }} … (indented lines continue the check's query)
 *   -- upstream_failure: use_previous   (build even when a model it reads failed this run,
 *                                         from that model's previous relation; default: skip)
 */
function parseHeader(text: string, rel: string): Header {
  const header: Header = { grain: null, description: null, materialized: null, checks: [], usePreviousOnFailure: false };
  const lines = text.split('\n');
  let current: { kind: 'query'; name: string; sql: string } | null = null;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (!line.startsWith('--')) {
      if (line.trim() === '') continue;
      break;
    }
    const content = line.slice(2);
    if (current && /^\s{2,}\S/.test(content)) {
      current.sql += `\n${content.trim()}`;
      continue;
    }
    current = null;
    const match = /^\s*([a-z_]+)(?:\s+([a-z0-9_]+))?\s*:\s*(.*)$/.exec(content);
    if (!match) continue;
    const [, key, checkName, value = ''] = match;
    switch (key) {
      case 'grain':
        header.grain = value.trim();
        break;
      case 'description':
        header.description = value.trim();
        break;
      case 'materialized':
        if (value.trim() !== 'view' && value.trim() !== 'table') throw new PlumblineError(`${rel}: materialized must be view or table, not "${value.trim()}"`);
        header.materialized = value.trim() as Materialization;
        break;
      case 'upstream_failure':
        if (value.trim() !== 'use_previous' && value.trim() !== 'skip')
          throw new PlumblineError(`${rel}: upstream_failure must be use_previous or skip, not "${value.trim()}"`);
        header.usePreviousOnFailure = value.trim() === 'use_previous';
        break;
      case 'unique':
      case 'not_null': {
        const columns = value
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean);
        if (columns.length === 0) throw new PlumblineError(`${rel}: "${key}:" needs at least one column`);
        if (key === 'unique') header.checks.push({ kind: 'unique', name: `unique(${columns.join(', ')})`, columns });
        else for (const column of columns) header.checks.push({ kind: 'not_null', name: `not_null(${column})`, columns: [column] });
        break;
      }
      case 'check':
        if (!checkName) throw new PlumblineError(`${rel}: a check needs a name: "-- check <name>: <query>"`);
        current = { kind: 'query', name: checkName, sql: value.trim() };
        header.checks.push(current);
        break;
      default:
        break; // other header keys are documentation
    }
  }
  for (const check of header.checks) {
    if (check.kind === 'query' && check.sql.trim() === '') throw new PlumblineError(`${rel}: check ${check.name} has no query`);
  }
  return header;
}

/** The SQL after the leading `--` header (the header's check queries are not part of the model). */
function withoutHeader(text: string): string {
  const lines = text.split('\n');
  let start = 0;
  while (start < lines.length && (lines[start]!.trim() === '' || lines[start]!.trimStart().startsWith('--'))) start += 1;
  return lines.slice(start).join('\n');
}

/** SQL without `--` comments, so that references in comments do not count. */
function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n');
}
