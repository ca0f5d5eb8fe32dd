/**
 * The BuildOps REST client: a token refreshed before it expires (and once on a 401), the
 * `tenantId` header, a bounded number of requests in flight, retries with exponential backoff
 * and jitter on 429/5xx/resets (honouring Retry-After above a floor), and paging through every
 * quirk of docs/sources.md. Secrets are passed in; nothing here reads the environment.
 */
import { PlumblineError, TransientError, errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';

export interface RetryOptions {
  /** Attempts per request, the first included (default 6). */
  maxAttempts?: number;
  /** First backoff delay (default 500 ms), doubled per attempt, with jitter. */
  baseDelayMs?: number;
  /** Longest backoff delay (default 30 s); a longer Retry-After is still honoured up to 5 minutes. */
  maxDelayMs?: number;
  /** Shortest wait before a retry, whatever Retry-After says (default 250 ms), so `Retry-After: 0` never spins. */
  minDelayMs?: number;
}

export interface BuildOpsClientOptions {
  baseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Records per page (1..100, default 100). */
  pageSize?: number;
  /** Requests in flight at once, across every endpoint of this client (default 4). */
  maxInFlight?: number;
  retry?: RetryOptions;
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

const MAX_RETRY_AFTER_MS = 5 * 60_000;
// Refresh a token this long before it expires, so a request never leaves with a dying one.
const TOKEN_MARGIN_MS = 60_000;
const MAX_PAGES = 1_000_000;

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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
  private readonly pageSize: number;
  private readonly maxInFlight: number;
  private readonly slots: Semaphore;
  private readonly logger: Logger;
  private readonly retry: Required<RetryOptions>;
  private readonly timeoutMs: number;
  private token: { value: string; expiresAt: number } | undefined;
  private tokenRequest: Promise<string> | undefined;

  constructor(private readonly options: BuildOpsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.pageSize = Math.min(100, Math.max(1, Math.floor(options.pageSize ?? 100)));
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 4));
    this.slots = new Semaphore(this.maxInFlight);
    this.logger = options.logger ?? silentLogger;
    this.retry = {
      maxAttempts: Math.max(1, options.retry?.maxAttempts ?? 6),
      baseDelayMs: options.retry?.baseDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
      minDelayMs: options.retry?.minDelayMs ?? 250,
    };
    this.timeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  /**
   * Every page of an endpoint in page order, several requested at once. Stops at an empty page;
   * else `payments` at `hasMore: false`, `service-agreements` only at an empty page (it caps
   * pages at 10 whatever `limit` says), the others once `totalCount` records have come. A short
   * page is never the end.
   */
  async *pages(endpoint: string, query: { updatedAfter?: string; signal?: AbortSignal } = {}): AsyncGenerator<BuildOpsPage> {
    const started = performance.now();
    const inFlight = new Map<number, Promise<PageBody>>();
    let nextToRequest = 0;
    let received = 0;
    let total: number | undefined;
    let hasMore: boolean | undefined;
    let serverPageSize = this.pageSize;
    // Pages prefetched past the end are abandoned when paging stops: cancel their retries too.
    const stop = new AbortController();
    const signal = query.signal ? AbortSignal.any([query.signal, stop.signal]) : stop.signal;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        // How many pages are worth asking for now: the first alone (it tells the total), then
        // what the total leaves, up to the in-flight bound.
        let ahead = 1;
        if (page > 0) {
          if (total !== undefined && endpoint !== 'service-agreements') ahead = Math.ceil(Math.max(total - received, 0) / serverPageSize);
          else if (total !== undefined) ahead = Math.ceil(Math.max(total - received, 0) / serverPageSize) + 1;
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
        if (page === 0 && endpoint === 'service-agreements' && body.items.length > 0) serverPageSize = body.items.length;
        yield { endpoint, page, items: body.items, received, seconds: (performance.now() - started) / 1000 };
        if (body.items.length === 0) return;
        if (endpoint === 'payments' ? hasMore === false : endpoint !== 'service-agreements' && total !== undefined && received >= total) return;
      }
      throw new PlumblineError(`BuildOps ${endpoint}: more than ${MAX_PAGES} pages; the API keeps answering, check ${this.baseUrl}`);
    } finally {
      stop.abort();
      inFlight.clear();
    }
  }

  private async fetchPage(endpoint: string, page: number, updatedAfter: string | undefined, signal: AbortSignal | undefined): Promise<PageBody> {
    const params = new URLSearchParams({ page: String(page) });
    // employees takes page_size and answers 400 to limit; it has no updatedAfter either.
    if (endpoint === 'employees') params.set('page_size', String(this.pageSize));
    else {
      params.set('limit', String(this.pageSize));
      if (updatedAfter) params.set('updatedAfter', updatedAfter);
    }
    const body = await this.get(`/v1/${endpoint}?${params.toString()}`, { endpoint, page }, signal);
    return parsePageBody(body, endpoint, page);
  }

  /** GET a path with auth, bounded concurrency and retries; returns the parsed JSON body. */
  async get(path: string, where: { endpoint: string; page?: number }, signal?: AbortSignal): Promise<unknown> {
    const label = `GET ${path.split('?')[0]}${where.page === undefined ? '' : ` page ${where.page}`}`;
    let refreshedOn401 = false;
    for (let attempt = 1; ; attempt++) {
      let failure: TransientError;
      signal?.throwIfAborted();
      await this.slots.acquire();
      try {
        // The token request is shared by every endpoint: one caller's cancellation must not fail the others.
        const token = await this.accessToken();
        const response = await this.send(`${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}`, tenantId: this.options.tenantId } }, signal);
        if (response.ok) return await readJson(response, label);
        if (response.status === 401) {
          await response.body?.cancel().catch(() => undefined);
          if (!refreshedOn401) {
            // The token expired or was revoked early: get a new one and try again, once.
            refreshedOn401 = true;
            this.invalidateToken(token);
            this.logger.warn('extract.token', `BuildOps ${label}: 401, refreshing the token and retrying`, { endpoint: where.endpoint, page: where.page });
            attempt--;
            continue;
          }
          throw new PlumblineError(
            `BuildOps ${label} answered 401 Unauthorized even with a fresh token: check BUILDOPS_CLIENT_ID/BUILDOPS_CLIENT_SECRET and the tenant id`,
          );
        }
        if (response.status === 403) {
          throw new PlumblineError(
            `BuildOps ${label} answered 403 Forbidden (${await bodySnippet(response)}): check the tenant id (sources.buildops tenant) for these credentials`,
          );
        }
        if (response.status === 429 || response.status >= 500) {
          failure = new TransientError(`HTTP ${response.status} (${await bodySnippet(response)})`, {
            retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')),
          });
        } else {
          throw new PlumblineError(
            `BuildOps ${label} answered ${response.status} (${await bodySnippet(response)}): the request was refused; check the base URL ${this.baseUrl}`,
          );
        }
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        failure = error;
      } finally {
        this.slots.release();
      }
      if (attempt >= this.retry.maxAttempts) {
        throw new PlumblineError(
          `BuildOps ${label} failed after ${attempt} attempts: ${failure.message}. Check that ${this.baseUrl} is reachable and BuildOps is up, then run again`,
          { cause: failure },
        );
      }
      const delayMs = this.delayFor(attempt, failure.retryAfterSeconds);
      this.logger.warn('extract.retry', `BuildOps ${label}: ${failure.message}; retry ${attempt + 1} of ${this.retry.maxAttempts} in ${delayMs} ms`, {
        endpoint: where.endpoint,
        page: where.page,
        attempt,
        delayMs,
        reason: failure.message,
      });
      await sleep(delayMs, signal);
    }
  }

  private delayFor(attempt: number, retryAfter: number | undefined): number {
    const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter over the upper half keeps parallel clients from retrying in step.
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const wanted = retryAfter === undefined ? jittered : Math.min(MAX_RETRY_AFTER_MS, retryAfter * 1000);
    return Math.round(Math.max(this.retry.minDelayMs, wanted));
  }

  /** One fetch with a timeout; network failures (resets, refused, cut bodies) are transient. */
  private async send(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new TransientError(`connection failed (${networkReason(error)})`, { cause: error });
    }
  }

  private invalidateToken(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  /** The current token, fetched or refreshed when missing or about to expire (one request at a time). */
  private async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.value;
    this.tokenRequest ??= this.requestToken().finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  private async requestToken(): Promise<string> {
    const label = 'POST /v1/auth/token';
    for (let attempt = 1; ; attempt++) {
      let failure: TransientError;
      try {
        const response = await this.send(
          `${this.baseUrl}/v1/auth/token`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ clientId: this.options.clientId, clientSecret: this.options.clientSecret }),
          },
          undefined,
        );
        if (response.ok) {
          const body = (await readJson(response, label)) as { access_token?: unknown; expires_in?: unknown };
          if (typeof body.access_token !== 'string' || body.access_token === '') {
            throw new PlumblineError(`BuildOps ${label} answered without an access_token: check the base URL ${this.baseUrl}`);
          }
          const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
          // Short-lived tokens keep most of their life: never refresh earlier than halfway.
          this.token = { value: body.access_token, expiresAt: Date.now() + lifetimeMs - Math.min(TOKEN_MARGIN_MS, lifetimeMs / 2) };
          return body.access_token;
        }
        if (response.status === 400 || response.status === 401 || response.status === 403) {
          throw new PlumblineError(
            `BuildOps refused the client credentials (${label} answered ${response.status}: ${await bodySnippet(response)}): check BUILDOPS_CLIENT_ID/BUILDOPS_CLIENT_SECRET and the tenant id`,
          );
        }
        if (response.status === 429 || response.status >= 500) {
          failure = new TransientError(`HTTP ${response.status} (${await bodySnippet(response)})`, {
            retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')),
          });
        } else {
          throw new PlumblineError(`BuildOps ${label} answered ${response.status} (${await bodySnippet(response)}): check the base URL ${this.baseUrl}`);
        }
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        failure = error;
      }
      if (attempt >= this.retry.maxAttempts) {
        throw new PlumblineError(
          `BuildOps ${label} failed after ${attempt} attempts: ${failure.message}. Check that ${this.baseUrl} is reachable, then run again`,
          {
            cause: failure,
          },
        );
      }
      const delayMs = this.delayFor(attempt, failure.retryAfterSeconds);
      this.logger.warn('extract.retry', `BuildOps ${label}: ${failure.message}; retry ${attempt + 1} of ${this.retry.maxAttempts} in ${delayMs} ms`, {
        attempt,
        delayMs,
        reason: failure.message,
      });
      await sleep(delayMs);
    }
  }
}

/** Reads a JSON body; a body cut mid-way (a reset after the headers) is transient. */
async function readJson(response: Response, label: string): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new TransientError(`the response was cut off (${networkReason(error)})`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch {
    // A truncated body parses as nothing; a complete non-JSON body will not improve on retry either way.
    throw new TransientError(`${label}: the response is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 80))})`);
  }
}

function parsePageBody(body: unknown, endpoint: string, page: number): PageBody {
  const object = (body ?? {}) as { items?: unknown; data?: unknown; totalCount?: unknown; hasMore?: unknown };
  // payments answers {data, hasMore}; everything else {items, totalCount}. Accept either anywhere.
  const items = Array.isArray(object.items) ? object.items : Array.isArray(object.data) ? object.data : undefined;
  if (!items) {
    throw new PlumblineError(`BuildOps GET /v1/${endpoint} page ${page}: the answer has neither "items" nor "data" (${JSON.stringify(body).slice(0, 120)})`);
  }
  return {
    items,
    totalCount: typeof object.totalCount === 'number' ? object.totalCount : undefined,
    hasMore: typeof object.hasMore === 'boolean' ? object.hasMore : undefined,
  };
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return errorMessage(error);
}
