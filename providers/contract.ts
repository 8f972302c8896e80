import type { Clock } from '../common/clock';
import type { JsonValue, Payload } from '../common/json';
import type { Logger } from '../common/logger';
import type { Identifier } from '../router/identifier';
import type { Pattern } from '../router/pattern';

/** A stream the provider could not start, and why (it becomes STREAM_START_FAILED for the caller). */
export interface StreamFailure {
  readonly id: Identifier;
  readonly reason: string;
}

/** What `subscribe` may report: the streams it refused. Everything not listed is running. */
export interface SubscribeResult {
  readonly failed?: readonly StreamFailure[];
}

/**
 * A source of streams. The hosting actor calls these one at a time, never concurrently — with
 * one exception: after a crash, `stop()` is called (best effort) to release the instance's
 * sockets and timers even if a call that timed out or was cut short by `ctx.fail` is still
 * pending inside it.
 *
 * Refuse a stream by listing it in `SubscribeResult.failed`. A throw, a rejected promise or
 * `ctx.fail` is a crash instead: the provider is stopped and restarted under supervision (a
 * fresh instance when a factory was given). Calls that hang past the service's
 * `providerCallTimeoutMs` count as crashes too (requests only fail with TIMEOUT).
 */
export interface Provider {
  start(ctx: ProviderContext): void | Promise<void>;
  stop(): void | Promise<void>;
  subscribe(ids: readonly Identifier[]): void | SubscribeResult | Promise<void | SubscribeResult>;
  unsubscribe(ids: readonly Identifier[]): void | Promise<void>;
  /** Why `id` can never be a stream of this provider, or undefined when it can. */
  validate?(id: Identifier): string | undefined;
  /** The streams a wildcard pattern should start (none without `expand`). */
  expand?(pattern: Pattern): readonly Identifier[] | Promise<readonly Identifier[]>;
  request?(id: Identifier, body: JsonValue): JsonValue | Promise<JsonValue>;
}

/** Given instead of an instance so every restart gets a fresh provider. */
export type ProviderFactory = () => Provider;

/** What a provider gets from its host. Valid until the provider is stopped. */
export interface ProviderContext {
  /** The provider's name, which is also its namespace. */
  readonly name: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Hands one message to the router. `id` is an Identifier, or its text; text without a
   * namespace (`btcusdt.trade`) is taken to be in this provider's namespace. Text is parsed
   * once per distinct string, so reuse the same strings.
   */
  emit(id: Identifier | string, payload: Payload, eventTs?: number): void;
  /**
   * Hands on a message that already has its `seq` and `ts` (a bridge from another node): they
   * are kept as they are, so clients see the origin's numbering and times.
   */
  forward(id: Identifier | string, seq: number, ts: number, payload: Payload, eventTs?: number): void;
  /** A stream stopped flowing (for example its upstream connection dropped). */
  streamDown(id: Identifier, reason: string): void;
  streamUp(id: Identifier): void;
  /** The whole provider lost its upstream; clients get provider-down until providerUp. */
  providerDown(reason: string): void;
  providerUp(): void;
  /** Crash the provider from anywhere (a socket callback, a timer): supervision restarts it. */
  fail(error: unknown): void;
  /** Timers that die with the provider and whose throws become crashes. */
  setTimeout(callback: () => void, ms: number): () => void;
  setInterval(callback: () => void, ms: number): () => void;
}
