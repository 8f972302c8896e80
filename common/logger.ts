import winston from 'winston';

/** Structured fields of one entry: ids and numbers as fields, never built into the message. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The project's logger: what components use, nothing more. `createLogger` gives a winston logger
 * (which has these methods); any object with them can be passed in instead.
 */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** A logger whose entries all carry `fields` (for example `{ cmp: 'manager' }`). */
  child(fields: LogFields): Logger;
}

const LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

/** Level from LOG_LEVEL (default `info`; `silent` turns logging off). */
export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const level = (env.LOG_LEVEL ?? 'info').toLowerCase();
  return level === 'silent' || LEVELS.includes(level) ? level : 'info';
}

/**
 * The root logger: JSON lines on stderr so stdout stays free for data (NDJSON, the URL line).
 * Components take `child({ cmp })` of it; ids go in fields, never into the message text.
 */
export function createLogger(options: { level?: string; silent?: boolean } = {}): Logger {
  const level = options.level ?? levelFromEnv();
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: options.silent ?? level === 'silent',
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: LEVELS })],
  });
}

/** A logger that drops everything, for tests and benchmarks. */
export function silentLogger(): Logger {
  return createLogger({ silent: true });
}
