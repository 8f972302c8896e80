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
  /** The provider's own figures (JSON-safe), shown as `details` in the service's stats; must not throw. */
  stats?(): object;
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
   * Data of stream `id` was lost upstream though its `seq` goes on (a venue reconnect, a book
   * resync): every session receiving the stream gets a `gap` notice, in order with its messages.
   */
  gap(id: Identifier | string, reason: string): void;
  /**
   * Marks stream `id` stateful (README, "Stateful streams"): a session that starts receiving it
   * while it flows first gets `state()` as one message marked `state: true`, and only that
   * session. The service calls `state` right after routing the stream's latest message to
   * everyone else, so keep the state in step with what was emitted: change it and emit the
   * change in the same synchronous step. `state` returns undefined while there is no state;
   * `undefined` instead of a function unmarks the stream. The mark lasts for this provider
   * instance (a restart starts unmarked).
   */
  stateful(id: Identifier | string, state: (() => Payload | undefined) | undefined): void;
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

/**
 * What a bridge from another node (the cluster importer) gets beyond a provider's context: it
 * hands on messages that already have their position. The host's context implements it; ordinary
 * providers are typed against ProviderContext and never see it.
 */
export interface BridgeContext extends ProviderContext {
  /**
   * Hands on a message as the origin numbered it: `epoch`, `seq` and `ts` are kept as they are,
   * so clients see the origin's numbering and times. Pass the same string object for the same epoch.
   * `size` is the message's `messageBytes`, when the bridge already knows it (measured otherwise).
   */
  forward(id: Identifier | string, epoch: string, seq: number, ts: number, payload: Payload, eventTs?: number, size?: number): void;
}
