import { TesseraError } from '../../common/errors';
import { resolveExchangeOptions, type ExchangeOptions, type ResolvedExchangeOptions, type VenueLimits } from '../exchange/options';
import { DEFAULT_INSTRUMENTS } from './instruments';

/**
 * Options of the OKX provider: the exchange base's (see `providers/exchange/options.ts`; `symbols`
 * is the swap catalogue, lower-cased instIds) and the venue's hourly request budget.
 */
export interface OkxOptions extends ExchangeOptions {
  /** subscribe/unsubscribe requests per connection per rolling hour (venue limit 480). */
  requestsPerHour?: number;
}

export type ResolvedOkxOptions = ResolvedExchangeOptions & { readonly requestsPerHour: number };

/**
 * From the venue's docs ("WebSocket > Connect", "Subscribe"): 3 new connections per second per
 * IP; 480 subscribe/unsubscribe/login requests per connection per hour; the arguments of one
 * request at most 64 KB. The docs set no
 * cap on public subscriptions per connection, no per-second request rate and no lifetime; the
 * figures below for those are this provider's own.
 */
export const VENUE_REQUESTS_PER_HOUR = 480;
const VENUE_CONNECTIONS_PER_SECOND = 3;
/** One below the venue's limit: it counts arrivals, and those bunch on the way. */
export const CONNECTIONS_PER_SECOND = VENUE_CONNECTIONS_PER_SECOND - 1;
const VENUE_MAX_REQUEST_BYTES = 64 * 1024;
/** Longest argument written here: `{"channel":"liquidation-orders","instType":"SWAP"}`, or a 35-character instId's. */
const MAX_ARG_BYTES = 100;
export const MAX_STREAMS_PER_REQUEST = Math.floor((VENUE_MAX_REQUEST_BYTES - 100) / MAX_ARG_BYTES);

const LIMITS: VenueLimits = {
  venue: 'okx',
  maxControlMessagesPerSecond: 10,
  maxStreamsPerConnection: 1000,
  connectionLifetimeMs: 24 * 60 * 60 * 1000,
  symbol: /^[a-z0-9]{1,20}-[a-z0-9]{1,10}-swap$/,
  symbolRule: 'perpetual swaps, the venue instId lower-cased (btc-usdt-swap)',
};

export const OKX_DEFAULTS: ResolvedOkxOptions = {
  baseUrl: 'wss://ws.okx.com:8443',
  symbols: DEFAULT_INSTRUMENTS,
  streamsPerConnection: 200,
  controlMessagesPerSecond: 3,
  streamsPerRequest: 100,
  ackTimeoutMs: 10_000,
  subscribeTimeoutMs: 15_000,
  connectTimeoutMs: 10_000,
  // The venue cuts a connection silent for 30 s; a quiet one is pinged well before.
  pingIntervalMs: 20_000,
  staleTimeoutMs: 30_000,
  renewAfterMs: 23.5 * 60 * 60 * 1000,
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
  reconnectJitter: 0.2,
  random: Math.random,
  requestsPerHour: 400,
};

/** Fills defaults and checks ranges; throws BAD_REQUEST naming the bad field. */
export function resolveOptions(options: OkxOptions = {}): ResolvedOkxOptions {
  const { requestsPerHour = OKX_DEFAULTS.requestsPerHour, ...rest } = options;
  const o = resolveExchangeOptions(LIMITS, OKX_DEFAULTS, rest);
  if (!Number.isInteger(requestsPerHour) || requestsPerHour < 1 || requestsPerHour > VENUE_REQUESTS_PER_HOUR) {
    throw bad('requestsPerHour', `must be an integer in [1, ${VENUE_REQUESTS_PER_HOUR}], got ${String(requestsPerHour)}`);
  }
  if (o.streamsPerRequest > MAX_STREAMS_PER_REQUEST) {
    throw bad('streamsPerRequest', `must be at most ${MAX_STREAMS_PER_REQUEST}, so one request stays under the venue's 64 KB`);
  }
  return { ...o, requestsPerHour };
}

function bad(field: string, problem: string): TesseraError {
  return new TesseraError('BAD_REQUEST', `okx option ${field} ${problem}`, { details: { field } });
}
