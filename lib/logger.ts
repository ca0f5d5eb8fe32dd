/**
 * The one logging interface every stage writes to. The scheduler decides how it is shown:
 * readable lines on a terminal, one JSON object per line otherwise. Secrets registered with
 * the logger are masked in every message and field before anything is written.
 */

import { maskText, maskValue } from './mask.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** What a stage needs to report progress and problems. */
export interface Logger {
  debug(event: string, message: string, fields?: LogFields): void;
  info(event: string, message: string, fields?: LogFields): void;
  warn(event: string, message: string, fields?: LogFields): void;
  error(event: string, message: string, fields?: LogFields): void;
}

export interface LogRecord {
  time: string;
  level: LogLevel;
  event: string;
  message: string;
  fields: LogFields;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** `json`: one JSON line per event; `human`: a readable line. */
  format: 'json' | 'human';
  level?: LogLevel;
  /** Values that must never be written (passwords, tokens, client secrets). */
  secrets?: readonly string[];
  write?: (line: string) => void;
  /**
   * Events shown as one line that updates in place on a terminal (page-by-page progress),
   * instead of a line each. JSON logs keep every event.
   */
  progressEvents?: readonly string[];
}

/** A logger writing to stderr (or `write`) with secrets masked. */
export function createLogger(options: LoggerOptions): Logger & { addSecret(value: string): void } {
  const secrets = new Set((options.secrets ?? []).filter((s) => s.length >= 4));
  const minimum = LEVEL_RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const progress = new Set(options.progressEvents ?? []);
  let progressShown = false;

  // The encoded line is masked again, in case a secret was split across values.
  const mask = (text: string): string => maskText(text, secrets);

  const emit = (level: LogLevel, event: string, message: string, fields: LogFields = {}): void => {
    if (LEVEL_RANK[level] < minimum) return;
    // Masked before encoding: JSON escapes a backslash, so `DOMAIN\user` would survive a mask of the encoded line.
    const record: LogRecord = { time: new Date().toISOString(), level, event, message: mask(message), fields: maskValue(fields, secrets) as LogFields };
    if (options.format === 'human' && progress.has(event) && !options.write) {
      // Overwrite the same terminal line: clear it, print, no newline.
      process.stderr.write(`\r\x1b[2K${mask(toHumanLine(record))}`);
      progressShown = true;
      return;
    }
    if (progressShown && !options.write) {
      process.stderr.write('\r\x1b[2K');
      progressShown = false;
    }
    write(mask(options.format === 'json' ? toJsonLine(record) : toHumanLine(record)));
  };

  return {
    debug: (e, m, f) => emit('debug', e, m, f),
    info: (e, m, f) => emit('info', e, m, f),
    warn: (e, m, f) => emit('warn', e, m, f),
    error: (e, m, f) => emit('error', e, m, f),
    addSecret: (value: string) => {
      if (value.length >= 4) secrets.add(value);
    },
  };
}

/** A logger that drops everything (library use, quiet tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function toJsonLine(record: LogRecord): string {
  return JSON.stringify({ time: record.time, level: record.level, event: record.event, message: record.message, ...record.fields }, jsonSafe);
}

function toHumanLine(record: LogRecord): string {
  const prefix = record.level === 'info' ? '' : `${record.level.toUpperCase()} `;
  return `${prefix}${record.message}`;
}

// BigInt and Error are not JSON by default; logs must never throw.
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A logger that adds `fields` to every event (a run's `run_id`, a stage's `stage`); the event's own fields win. */
export function withFields(logger: Logger, fields: LogFields): Logger {
  return {
    debug: (e, m, f) => logger.debug(e, m, { ...fields, ...f }),
    info: (e, m, f) => logger.info(e, m, { ...fields, ...f }),
    warn: (e, m, f) => logger.warn(e, m, { ...fields, ...f }),
    error: (e, m, f) => logger.error(e, m, { ...fields, ...f }),
  };
}
