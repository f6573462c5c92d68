import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type Logger = PinoLogger;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** What a log line's text passes through before it is written (the guards' `text`). */
export type TextGuard = (text: string) => string;

const guards = new WeakMap<Logger, { text: TextGuard | null }>();

function guardedBy(log: Logger, guard: { text: TextGuard | null }): Logger {
  guards.set(log, guard);
  return log;
}

/**
 * The runtime's root logger, on stdout unless given a destination: JSON lines for machines, or with
 * format `pretty` (or `auto` on a terminal) one readable line per entry, printed in this process so that
 * nothing is lost at exit.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && destination === undefined && process.stdout.isTTY === true);
  const guard: { text: TextGuard | null } = { text: null };
  const options = {
    level,
    base: { name: 'switchboard' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    hooks: {
      // Every string of a line (its message, fields, errors) through the guard: log lines leave the process too.
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: Logger['info']) {
        const text = guard.text;
        if (!text) return method.apply(this, args);
        return method.apply(this, args.map((a) => guarded(a, text, 0)) as Parameters<Logger['info']>);
      },
    },
  };
  if (!pretty) return guardedBy(pino(options, destination ?? pino.destination({ dest: 1, sync: false })), guard);
  const stream = PinoPretty({
    colorize: destination === undefined && process.stdout.isTTY === true,
    sync: true,
    destination: destination ?? 1,
    translateTime: 'SYS:HH:MM:ss.l',
    // The start-up summary's lines are the message; its JSON copy (details, health) would repeat them.
    ignore: 'pid,hostname,name,summary,details,health',
    messageFormat: (entry, key) => (typeof entry.summary === 'string' ? `${String(entry[key])}\n${entry.summary}` : String(entry[key])),
    messageKey: 'msg',
    singleLine: true,
  });
  // pino-pretty reads the numeric levels pino writes by default, so no level formatter here.
  return guardedBy(pino({ ...options, formatters: {} }, stream), guard);
}
/** Sets what the text of every line of `log` (a root logger from createLogger) and its children passes through. */
export function setTextGuard(log: Logger, text: TextGuard | null): void {
  const guard = guards.get(log);
  if (guard) guard.text = text;
}

// Deeper than any log line's fields go; beyond it values are written as they are.
const MAX_DEPTH = 4;

function guarded(value: unknown, text: TextGuard, depth: number): unknown {
  if (typeof value === 'string') return text(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) {
    // Of the same class, so that the line names the error's type as before.
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error;
    Object.defineProperty(copy, 'message', { value: text(value.message), writable: true, configurable: true });
    Object.defineProperty(copy, 'stack', { value: value.stack === undefined ? undefined : text(value.stack), writable: true, configurable: true });
    for (const key of Object.keys(value)) (copy as unknown as Record<string, unknown>)[key] = guarded((value as unknown as Record<string, unknown>)[key], text, depth + 1);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => guarded(v, text, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = guarded((value as Record<string, unknown>)[key], text, depth + 1);
  return out;
}
