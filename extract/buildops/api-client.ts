/**
 * The BuildOps REST client: a token refreshed before it expires (and once on a 401), the
 * `tenantId` header, a bounded number of requests in flight, the shared retry policy
 * (lib/retry.ts) on 429/5xx/resets, and paging through every quirk the endpoint declarations
 * (endpoints.ts) name. What the API answers is mapped into the error model: 401 and a refused
 * token are terminal for the whole source, 403 for the endpoint, an unreachable host (DNS,
 * refused, certificate) after one quick retry for the whole source. A source-wide failure is
 * remembered: every later call gets the same error at once, without another request.
 * Secrets are passed in; nothing here reads the environment.
 */
import type { ErrorContext } from '../../lib/errors.ts';
import { PlumblineError, TerminalError, TransientError, UnreachableError, errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { classifyNetworkCode, networkCodeText, networkErrorCode, unreachableAdvice } from '../../lib/network-errors.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import { withRetry } from '../../lib/retry.ts';
import { endpointSpec } from './endpoints.ts';

export interface BuildOpsClientOptions {
  baseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Records per page (1..100, default 100). */
  pageSize?: number;
  /** Requests in flight at once, across every endpoint of this client (default 4). */
  maxInFlight?: number;
  /** The shared retry policy's knobs (lib/retry.ts); its defaults otherwise. */
  retry?: RetryPolicy;
  /** Per-request timeout (default 60 s). */
  requestTimeoutMs?: number;
  logger?: Logger;
}

/** One page as it came back. */
export interface BuildOpsPage {
  endpoint: string;
  page: number;
  items: unknown[];
  /** Records fetched so far for this endpoint, this page included. */
  received: number;
  /** Seconds since this endpoint's first request. */
  seconds: number;
}

interface PageBody {
  items: unknown[];
  totalCount?: number;
  hasMore?: boolean;
}

// Refresh a token this long before it expires, so a request never leaves with a dying one.
const TOKEN_MARGIN_MS = 60_000;
const MAX_PAGES = 1_000_000;
const CREDENTIALS_FIX = 'Check BUILDOPS_CLIENT_ID / BUILDOPS_CLIENT_SECRET and the tenant id (sources.buildops.tenant_id).';

/** Counts held slots; waiters are served in arrival order. */
class Semaphore {
  private held = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async acquire(): Promise<void> {
    if (this.held < this.size) {
      this.held++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }
}

function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

async function bodySnippet(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = parsed.message ?? parsed.error;
    if (typeof message === 'string') return message;
  } catch {}
  return text.slice(0, 200);
}

/** A BuildOps API client over global `fetch`. */
export class BuildOpsClient {
  private readonly baseUrl: string;
  private readonly host: string;
  private readonly pageSize: number;
  private readonly maxInFlight: number;
  private readonly slots: Semaphore;
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private token: { value: string; expiresAt: number } | undefined;
  private tokenRequest: Promise<string> | undefined;
  /** A failure that makes the whole source unusable (credentials, DNS, refused): every later call throws it. */
  private sourceFailure: PlumblineError | undefined;

  constructor(private readonly options: BuildOpsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.host = hostOf(this.baseUrl);
    this.pageSize = Math.min(100, Math.max(1, Math.floor(options.pageSize ?? 100)));
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 4));
    this.slots = new Semaphore(this.maxInFlight);
    this.logger = options.logger ?? silentLogger;
    this.retry = options.retry ?? {};
    this.timeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  /**
   * Every page of an endpoint in page order, several requested at once. Stops at an empty page,
   * else where the endpoint's declared paging ends (endpoints.ts: at `totalCount` records, at
   * `hasMore: false`, or only at an empty page). A short page is never the end.
   */
  async *pages(endpoint: string, query: { updatedAfter?: string; signal?: AbortSignal } = {}): AsyncGenerator<BuildOpsPage> {
    const { paging } = endpointSpec(endpoint);
    const started = performance.now();
    const inFlight = new Map<number, Promise<PageBody>>();
    let nextToRequest = 0;
    let received = 0;
    let total: number | undefined;
    let hasMore: boolean | undefined;
    const serverPageSize = Math.min(this.pageSize, paging.maxPageSize ?? this.pageSize);
    // Pages prefetched past the end are abandoned when paging stops: cancel their retries too.
    const stop = new AbortController();
    const signal = query.signal ? AbortSignal.any([query.signal, stop.signal]) : stop.signal;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        // How many pages are worth asking for now: the first alone (it tells the total), then
        // what the total leaves (one more for the empty page that alone ends some endpoints),
        // up to the in-flight bound.
        let ahead = 1;
        if (page > 0) {
          if (total !== undefined) ahead = Math.ceil(Math.max(total - received, 0) / serverPageSize) + (paging.end === 'empty-page' ? 1 : 0);
          else ahead = hasMore === false ? 1 : this.maxInFlight;
          ahead = Math.min(this.maxInFlight, Math.max(1, ahead));
        }
        while (nextToRequest < page + ahead) {
          const p = this.fetchPage(endpoint, nextToRequest, query.updatedAfter, signal);
          p.catch(() => undefined); // a prefetched page past the end may fail unobserved
          inFlight.set(nextToRequest, p);
          nextToRequest++;
        }
        const body = await inFlight.get(page)!;
        inFlight.delete(page);
        received += body.items.length;
        if (body.totalCount !== undefined) total = body.totalCount;
        if (body.hasMore !== undefined) hasMore = body.hasMore;
        yield { endpoint, page, items: body.items, received, seconds: (performance.now() - started) / 1000 };
        if (body.items.length === 0) return;
        if (paging.end === 'has-more' && hasMore === false) return;
        if (paging.end === 'total-count' && total !== undefined && received >= total) return;
      }
      throw new TerminalError(`BuildOps ${endpoint}: more than ${MAX_PAGES} pages`, {
        fix: `The API keeps answering; check sources.buildops.base_url (${this.baseUrl}).`,
        context: this.context(endpoint),
      });
    } finally {
      stop.abort();
      inFlight.clear();
    }
  }

  /** Requests a token now, with the shared retry policy (what a connection check tests); later calls reuse it. */
  async authenticate(signal?: AbortSignal): Promise<void> {
    const context = this.context('auth/token');
    await this.withSourceMemory(() =>
      withRetry(() => this.accessToken(context), {
        ...this.retry,
        signal,
        what: 'BuildOps POST /v1/auth/token',
        exhaustedFix: `Check that ${this.baseUrl} is reachable and BuildOps is up, then run again.`,
      }),
    );
  }

  /** Page 0 of an endpoint at the client's page size: one request, what a connection check reads. */
  async firstPage(endpoint: string, signal?: AbortSignal): Promise<BuildOpsPage> {
    const started = performance.now();
    const body = await this.fetchPage(endpoint, 0, undefined, signal);
    return { endpoint, page: 0, items: body.items, received: body.items.length, seconds: (performance.now() - started) / 1000 };
  }

  private async fetchPage(endpoint: string, page: number, updatedAfter: string | undefined, signal: AbortSignal | undefined): Promise<PageBody> {
    const { paging } = endpointSpec(endpoint);
    const params = new URLSearchParams({ page: String(page) });
    params.set(paging.pageSizeParam, String(this.pageSize));
    if (updatedAfter && paging.updatedAfter === 'server') params.set('updatedAfter', updatedAfter);
    const body = await this.get(`/v1/${endpoint}?${params.toString()}`, { endpoint, page }, signal);
    return parsePageBody(body, endpoint, page, this.context(endpoint));
  }

  /** GET a path with auth, bounded concurrency and the shared retry policy; returns the parsed JSON body. */
  async get(path: string, where: { endpoint: string; page?: number }, signal?: AbortSignal): Promise<unknown> {
    const label = `GET ${path.split('?')[0]}${where.page === undefined ? '' : ` page ${where.page}`}`;
    const context = this.context(where.endpoint);
    return this.withSourceMemory(() =>
      withRetry(
        async () => {
          for (let refreshed = false; ; refreshed = true) {
            await this.slots.acquire();
            try {
              // The token request is shared by every endpoint: one caller's cancellation must not fail the others.
              const token = await this.accessToken(context);
              const response = await this.send(
                `${this.baseUrl}${path}`,
                { headers: { authorization: `Bearer ${token}`, tenantId: this.options.tenantId } },
                signal,
                context,
              );
              if (response.ok) return await readJson(response, label, context);
              if (response.status === 401 && !refreshed) {
                // The token expired or was revoked early: get a new one and try again, once.
                await response.body?.cancel().catch(() => undefined);
                this.invalidateToken(token);
                this.logger.warn('extract.token', `BuildOps ${label}: 401, refreshing the token and retrying`, { endpoint: where.endpoint, page: where.page });
                continue;
              }
              throw await this.statusError(response, label, where.endpoint, context);
            } finally {
              this.slots.release();
            }
          }
        },
        {
          ...this.retry,
          signal,
          what: `BuildOps ${label}`,
          exhaustedFix: `Check that ${this.baseUrl} is reachable and BuildOps is up, then run again.`,
          onRetry: ({ attempt, maxAttempts, delayMs, error }) =>
            this.logger.warn('extract.retry', `BuildOps ${label}: ${error.message}; retry ${attempt + 1} of ${maxAttempts} in ${delayMs} ms`, {
              endpoint: where.endpoint,
              page: where.page,
              attempt,
              delayMs,
              reason: error.message,
            }),
        },
      ),
    );
  }

  /** Runs a call unless the source already failed for good; remembers a source-wide failure. */
  private async withSourceMemory<T>(call: () => Promise<T>): Promise<T> {
    if (this.sourceFailure) throw this.sourceFailure;
    try {
      return await call();
    } catch (error) {
      if (error instanceof PlumblineError && error.scope === 'source') this.sourceFailure ??= error;
      throw error;
    }
  }

  /** The error for a non-2xx answer: 429/5xx transient, 401 terminal for the source, 403 and the rest terminal for the endpoint. */
  private async statusError(response: Response, label: string, endpoint: string, context: ErrorContext): Promise<PlumblineError> {
    const status = response.status;
    const snippet = await bodySnippet(response);
    if (status === 429 || status >= 500) {
      return new TransientError(`HTTP ${status} (${snippet})`, { retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')), context });
    }
    if (status === 401) {
      return new TerminalError(`BuildOps ${label} answered 401 Unauthorized even with a fresh token`, { fix: CREDENTIALS_FIX, scope: 'source', context });
    }
    if (status === 403) {
      return new TerminalError(`BuildOps ${label} answered 403 Forbidden (${snippet})`, {
        fix: `Check the tenant id (sources.buildops.tenant_id) for these credentials; a 403 means the API user lacks access to /v1/${endpoint}: ask the BuildOps administrator to grant it.`,
        context,
      });
    }
    return new TerminalError(`BuildOps ${label} answered ${status} (${snippet}): the request was refused`, {
      fix: `Check the base URL sources.buildops.base_url (${this.baseUrl}).`,
      context,
    });
  }

  /** One fetch with a timeout; network failures are transient (resets, timeouts) or unreachable (DNS, refused, certificate). */
  private async send(url: string, init: RequestInit, signal: AbortSignal | undefined, context: ErrorContext): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (timeout.aborted) throw new TransientError(`no answer within ${this.timeoutMs / 1000} s`, { cause: error, context });
      throw this.networkError(error, context);
    }
  }

  private networkError(error: unknown, context: ErrorContext): PlumblineError {
    const code = networkErrorCode(error);
    if (code !== undefined && classifyNetworkCode(code) === 'unreachable') {
      return new UnreachableError(`Cannot reach BuildOps at ${this.host}: ${networkCodeText(code)}`, {
        cause: error,
        fix: unreachableAdvice(code, this.host, { hostSetting: 'sources.buildops.base_url' }),
        scope: 'source',
        context,
      });
    }
    return new TransientError(`connection failed (${code ?? causeMessage(error)})`, { cause: error, context });
  }

  private invalidateToken(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  /**
   * The current token, fetched or refreshed when missing or about to expire (one request at a
   * time, shared by every caller). It is not retried here: each caller's retry covers it.
   */
  private async accessToken(context: ErrorContext): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.value;
    this.tokenRequest ??= this.requestToken(context).finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  private async requestToken(context: ErrorContext): Promise<string> {
    const label = 'POST /v1/auth/token';
    const response = await this.send(
      `${this.baseUrl}/v1/auth/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: this.options.clientId, clientSecret: this.options.clientSecret }),
      },
      undefined,
      context,
    );
    if (response.ok) {
      const body = (await readJson(response, label, context)) as { access_token?: unknown; expires_in?: unknown };
      if (typeof body.access_token !== 'string' || body.access_token === '') {
        throw new TerminalError(`BuildOps ${label} answered without an access_token`, {
          fix: `Check the base URL sources.buildops.base_url (${this.baseUrl}).`,
          scope: 'source',
          context,
        });
      }
      const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
      // Short-lived tokens keep most of their life: never refresh earlier than halfway.
      this.token = { value: body.access_token, expiresAt: Date.now() + lifetimeMs - Math.min(TOKEN_MARGIN_MS, lifetimeMs / 2) };
      return body.access_token;
    }
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new TerminalError(`BuildOps refused the client credentials (${label} answered ${response.status}: ${await bodySnippet(response)})`, {
        fix: CREDENTIALS_FIX,
        scope: 'source',
        context,
      });
    }
    const error = await this.statusError(response, label, 'auth/token', context);
    if (error instanceof TransientError) {
      throw new TransientError(`${error.message} from ${label}`, { retryAfterSeconds: error.retryAfterSeconds, context });
    }
    throw error;
  }

  private context(endpoint: string): ErrorContext {
    return { source: 'buildops', resource: endpoint, host: this.host };
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

/** Reads a JSON body; a body cut mid-way (a reset after the headers) is transient. */
async function readJson(response: Response, label: string, context: ErrorContext): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new TransientError(`the response was cut off (${networkErrorCode(error) ?? causeMessage(error)})`, { cause: error, context });
  }
  try {
    return JSON.parse(text);
  } catch {
    // A truncated body parses as nothing; a complete non-JSON body will not improve on retry either way.
    throw new TransientError(`${label}: the response is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 80))})`, { context });
  }
}

function parsePageBody(body: unknown, endpoint: string, page: number, context: ErrorContext): PageBody {
  const object = (body ?? {}) as { items?: unknown; data?: unknown; totalCount?: unknown; hasMore?: unknown };
  // payments answers {data, hasMore}; everything else {items, totalCount}. Accept either anywhere.
  const items = Array.isArray(object.items) ? object.items : Array.isArray(object.data) ? object.data : undefined;
  if (!items) {
    throw new TerminalError(`BuildOps GET /v1/${endpoint} page ${page}: the answer has neither "items" nor "data" (${JSON.stringify(body).slice(0, 120)})`, {
      context,
    });
  }
  return {
    items,
    totalCount: typeof object.totalCount === 'number' ? object.totalCount : undefined,
    hasMore: typeof object.hasMore === 'boolean' ? object.hasMore : undefined,
  };
}

function causeMessage(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof Error ? cause.message : errorMessage(error);
}
