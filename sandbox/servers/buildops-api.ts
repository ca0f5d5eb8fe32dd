// The BuildOps REST API as docs/sources.md describes it, quirks included, served page by
// page from the store's `buildops` schema: each page a slice of the table's paging order
// (paging-order.ts), so a page costs the same wherever it is and a table is never loaded whole.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { FaultAction, Faults } from './faults.ts';
import { parseFaultPlan } from './faults.ts';
import { applyPreFaults, readBody, sendJson } from './http-util.ts';
import { PagingOrder } from './paging-order.ts';
import { BUILDOPS_ENDPOINTS } from '../store/schema.ts';

/** Options of the BuildOps API server. */
export interface BuildOpsApiOptions {
  clientId: string;
  clientSecret: string;
  tenantId: string;
  faults: Faults;
  /** Token lifetime in seconds (expires_in); default 3600. */
  tokenLifetimeSeconds?: number;
  /**
   * Short pages: every Nth row slot of the paging order is a hidden record (as if deleted
   * after paging), so some pages come back shorter than `limit` with no data lost. 0 = never.
   * Default 157.
   */
  shortPageEvery?: number;
  /** Page size when the client gives none; default 50. */
  defaultPageSize?: number;
  /** Requests served at once before answering 429 (Retry-After: 1); default 10, 0 = no limit. */
  maxConcurrentRequests?: number;
}

/** The BuildOps server and its controls. */
export interface BuildOpsApi {
  server: http.Server;
  /** Invalidate every token issued so far (clients must get a new one). */
  expireTokens(): void;
  /** Change the token lifetime for tokens issued from now on. */
  setTokenLifetime(seconds: number): void;
  /** Release the store connections the paging orders keep between pages (after the server closed). */
  releaseConnections(): void;
}

const MAX_LIMIT = 100;
const KEEP_ALIVE_MS = 60_000;
const SERVICE_AGREEMENTS_MAX = 10;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Create the BuildOps API server over the store (call listen() on `server`). */
export function createBuildOpsApi(instance: DuckDBInstance, options: BuildOpsApiOptions): BuildOpsApi {
  const tokens = new Map<string, number>(); // token → expiry (epoch ms)
  let lifetime = options.tokenLifetimeSeconds ?? 3600;
  const shortEvery = options.shortPageEvery ?? 157;
  const endpoints = new Set<string>(BUILDOPS_ENDPOINTS);
  const maxConcurrent = options.maxConcurrentRequests ?? 10;
  let inFlight = 0;
  const orders = new Map<string, PagingOrder>();
  const orderOf = (table: string): PagingOrder => {
    if (!orders.has(table)) orders.set(table, new PagingOrder(instance, table));
    return orders.get(table)!;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/__sandbox/faults') return admin(req, res, options.faults);

    // Public clients keep to 10 requests at once; the real API rate-limits those that do not.
    if (maxConcurrent > 0 && inFlight >= maxConcurrent) {
      return sendJson(res, 429, { message: `Too many concurrent requests (limit ${maxConcurrent})` }, { 'retry-after': '1' });
    }
    inFlight++;
    // A request stops counting when it is answered or when its client gives up on it (an aborted
    // read-ahead page): whichever comes first, once.
    let counted = true;
    const done = (): void => {
      if (counted) inFlight--;
      counted = false;
    };
    res.once('close', done);
    try {
      await serve(req, res, url, path);
    } finally {
      done();
    }
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL, path: string): Promise<void> {
    const actions = options.faults.take('buildops', { method: req.method, path });
    if (actions.some((a) => a.kind === 'expire-tokens')) tokens.clear();
    if (await applyPreFaults(actions, res)) return;

    if (path === '/v1/auth/token') return token(req, res);
    const entity = path.match(/^\/v1\/([a-z-]+)$/)?.[1];
    if (!entity || !endpoints.has(entity)) throw new HttpError(404, `No route for ${req.method} ${path}`);
    if (req.method !== 'GET') throw new HttpError(405, `Method ${req.method} not allowed`);
    authorize(req);
    const body = await list(entity, url.searchParams, actions);
    sendJson(res, 200, body);
  }

  async function token(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new HttpError(405, 'Use POST');
    let creds: { clientId?: unknown; clientSecret?: unknown };
    try {
      creds = JSON.parse(await readBody(req)) as typeof creds;
    } catch {
      throw new HttpError(400, 'Body must be JSON {"clientId": ..., "clientSecret": ...}');
    }
    if (creds.clientId !== options.clientId || creds.clientSecret !== options.clientSecret) {
      return sendJson(res, 401, { error: 'invalid_client', message: 'Invalid client credentials' });
    }
    const value = jwtLike(lifetime);
    tokens.set(value, Date.now() + lifetime * 1000);
    sendJson(res, 200, { access_token: value, token_type: 'Bearer', expires_in: lifetime });
  }

  function authorize(req: http.IncomingMessage): void {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const expiry = bearer ? tokens.get(bearer) : undefined;
    if (expiry === undefined || expiry <= Date.now()) {
      if (bearer) tokens.delete(bearer);
      throw new HttpError(401, 'Unauthorized: missing, invalid or expired token');
    }
    const tenant = req.headers['tenantid'];
    if (!tenant) throw new HttpError(400, 'Missing required header: tenantId');
    if (tenant !== options.tenantId) throw new HttpError(403, 'Forbidden: token is not valid for this tenant');
  }

  async function list(entity: string, query: URLSearchParams, actions: readonly FaultAction[]): Promise<string> {
    const employees = entity === 'employees';
    const page = intParam(query, 'page', 0);
    if (page < 0) throw new HttpError(400, 'page must be ≥ 0');
    if (employees && query.has('limit')) throw new HttpError(400, "Unknown parameter 'limit' for employees; use 'page_size'");
    let size = intParam(query, employees ? 'page_size' : 'limit', options.defaultPageSize ?? 50);
    if (size < 1 || size > MAX_LIMIT) throw new HttpError(400, `${employees ? 'page_size' : 'limit'} must be between 1 and ${MAX_LIMIT}`);
    if (entity === 'service-agreements') size = Math.min(size, SERVICE_AGREEMENTS_MAX);

    const updatedAfter = query.get('updatedAfter');
    let afterMicros: bigint | null = null;
    // employees ignore updatedAfter, as the real API does: clients filter them themselves.
    if (updatedAfter !== null && !employees) {
      const ms = Date.parse(updatedAfter);
      if (!/^\d{4}-\d{2}-\d{2}/.test(updatedAfter) || Number.isNaN(ms)) throw new HttpError(400, 'updatedAfter must be an ISO-8601 date-time');
      afterMicros = BigInt(ms) * 1000n;
    }
    const { offset, count } = pageWindow(page, size, shortEvery);
    const { docs, total } = await orderOf(`buildops.${entity.replaceAll('-', '_')}`).page(afterMicros, offset, count);
    for (const action of actions) if (action.kind === 'malformed') corrupt(docs, action);
    const items = `[${docs.join(',')}]`;
    if (entity === 'payments') return `{"data":${items},"hasMore":${offset + count < total}}`;
    return `{"items":${items},"totalCount":${total}}`;
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof HttpError) sendJson(res, error.status, { message: error.message });
      else sendJson(res, 500, { message: error instanceof Error ? error.message : String(error) });
    });
  });
  // An idle keep-alive connection stays open a minute, as behind the real API's load balancer
  // (Node's default, 5 s, closes sockets a busy client is about to reuse: "other side closed").
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return {
    server,
    expireTokens: () => tokens.clear(),
    setTokenLifetime: (seconds) => {
      lifetime = seconds;
    },
    releaseConnections: () => {
      for (const order of orders.values()) order.close();
    },
  };
}

/**
 * The rows a page covers. Page `page` spans row slots [page*size, (page+1)*size); every
 * `every`-th slot holds a hidden record, so the page returns the real rows in its slots only.
 */
export function pageWindow(page: number, size: number, every: number): { offset: number; count: number } {
  const first = page * size;
  const last = first + size;
  // With one-row pages a hidden slot would be an empty page before the end: never do that.
  if (every < 2 || size < 2) return { offset: first, count: size };
  const offset = first - Math.floor(first / every);
  return { offset, count: last - Math.floor(last / every) - offset };
}

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new HttpError(400, `${name} must be an integer`);
  return Number(raw);
}

// The malformed-record fault: one record of the page with a wrong-typed or missing field.
function corrupt(docs: string[], action: Extract<FaultAction, { kind: 'malformed' }>): void {
  const index = Math.min(action.index ?? 0, docs.length - 1);
  if (index < 0) return;
  const record = JSON.parse(docs[index]!) as Record<string, unknown>;
  const field = action.field ?? 'totalAmount';
  if (action.remove) delete record[field];
  else record[field] = action.value === undefined ? 'abc' : action.value;
  docs[index] = JSON.stringify(record);
}

function jwtLike(lifetimeSeconds: number): string {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [
    b64({ alg: 'HS256', typ: 'JWT' }),
    b64({ iss: 'buildops-sandbox', iat: now, exp: now + lifetimeSeconds, jti: randomBytes(8).toString('hex') }),
    randomBytes(24).toString('base64url'),
  ].join('.');
}

/** The admin endpoint: GET the plan and counters, POST a plan (`?append=1` adds), DELETE clears. */
async function admin(req: http.IncomingMessage, res: http.ServerResponse, faults: Faults): Promise<void> {
  if (req.method === 'GET') return sendJson(res, 200, { rules: faults.state() });
  if (req.method === 'DELETE') {
    faults.clear();
    return sendJson(res, 200, { rules: [] });
  }
  if (req.method !== 'POST') throw new HttpError(405, 'GET, POST or DELETE');
  let rules;
  try {
    rules = parseFaultPlan(JSON.parse(await readBody(req)));
  } catch (error) {
    throw new HttpError(400, error instanceof Error ? error.message : String(error));
  }
  const append = new URL(req.url ?? '/', 'http://sandbox').searchParams.get('append');
  if (append === '1' || append === 'true') rules.forEach((r) => faults.add(r));
  else faults.set(rules);
  sendJson(res, 200, { rules: faults.state() });
}
