/** Every failure the service reports carries one of these stable codes. */
export const ERROR_CODES = [
  'SESSION_NOT_FOUND',
  'CLIENT_ALREADY_ATTACHED',
  'CLIENT_NOT_ATTACHED',
  'PROVIDER_EXISTS',
  'PROVIDER_NOT_FOUND',
  'PROVIDER_START_FAILED',
  'INVALID_IDENTIFIER',
  'INVALID_PATTERN',
  'UNKNOWN_NAMESPACE',
  'STREAM_START_FAILED',
  'FORBIDDEN_NAMESPACE',
  'NOT_SUPPORTED',
  'LIMIT_EXCEEDED',
  'TIMEOUT',
  'BAD_REQUEST',
  'SHUTTING_DOWN',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error class the service throws; `code` is stable, `message` is for people. */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  /** Structured facts about the failure (the pattern at fault, the limit hit, …). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isTesseraError(value: unknown, code?: ErrorCode): value is TesseraError {
  return value instanceof TesseraError && (code === undefined || value.code === code);
}

/** Turns anything thrown into an Error, keeping the original as `cause`. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : safeDescribe(value), { cause: value });
}

function safeDescribe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
