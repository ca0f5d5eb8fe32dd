/**
 * Errors every stage raises. A TransientError is worth retrying (network, 429, 5xx, a lock);
 * anything else is terminal and its message says what to do next.
 */

/** A failure that may pass if the same call is tried again later. */
export class TransientError extends Error {
  /** Seconds the other side asked us to wait (Retry-After), when it said so. */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TransientError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Bad usage or configuration: the CLI exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure that retrying will not fix; the message names what failed and what to check. */
export class PlumblineError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PlumblineError';
  }
}

/** The message of anything thrown, for logs and summaries. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
