import { TesseraError } from '../../common/errors';
import { EXCHANGE_DEFAULTS, resolveExchangeOptions, type ExchangeOptions, type ResolvedExchangeOptions, type VenueLimits } from '../exchange/options';

/**
 * Options of the Binance USD-M futures provider: the exchange base's (see
 * `providers/exchange/options.ts`). Connections go to `<baseUrl>/public/stream` or
 * `<baseUrl>/market/stream`; symbols are lower case.
 */
export type BinanceOptions = ExchangeOptions & {
  /** REST host of the depth snapshots that `<symbol>.book` starts from. */
  restUrl?: string;
  /** Request weight per minute the depth snapshots may use (the venue allows 2400 per IP; one costs 20). */
  depthWeightPerMinute?: number;
  /** How long one depth snapshot request may take before it is asked again. */
  snapshotTimeoutMs?: number;
};
export type ResolvedBinanceOptions = ResolvedExchangeOptions & { readonly restUrl: string; readonly depthWeightPerMinute: number; readonly snapshotTimeoutMs: number };

/** The venue's request weight limit per minute per IP. */
export const VENUE_WEIGHT_PER_MINUTE = 2400;

/** Documented limits: 10 incoming messages/s per connection (pings and pongs count), 1024 streams, 24 h. */
const EXCHANGE_MESSAGES_PER_SECOND = 10;
const EXCHANGE_STREAMS_PER_CONNECTION = 1024;
const EXCHANGE_CONNECTION_LIFETIME_MS = 24 * 60 * 60 * 1000;

const LIMITS: VenueLimits = {
  venue: 'binance',
  // One below the limit at most: the exchange counts its pongs to our pings against it too.
  maxControlMessagesPerSecond: EXCHANGE_MESSAGES_PER_SECOND - 1,
  maxStreamsPerConnection: EXCHANGE_STREAMS_PER_CONNECTION,
  connectionLifetimeMs: EXCHANGE_CONNECTION_LIFETIME_MS,
  symbol: /^[a-z0-9_]{1,32}$/,
  symbolRule: 'lower-case symbol names',
};

export const BINANCE_DEFAULTS: ResolvedBinanceOptions = {
  baseUrl: 'wss://fstream.binance.com',
  restUrl: 'https://fapi.binance.com',
  // Half the venue's limit, leaving the rest to anything else on the same address.
  depthWeightPerMinute: 1200,
  snapshotTimeoutMs: 10_000,
  symbols: ['btcusdt', 'ethusdt'],
  // The shared 5 control messages/s is half the exchange limit: headroom for pongs and bunching.
  ...EXCHANGE_DEFAULTS,
  streamsPerRequest: 200,
  pingIntervalMs: 30_000,
  staleTimeoutMs: 90_000,
};

/** Fills defaults and checks ranges; throws BAD_REQUEST naming the bad field. */
export function resolveOptions(options: BinanceOptions = {}): ResolvedBinanceOptions {
  const { restUrl = BINANCE_DEFAULTS.restUrl, depthWeightPerMinute = BINANCE_DEFAULTS.depthWeightPerMinute, snapshotTimeoutMs = BINANCE_DEFAULTS.snapshotTimeoutMs, ...rest } = options;
  const bad = (field: string, problem: string): TesseraError => new TesseraError('BAD_REQUEST', `binance option ${field} ${problem}`, { details: { field } });
  if (typeof restUrl !== 'string' || !/^https?:\/\//.test(restUrl)) throw bad('restUrl', `must be an http:// or https:// URL, got ${String(restUrl)}`);
  if (!Number.isInteger(depthWeightPerMinute) || depthWeightPerMinute < 20 || depthWeightPerMinute > VENUE_WEIGHT_PER_MINUTE) {
    throw bad('depthWeightPerMinute', `must be an integer in [20, ${VENUE_WEIGHT_PER_MINUTE}], got ${String(depthWeightPerMinute)}`);
  }
  if (!Number.isInteger(snapshotTimeoutMs) || snapshotTimeoutMs < 1) throw bad('snapshotTimeoutMs', `must be a positive integer, got ${String(snapshotTimeoutMs)}`);
  return { ...resolveExchangeOptions(LIMITS, BINANCE_DEFAULTS, rest), restUrl: restUrl.replace(/\/+$/, ''), depthWeightPerMinute, snapshotTimeoutMs };
}
