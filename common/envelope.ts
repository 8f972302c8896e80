import type { Payload } from './json';

/**
 * One market-data message. Created once when the service takes it in and shared, unchanged, by
 * every session it is routed to: treat it as read-only.
 */
export interface MessageEnvelope {
  readonly type: 'message';
  /** Canonical identifier of the stream. */
  readonly id: string;
  /** Per-stream counter: +1 for every message emitted on the stream in this service's life. */
  readonly seq: number;
  /**
   * Names the origin of `seq` (this service's counters, or a remote exporter's): `(epoch, seq)`
   * is the position. A new epoch means counting started again. One shared string per origin.
   */
  readonly epoch: string;
  /** Milliseconds since the epoch when the service took the message in. */
  readonly ts: number;
  /** Source time, when the provider knows it. */
  readonly eventTs?: number;
  readonly payload: Payload;
  /**
   * What the message costs a buffer in bytes (an estimate of its encoded size), computed once
   * when the service takes it in; out-buffers and send queues are bounded by it.
   */
  readonly size?: number;
  /** The stream's current state, given to this session alone as it joined (README, stateful streams). */
  readonly state?: true;
  /** The stream's latest message, repeated for a session that subscribed with `last` (README). */
  readonly cached?: true;
}

export type ProviderDownReason = 'crashed' | 'gave-up' | 'reported' | 'removed';
export type SessionClosedReason = 'closed' | 'idle' | 'restart-limit' | 'shutdown';

/** Out-of-band news about a session's streams. Notices are never dropped. */
export type Notice =
  /** Messages were dropped since the last notice (`count`); `total` is the session's running total. */
  | { readonly type: 'notice'; readonly kind: 'dropped'; readonly count: number; readonly total: number }
  /** Patterns removed from the session because their namespace went away. */
  | { readonly type: 'notice'; readonly kind: 'unbound'; readonly namespace: string; readonly patterns: readonly string[] }
  | { readonly type: 'notice'; readonly kind: 'provider-down'; readonly provider: string; readonly reason: ProviderDownReason; readonly message?: string }
  | { readonly type: 'notice'; readonly kind: 'provider-up'; readonly provider: string }
  | { readonly type: 'notice'; readonly kind: 'stream-down'; readonly id: string; readonly reason: string }
  | { readonly type: 'notice'; readonly kind: 'stream-up'; readonly id: string }
  /** Data of the stream was lost upstream though `seq` goes on (a reconnect, a resync, a restart). */
  | { readonly type: 'notice'; readonly kind: 'gap'; readonly id: string; readonly reason: string }
  | { readonly type: 'notice'; readonly kind: 'session-closed'; readonly reason: SessionClosedReason }
  /** The client was cut off by the `disconnect` overflow policy; the session lives on. */
  | { readonly type: 'notice'; readonly kind: 'disconnected'; readonly reason: 'slow-client'; readonly dropped: number };

export type NoticeKind = Notice['kind'];

export type Envelope = MessageEnvelope | Notice;
