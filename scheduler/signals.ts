/**
 * SIGINT and SIGTERM during `run` and `demo`: the first aborts the run's signal (the running
 * stage stops at its next batch, model or report, the open load rolls back, the run is stored
 * as cancelled) and the process exits 130 or 143; a second signal exits at once.
 */
import { CancelledError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

/** The exit code of a process ended by a signal: 128 + its number. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

/** A run ended by a signal: the CLI exits with its code. */
export class SignalExit extends CancelledError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'SignalExit';
  }
}

export interface SignalCancellation {
  signal: AbortSignal;
  /** The signal received, or null. */
  received(): HandledSignal | null;
  /** Removes the handlers (the run is over). */
  dispose(): void;
}

/** Turns SIGINT/SIGTERM into an abort of the returned signal while the run goes on. */
export function cancelOnSignals(logger: Logger): SignalCancellation {
  const controller = new AbortController();
  let received: HandledSignal | null = null;
  const handler = (name: HandledSignal): void => {
    if (received !== null) {
      process.stderr.write(`${name} again: exiting now, without waiting for the rollback.\n`);
      process.exit(SIGNAL_EXIT_CODES[name]);
    }
    received = name;
    logger.warn('run.cancelling', `${name}: cancelling the run; the open load rolls back and the run is stored as cancelled. Send it again to exit at once.`, {
      signal: name,
    });
    controller.abort(new CancelledError(`Cancelled by ${name}`));
  };
  const onInt = (): void => handler('SIGINT');
  const onTerm = (): void => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** Throws the exit for a run that a signal cancelled; does nothing otherwise. */
export function exitIfSignalled(cancellation: SignalCancellation, message: string): void {
  const name = cancellation.received();
  if (name !== null) throw new SignalExit(message, SIGNAL_EXIT_CODES[name]);
}
