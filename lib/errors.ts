/**
 * The one error model every stage raises. Each error is one of three kinds:
 * - `transient`: worth retrying (network blips, 429, 5xx, deadlocks, a lock held for now);
 * - `terminal`: retrying will not fix it; it carries `fix`, what a person must do next;
 * - `usage`: bad usage or configuration; the CLI exits with code 2.
 * Each carries its context (stage, source, resource, the record key where known), so a
 * message names what failed without the caller pasting it into the text.
 */

export type ErrorKind = 'transient' | 'terminal' | 'usage';

/** Where an error happened, as far as the raiser knows. */
export interface ErrorContext {
  stage?: string;
  source?: string;
  resource?: string;
  recordKey?: string;
  host?: string;
}

/**
 * How far a failure reaches: one `resource` (the default; the others go on), the whole `source`
 * (a login, DNS or certificate failure: its remaining resources are not tried, one message is
 * given, not one per resource), or the whole `run`.
 */
export type ErrorScope = 'resource' | 'source' | 'run';

export interface ErrorOptions {
  cause?: unknown;
  fix?: string;
  context?: ErrorContext;
  scope?: ErrorScope;
}

/** The base of every plumbline error: a kind, the fix for a person, and where it happened. */
export class PlumblineError extends Error {
  readonly kind: ErrorKind = 'terminal';
  /** What a person must do next, in words a user reads; null when nothing more than the message can be said. */
  readonly fix: string | null;
  readonly context: ErrorContext;
  readonly scope: ErrorScope;
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'PlumblineError';
    this.fix = options.fix ?? null;
    this.scope = options.scope ?? 'resource';
    this.context = { ...(options.cause instanceof PlumblineError ? options.cause.context : {}), ...options.context };
  }
}

/** A failure that retrying will not fix; `fix` says what a person must do. */
export class TerminalError extends PlumblineError {
  override readonly kind: ErrorKind = 'terminal';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** A failure that may pass if the same call is tried again later. */
export class TransientError extends PlumblineError {
  override readonly kind: ErrorKind = 'transient';
  /** Seconds the other side asked us to wait (Retry-After), when it said so. */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: ErrorOptions & { retryAfterSeconds?: number } = {}) {
    super(message, options);
    this.name = 'TransientError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Bad usage or configuration: the CLI exits with code 2. */
export class UsageError extends PlumblineError {
  override readonly kind: ErrorKind = 'usage';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The run (or a stage of it) was cancelled by a signal or a caller's AbortSignal. */
export class CancelledError extends PlumblineError {
  override readonly kind: ErrorKind = 'terminal';
  constructor(message = 'Cancelled', options: ErrorOptions = {}) {
    super(message, options);
    this.name = 'CancelledError';
  }
}

/** An error as stored and printed: kind, message, fix and context, whatever was thrown. */
export interface ErrorRecord {
  kind: ErrorKind;
  name: string;
  message: string;
  fix: string | null;
  context: ErrorContext;
  scope: ErrorScope;
}

/** Describes anything thrown as an ErrorRecord (an unknown error is terminal with no fix). */
export function describeError(error: unknown): ErrorRecord {
  if (error instanceof PlumblineError) {
    return { kind: error.kind, name: error.name, message: error.message, fix: error.fix, context: error.context, scope: error.scope };
  }
  if (error instanceof Error) return { kind: 'terminal', name: error.name, message: error.message, fix: null, context: {}, scope: 'resource' };
  return { kind: 'terminal', name: 'Error', message: String(error), fix: null, context: {}, scope: 'resource' };
}

/** Whether an error is worth retrying. */
export function isTransient(error: unknown): boolean {
  return error instanceof PlumblineError && error.kind === 'transient';
}

/** Whether an error came from cancellation (our CancelledError or an AbortSignal's AbortError). */
export function isCancellation(error: unknown): boolean {
  return error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError');
}

/** The message of anything thrown, for logs and summaries. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message and, when there is one, the fix: one line a person can act on. */
export function errorWithFix(error: unknown): string {
  const record = describeError(error);
  return record.fix && !record.message.includes(record.fix) ? `${record.message} — ${record.fix}` : record.message;
}

/**
 * A terminal failure worth one quick retry: the host's name did not resolve, it refused the
 * connection, it could not be routed to, or its certificate was not trusted. A DNS blip or a
 * service restarting passes within a second; anything longer will not pass by retrying, so the
 * shared retry policy (lib/retry.ts) tries once more, quickly, then stops.
 */
export class UnreachableError extends TerminalError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options);
    this.name = 'UnreachableError';
  }
}
