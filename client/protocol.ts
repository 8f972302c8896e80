import type { Notice } from '../common/envelope';
import type { ErrorCode } from '../common/errors';
import type { JsonValue } from '../common/json';
import type { ExplainResult, OverflowPolicy, ServiceStats } from '../common/service-types';

/**
 * The gateway's WebSocket protocol as types, shared by the gateway (which parses and encodes
 * these frames) and the client library (which sends and reads them). Types only: nothing here
 * runs, so the browser build of the client carries no server code.
 */

/** What a client may put in `ref`; it comes back unchanged on the answer. */
export type Ref = string | number;

/** Every client → server frame (README, "WebSocket protocol"). */
export type ClientFrame =
  | { readonly op: 'session.create'; readonly ref?: Ref; readonly idleAfterMs?: number }
  | { readonly op: 'session.attach'; readonly ref?: Ref; readonly sessionId: string; readonly outBuffer?: number; readonly overflow?: OverflowPolicy }
  | { readonly op: 'session.configure'; readonly ref?: Ref; readonly patterns: readonly string[]; readonly last?: boolean }
  | { readonly op: 'session.detach'; readonly ref?: Ref }
  | { readonly op: 'session.close'; readonly ref?: Ref }
  | { readonly op: 'publish'; readonly ref?: Ref; readonly id: string; readonly payload: JsonValue }
  | { readonly op: 'request'; readonly ref?: Ref; readonly id: string; readonly body: JsonValue }
  | { readonly op: 'explain'; readonly ref?: Ref; readonly pattern: string }
  | { readonly op: 'stats'; readonly ref?: Ref };

export type ClientOp = ClientFrame['op'];

/** Codes on `error` frames: the service's, plus INTERNAL for a gateway bug (never expected). */
export type GatewayErrorCode = ErrorCode | 'INTERNAL';

/** What an attach says a resume kept, when the server reports it. */
export interface Resumed {
  readonly buffered: number;
  readonly dropped: number;
}

/** Every server → client frame that answers a request (they echo its `ref`). */
export type AnswerFrame =
  | { readonly op: 'session.created'; readonly sessionId: string }
  | { readonly op: 'attached'; readonly sessionId: string; readonly resumed?: Resumed }
  | { readonly op: 'configured'; readonly patterns: readonly string[] }
  | { readonly op: 'detached' }
  | { readonly op: 'closed' }
  | { readonly op: 'reply'; readonly ok: true; readonly body: JsonValue }
  | { readonly op: 'reply'; readonly ok: false; readonly code: GatewayErrorCode; readonly message: string }
  | ({ readonly op: 'explained' } & ExplainResult)
  | ({ readonly op: 'stats' } & ServiceStats)
  | { readonly op: 'error'; readonly code: GatewayErrorCode; readonly message: string };

/** One message on the wire; bytes payloads travel base64-encoded in `bytes` instead of `payload`. */
export interface MsgFrame {
  readonly op: 'msg';
  readonly id: string;
  readonly seq: number;
  readonly ts: number;
  readonly eventTs?: number;
  /** Names the origin of the seq counter; a new epoch means counting started again. */
  readonly epoch?: string;
  readonly payload?: JsonValue;
  readonly bytes?: string;
  /** The stream's latest message, sent first on a subscribe with `last`. */
  readonly cached?: boolean;
  /** The stream's current state, sent first to a session joining a stateful stream. */
  readonly state?: boolean;
}

export interface BatchFrame {
  readonly op: 'batch';
  readonly items: readonly MsgFrame[];
}

type WireNotice<N> = N extends { readonly type: 'notice' } ? { readonly op: 'notice' } & Omit<N, 'type'> : never;

/** A notice on the wire: the library's `Notice` with `op` in place of `type`. */
export type NoticeFrame = WireNotice<Notice>;

/** Any frame the server sends; answers carry the `ref` of what they answer. */
export type ServerFrame = (AnswerFrame & { readonly ref?: Ref }) | MsgFrame | BatchFrame | NoticeFrame;

/** The answer each op gets when it succeeds (`publish` has none). */
export interface AnswerTo {
  readonly 'session.create': Extract<AnswerFrame, { op: 'session.created' }>;
  readonly 'session.attach': Extract<AnswerFrame, { op: 'attached' }>;
  readonly 'session.configure': Extract<AnswerFrame, { op: 'configured' }>;
  readonly 'session.detach': Extract<AnswerFrame, { op: 'detached' }>;
  readonly 'session.close': Extract<AnswerFrame, { op: 'closed' }>;
  readonly request: Extract<AnswerFrame, { op: 'reply' }>;
  readonly explain: Extract<AnswerFrame, { op: 'explained' }>;
  readonly stats: Extract<AnswerFrame, { op: 'stats' }>;
}

export type AskOp = keyof AnswerTo;
