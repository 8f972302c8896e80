import { TesseraError } from '../../common/errors';

/**
 * Options of the Binance USD-M futures provider. Every field is optional; `resolveOptions` fills
 * the defaults and refuses values the exchange would punish (see the limits quoted below).
 */
export interface BinanceOptions {
  /** Websocket host. Connections go to `<baseUrl>/public/stream` or `<baseUrl>/market/stream`. */
  baseUrl?: string;
  /** Symbols (lower case) that `expand` combines with the stream kinds. */
  symbols?: readonly string[];
  /** Streams one connection carries before another is opened (exchange maximum 1024). */
  streamsPerConnection?: number;
  /** Control messages (SUBSCRIBE, UNSUBSCRIBE, our pings) per connection per rolling second. */
  controlMessagesPerSecond?: number;
  /** Streams named in one SUBSCRIBE/UNSUBSCRIBE message. */
  streamsPerRequest?: number;
  /** How long a sent SUBSCRIBE/UNSUBSCRIBE may wait for its reply. */
  ackTimeoutMs?: number;
  /** How long `subscribe()` waits, connecting included, before it reports a stream as failed. */
  subscribeTimeoutMs?: number;
  /** How long opening a socket may take. */
  connectTimeoutMs?: number;
  /** How often we ping the exchange, so a silent but healthy connection still hears pongs. */
  pingIntervalMs?: number;
  /** A connection that receives nothing (data, replies, pings, pongs) this long is replaced. */
  staleTimeoutMs?: number;
  /** Age at which a connection is replaced ahead of the exchange's 24-hour cut-off. */
  renewAfterMs?: number;
  /** Reconnect backoff: first delay, cap, and jitter as a fraction (0.2 = ±20 %). */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  reconnectJitter?: number;
  /** Random source for jitter, in [0, 1); tests pin it. */
  random?: () => number;
}

export type ResolvedBinanceOptions = Required<BinanceOptions>;

/** Documented limits: 10 incoming messages/s per connection (pings and pongs count), 1024 streams, 24 h. */
export const EXCHANGE_MESSAGES_PER_SECOND = 10;
export const EXCHANGE_STREAMS_PER_CONNECTION = 1024;
export const EXCHANGE_CONNECTION_LIFETIME_MS = 24 * 60 * 60 * 1000;

export const BINANCE_DEFAULTS: ResolvedBinanceOptions = {
  baseUrl: 'wss://fstream.binance.com',
  symbols: ['btcusdt', 'ethusdt'],
  streamsPerConnection: 200,
  // Half the exchange limit: the rest is headroom for pongs to its pings and network bunching.
  controlMessagesPerSecond: 5,
  streamsPerRequest: 200,
  ackTimeoutMs: 10_000,
  subscribeTimeoutMs: 15_000,
  connectTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  staleTimeoutMs: 90_000,
  renewAfterMs: 23.5 * 60 * 60 * 1000,
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
  reconnectJitter: 0.2,
  random: Math.random,
};

/** Fills defaults and checks ranges; throws BAD_REQUEST naming the bad field. */
export function resolveOptions(options: BinanceOptions = {}): ResolvedBinanceOptions {
  const o: ResolvedBinanceOptions = { ...BINANCE_DEFAULTS };
  for (const [key, value] of Object.entries(options) as [keyof BinanceOptions, unknown][]) {
    if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  }
  if (!/^wss?:\/\//.test(o.baseUrl)) throw bad('baseUrl', `must be a ws:// or wss:// URL, got ${o.baseUrl}`);
  o.baseUrl = o.baseUrl.replace(/\/+$/, '');
  for (const s of o.symbols) {
    if (typeof s !== 'string' || !/^[a-z0-9_]{1,32}$/.test(s)) throw bad('symbols', `must be lower-case symbol names, got ${String(s)}`);
  }
  integer('streamsPerConnection', o.streamsPerConnection, 1, EXCHANGE_STREAMS_PER_CONNECTION);
  integer('controlMessagesPerSecond', o.controlMessagesPerSecond, 1, EXCHANGE_MESSAGES_PER_SECOND - 1);
  integer('streamsPerRequest', o.streamsPerRequest, 1, EXCHANGE_STREAMS_PER_CONNECTION);
  for (const key of ['ackTimeoutMs', 'subscribeTimeoutMs', 'connectTimeoutMs', 'pingIntervalMs', 'staleTimeoutMs', 'reconnectInitialMs'] as const) {
    integer(key, o[key], 1, EXCHANGE_CONNECTION_LIFETIME_MS);
  }
  integer('reconnectMaxMs', o.reconnectMaxMs, o.reconnectInitialMs, EXCHANGE_CONNECTION_LIFETIME_MS);
  integer('renewAfterMs', o.renewAfterMs, 1, EXCHANGE_CONNECTION_LIFETIME_MS - 1);
  if (!(o.reconnectJitter >= 0 && o.reconnectJitter < 1)) throw bad('reconnectJitter', `must be in [0, 1), got ${o.reconnectJitter}`);
  if (o.staleTimeoutMs <= o.pingIntervalMs) throw bad('staleTimeoutMs', 'must exceed pingIntervalMs, or quiet connections would look dead');
  return o;
}

function integer(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw bad(name, `must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

function bad(field: string, problem: string): TesseraError {
  return new TesseraError('BAD_REQUEST', `binance option ${field} ${problem}`, { details: { field } });
}
