import { EXCHANGE_DEFAULTS, resolveExchangeOptions, type ExchangeOptions, type ResolvedExchangeOptions, type VenueLimits } from '../exchange/options';

/**
 * Options of the Bybit v5 public linear provider: the exchange base's (see
 * `providers/exchange/options.ts`). Connections go to `<baseUrl>/v5/public/linear`. `symbols` is
 * the instrument catalogue, in lower case (`btcusdt`): identifiers naming anything else are refused
 * before any traffic, and wildcards expand over it.
 */
export type BybitOptions = ExchangeOptions;
export type ResolvedBybitOptions = ResolvedExchangeOptions;

/**
 * Bybit's "WebSocket Connect" limits: one public connection's args at most 21,000 characters (no
 * count limit on linear args per request). A topic here is at most `allLiquidation.` plus a
 * 32-character symbol, 50 characters with its JSON quoting, so 400 topics fit in any case. Bybit
 * documents no control-message rate for public streams nor a connection lifetime; the rate cap
 * and the daily renewal are our own caution.
 */
const LIMITS: VenueLimits = {
  venue: 'bybit',
  maxControlMessagesPerSecond: 20,
  maxStreamsPerConnection: 400,
  connectionLifetimeMs: 24 * 60 * 60 * 1000,
  symbol: /^[a-z0-9]{1,32}$/,
  symbolRule: 'lower-case instrument names (btcusdt)',
};

export const BYBIT_DEFAULTS: ResolvedBybitOptions = {
  baseUrl: 'wss://stream.bybit.com',
  symbols: ['btcusdt', 'ethusdt', 'solusdt', 'xrpusdt', 'dogeusdt'],
  ...EXCHANGE_DEFAULTS,
  // Spot's documented cap is 10 args a request; linear has none, and 10 keeps answers small.
  streamsPerRequest: 10,
  // Bybit recommends a ping every 20 s.
  pingIntervalMs: 20_000,
  staleTimeoutMs: 60_000,
};

/** Fills defaults and checks ranges; throws BAD_REQUEST naming the bad field. */
export function resolveOptions(options: BybitOptions = {}): ResolvedBybitOptions {
  return resolveExchangeOptions(LIMITS, BYBIT_DEFAULTS, options);
}
