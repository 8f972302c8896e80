import type { JsonValue } from '../../common/json';
import type { Logger } from '../../common/logger';
import type { BackoffSettings } from '../../common/backoff';

export type JsonObject = { [key: string]: JsonValue };
/** A stream message's body: an object, or an array for the all-market streams. */
export type StreamPayload = JsonObject | JsonValue[];

/** A decoded incoming frame; the exchange-specific subclass knows the wire format. */
export type Frame =
  | { readonly kind: 'reply'; readonly id: number; readonly error?: string }
  | { readonly kind: 'data'; readonly stream: string; readonly payload: StreamPayload }
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
}
