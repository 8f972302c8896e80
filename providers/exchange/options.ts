import { TesseraError } from '../../common/errors';
import { checks, type OptionCheck } from '../../common/option-checks';
import type { ConnectionSettings } from './connection-types';

/**
 * Options every venue on the exchange base takes. Every field is optional; `resolveExchangeOptions`
 * fills the venue's defaults and refuses values the venue would punish (its `VenueLimits`).
 */
export interface ExchangeOptions {
  /** Websocket host; the venue's connection appends its paths. */
  baseUrl?: string;
  /** Symbols that `expand` combines with the stream kinds, written as the venue writes them. */
  symbols?: readonly string[];
  /** Streams one connection carries before another is opened. */
  streamsPerConnection?: number;
  /** Control messages (subscribes, unsubscribes, our pings) per connection per rolling second. */
  controlMessagesPerSecond?: number;
  /** Streams named in one subscribe/unsubscribe message. */
  streamsPerRequest?: number;
  /** How long a sent subscribe/unsubscribe may wait for its reply. */
  ackTimeoutMs?: number;
  /** How long `subscribe()` waits, connecting included, before it reports a stream as failed. */
  subscribeTimeoutMs?: number;
  /** How long opening a socket may take. */
  connectTimeoutMs?: number;
  /** How often we ping the venue, so a silent but healthy connection is still heard from. */
  pingIntervalMs?: number;
  /** A connection that receives nothing (data, replies, pings, pongs) this long is replaced. */
  staleTimeoutMs?: number;
  /** Age at which a connection is replaced ahead of the venue's lifetime cut-off. */
  renewAfterMs?: number;
  /** Reconnect backoff: first delay, cap, and jitter as a fraction (0.2 = ±20 %). */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  reconnectJitter?: number;
  /** Random source for jitter, in [0, 1); tests pin it. */
  random?: () => number;
}

export type ResolvedExchangeOptions = Required<ExchangeOptions>;

/**
 * Defaults the venues share; a venue's defaults spread these and add its URL, symbols, request
 * size and keep-alive (and override what its documentation asks otherwise).
 */
export const EXCHANGE_DEFAULTS = {
  streamsPerConnection: 200,
  controlMessagesPerSecond: 5,
  ackTimeoutMs: 10_000,
  subscribeTimeoutMs: 15_000,
  connectTimeoutMs: 10_000,
  renewAfterMs: 23.5 * 60 * 60 * 1000,
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
  reconnectJitter: 0.2,
  random: Math.random,
} satisfies Partial<ResolvedExchangeOptions>;

/** What a venue documents and punishes; `resolveExchangeOptions` keeps options inside it. */
export interface VenueLimits {
  /** The provider type's name, used in error messages ("binance option …"). */
  readonly venue: string;
  readonly maxControlMessagesPerSecond: number;
  readonly maxStreamsPerConnection: number;
  readonly connectionLifetimeMs: number;
  /** A valid symbol, and how to say so when one is not. */
  readonly symbol: RegExp;
  readonly symbolRule: string;
}

/** Fills `defaults` and checks ranges; throws BAD_REQUEST naming the bad field. */
export function resolveExchangeOptions(limits: VenueLimits, defaults: ResolvedExchangeOptions, options: ExchangeOptions = {}): ResolvedExchangeOptions {
  const o: ResolvedExchangeOptions = { ...defaults };
  for (const [key, value] of Object.entries(options) as [keyof ExchangeOptions, unknown][]) {
    if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  }
  const bad = (field: string, problem: string): TesseraError =>
    new TesseraError('BAD_REQUEST', `${limits.venue} option ${field} ${problem}`, { details: { field } });
  const integer = (name: string, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max) throw bad(name, `must be an integer in [${min}, ${max}], got ${String(value)}`);
  };
  if (!/^wss?:\/\//.test(o.baseUrl)) throw bad('baseUrl', `must be a ws:// or wss:// URL, got ${o.baseUrl}`);
  o.baseUrl = o.baseUrl.replace(/\/+$/, '');
  for (const s of o.symbols) {
    if (typeof s !== 'string' || !limits.symbol.test(s)) throw bad('symbols', `must be ${limits.symbolRule}, got ${String(s)}`);
  }
  const lifetime = limits.connectionLifetimeMs;
  integer('streamsPerConnection', o.streamsPerConnection, 1, limits.maxStreamsPerConnection);
  integer('controlMessagesPerSecond', o.controlMessagesPerSecond, 1, limits.maxControlMessagesPerSecond);
  integer('streamsPerRequest', o.streamsPerRequest, 1, limits.maxStreamsPerConnection);
  for (const key of ['ackTimeoutMs', 'subscribeTimeoutMs', 'connectTimeoutMs', 'pingIntervalMs', 'staleTimeoutMs', 'reconnectInitialMs'] as const) {
    integer(key, o[key], 1, lifetime);
  }
  integer('reconnectMaxMs', o.reconnectMaxMs, o.reconnectInitialMs, lifetime);
  integer('renewAfterMs', o.renewAfterMs, 1, lifetime - 1);
  if (!(o.reconnectJitter >= 0 && o.reconnectJitter < 1)) throw bad('reconnectJitter', `must be in [0, 1), got ${o.reconnectJitter}`);
  if (o.staleTimeoutMs <= o.pingIntervalMs) throw bad('staleTimeoutMs', 'must exceed pingIntervalMs, or quiet connections would look dead');
  return o;
}

/** The part of the options each connection runs on. */
export function connectionSettings(o: ResolvedExchangeOptions): ConnectionSettings {
  return {
    messagesPerSecond: o.controlMessagesPerSecond,
    streamsPerRequest: o.streamsPerRequest,
    ackTimeoutMs: o.ackTimeoutMs,
    subscribeTimeoutMs: o.subscribeTimeoutMs,
    connectTimeoutMs: o.connectTimeoutMs,
    pingIntervalMs: o.pingIntervalMs,
    staleTimeoutMs: o.staleTimeoutMs,
    renewAfterMs: o.renewAfterMs,
    backoff: { initialMs: o.reconnectInitialMs, maxMs: o.reconnectMaxMs, jitter: o.reconnectJitter, random: o.random },
  };
}

/** The configuration file's checks for these options (`random` is for tests only). */
export const EXCHANGE_OPTION_CHECKS: { readonly [K in keyof Omit<ExchangeOptions, 'random'>]-?: OptionCheck } = {
  baseUrl: checks.string,
  symbols: checks.arrayOf(checks.string),
  streamsPerConnection: checks.integer(1),
  controlMessagesPerSecond: checks.integer(1),
  streamsPerRequest: checks.integer(1),
  ackTimeoutMs: checks.integer(1),
  subscribeTimeoutMs: checks.integer(1),
  connectTimeoutMs: checks.integer(1),
  pingIntervalMs: checks.integer(1),
  staleTimeoutMs: checks.integer(1),
  renewAfterMs: checks.integer(1),
  reconnectInitialMs: checks.integer(1),
  reconnectMaxMs: checks.integer(1),
  reconnectJitter: checks.number,
};
