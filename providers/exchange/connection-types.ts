import type { JsonValue } from '../../common/json';
import type { Logger } from '../../common/logger';
import type { BackoffSettings } from '../../common/backoff';

export type JsonObject = { [key: string]: JsonValue };
/** A stream message's body: an object, or an array for the all-market streams. */
export type StreamPayload = JsonObject | JsonValue[];

/**
 * A control request's id as the venue echoes it: the connection numbers its requests, and a venue
 * may write the number as text (`"req_id":"7"`); ids are matched by their text.
 */
export type RequestId = number | string;

/** A decoded incoming frame; the venue's connection subclass knows the wire format. */
export type Frame =
  /**
   * The answer to request `id`. Venues that answer each stream of a request separately name it in
   * `streams`; the request stays open until every one of its streams is answered.
   */
  | { readonly kind: 'reply'; readonly id: RequestId; readonly error?: string; readonly streams?: readonly string[] }
  | { readonly kind: 'data'; readonly stream: string; readonly payload: StreamPayload }
  /** A text pong or a venue's keep-alive: it only shows the socket is alive. */
  | { readonly kind: 'heartbeat' }
  | { readonly kind: 'malformed'; readonly reason: string };

/** Shared by all connections of a provider and reported by its `stats()`. */
export interface ConnectionCounters {
  framesReceived: number;
  malformedFrames: number;
  duplicateFrames: number;
  controlMessages: number;
  reconnects: number;
  renewals: number;
  staleReplacements: number;
}

/** What a connection needs from the provider: time, timers, and where its news goes. */
export interface ConnectionHost {
  now(): number;
  setTimeout(callback: () => void, ms: number): () => void;
  setInterval(callback: () => void, ms: number): () => void;
  readonly logger: Logger;
  readonly counters: ConnectionCounters;
  fail(error: unknown): void;
  data(stream: string, payload: StreamPayload): void;
  streamDown(stream: string, reason: string): void;
  streamUp(stream: string): void;
  /** Milliseconds until another socket may open (0: now, and the slot is taken); absent: no limit. */
  connectSlot?(): number;
}

export interface ConnectionSettings {
  readonly messagesPerSecond: number;
  readonly streamsPerRequest: number;
  readonly ackTimeoutMs: number;
  readonly subscribeTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly staleTimeoutMs: number;
  readonly renewAfterMs: number;
  readonly backoff: BackoffSettings;
  /** Subscribe/unsubscribe requests per connection per rolling hour, for venues that budget them (pings aside). */
  readonly requestsPerHour?: number;
}
