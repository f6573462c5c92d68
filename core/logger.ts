import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type Logger = PinoLogger;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The runtime's root logger, on stdout unless given a destination: JSON lines for machines, or with
 * format `pretty` (or `auto` on a terminal) one readable line per entry, printed in this process so that
 * nothing is lost at exit.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && destination === undefined && process.stdout.isTTY === true);
  const options = {
    level,
    base: { name: 'switchboard' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (!pretty) return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
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
  return pino({ ...options, formatters: {} }, stream);
}
