// Root logger: JSON by default, pretty on a TTY, with secrets redacted by key name.
import { pino } from 'pino';
import { loggerRedactPaths, redacted } from '../config/secrets.ts';
import type { Logger } from './Logger.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  readonly name?: string;
  /** Where JSON lines go (default stdout); tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty =
    options.format === 'pretty' ||
    (options.format !== 'json' && !options.destination && process.stdout.isTTY === true);
  const base = {
    name: options.name ?? 'cubebridge',
    level: options.level ?? 'info',
    redact: { paths: loggerRedactPaths, censor: redacted },
  };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

/** A child logger for one component (`sip`, `media`, `platform`, `plugin:<name>`). */
export function componentLogger(root: Logger, component: string): Logger {
  return root.child({ component });
}
