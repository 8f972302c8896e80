import type { OverflowPolicy } from '../common/service-types';
import type { ClientError } from './errors';
import type { ClientMessage, Gap } from './messages';
import type { NoticeFrame, Resumed } from './protocol';
import type { TransportFactory } from './transport';

export interface ReconnectOptions {
  /** First delay before reconnecting (default 100 ms); doubles up to `maxMs` (default 5 s). */
  readonly initialMs?: number;
  readonly maxMs?: number;
  /** ± fraction of each delay, so many clients do not come back in lockstep (default 0.2). */
  readonly jitter?: number;
}

export interface ConnectOptions {
  readonly token?: string;
  /** How sockets are made; each entry point has its default (ws in Node, the global WebSocket in browsers). */
  readonly transport?: TransportFactory;
  /** Attach to this existing session instead of creating one. */
  readonly sessionId?: string;
  /** The session's idle timeout when the client creates one (server default otherwise). */
  readonly idleAfterMs?: number;
  readonly outBuffer?: number;
  readonly overflow?: OverflowPolicy;
  /** `false`: a lost connection closes the client. Default: reconnect with capped backoff. */
  readonly reconnect?: false | ReconnectOptions;
  /** How long an answer may take (default 30 s). */
  readonly askTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

/** After a reconnect: `resumed` means the same session was re-attached; else a new one has the same patterns. */
export interface ReconnectInfo {
  readonly resumed: boolean;
  readonly sessionId: string;
  /** What the server says the resume kept, when it says. */
  readonly kept?: Resumed;
}

export interface ClientEvents {
  readonly message: ClientMessage;
  readonly notice: NoticeFrame;
  readonly gap: Gap;
  readonly reconnect: ReconnectInfo;
  /** The connection was lost; a reconnect follows unless disabled. */
  readonly disconnect: { readonly code: number; readonly reason: string };
  /** An error the server sent that answers nothing waiting (a refused publish, carrying its `ref`). */
  readonly error: ClientError;
  readonly close: undefined;
}
