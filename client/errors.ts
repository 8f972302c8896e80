import type { GatewayErrorCode } from './protocol';

/** The server's codes, plus what can go wrong on the client's side of the wire. */
export type ClientErrorCode =
  | GatewayErrorCode
  /** The socket could not be opened (refused, unreachable, HTTP status in `status`). */
  | 'CONNECT_FAILED'
  /** The socket went away before the answer came. */
  | 'CONNECTION_LOST'
  /** Nothing came back within the ask timeout (TIMEOUT is the server's own). */
  | 'NO_ANSWER'
  /** The client was closed. */
  | 'CLOSED';

/** Every failure the client reports; `code` is stable, `message` is for people. */
export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** The HTTP status of a refused upgrade (401: a token is needed). */
  readonly status: number | undefined;

  /** The `ref` of the frame this error answers, when it answers one. */
  readonly ref: string | number | undefined;

  constructor(code: ClientErrorCode, message: string, options: { status?: number; ref?: string | number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
    this.status = options.status;
    this.ref = options.ref;
  }
}

/** Code of anything thrown: a ClientError's or TesseraError's code, else undefined. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
