import type { JsonValue } from '../../common/json';
import type { Derivative, Liquidation, Quote, Side, Trade } from '../../common/market';

/**
 * Venue data elements → the normalized schema, field by field as the venue's public WebSocket
 * docs name them (channels `trades`, `bbo-tbt`, `mark-price`, `funding-rate`, `open-interest`,
 * `index-tickers`, `liquidation-orders`). Amounts stay in the venue's units (swap contracts).
 * Each function returns undefined for an element it cannot map; the caller counts it.
 */

export type JsonObject = { readonly [key: string]: JsonValue };

const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** A venue decimal string (or number) as a JSON number; NaN when it is neither. */
export function decimal(value: JsonValue | undefined): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  return typeof value === 'string' && DECIMAL.test(value) ? Number(value) : NaN;
}

/** A venue millisecond timestamp (`"1597026383085"`), or undefined. */
export function timestamp(value: JsonValue | undefined): number | undefined {
  const ms = decimal(value);
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined;
}

function side(value: JsonValue | undefined): Side | undefined {
  return value === 'buy' || value === 'sell' ? value : undefined;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `trades`: px, sz, side (the taker's), tradeId (the last of an aggregation). */
export function toTrade(e: JsonObject): Trade | undefined {
  const price = decimal(e.px);
  const amount = decimal(e.sz);
  const id = e.tradeId;
  if (Number.isNaN(price) || Number.isNaN(amount) || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  return { price, amount, side: side(e.side) ?? 'unknown', tradeId: String(id) };
}

/** `bbo-tbt`: the first of `bids`/`asks`, each level `[price, size, deprecated, orders]`. */
export function toQuote(e: JsonObject): Quote | undefined {
  const bid = level(e.bids);
  const ask = level(e.asks);
  if (!bid || !ask) return undefined;
  return { bidPrice: bid[0], bidAmount: bid[1], askPrice: ask[0], askAmount: ask[1] };
}

function level(levels: JsonValue | undefined): [number, number] | undefined {
  if (!Array.isArray(levels) || levels.length === 0) return undefined;
  const top = levels[0];
  if (!Array.isArray(top)) return undefined;
  const price = decimal(top[0]);
  const amount = decimal(top[1]);
  return Number.isNaN(price) || Number.isNaN(amount) ? undefined : [price, amount];
}

/** `liquidation-orders`: one per detail; bkPx (bankruptcy price), sz, side (the liquidation order's). */
export function toLiquidations(e: JsonObject): { readonly payload: Liquidation; readonly ts: number | undefined }[] | undefined {
  const details = e.details;
  if (!Array.isArray(details)) return undefined;
  const out: { payload: Liquidation; ts: number | undefined }[] = [];
  for (const d of details) {
    if (!isObject(d)) return undefined;
    const price = decimal(d.bkPx);
    const amount = decimal(d.sz);
    const s = side(d.side);
    if (Number.isNaN(price) || Number.isNaN(amount) || !s) return undefined;
    out.push({ payload: { price, amount, side: s }, ts: timestamp(d.ts) });
  }
  return out;
}

/** What one derivative channel contributes; undefined when the element lacks its field. */
export type DerivativeUpdate = { -readonly [K in keyof Derivative]?: Derivative[K] };

export type DerivativeChannel = 'mark-price' | 'funding-rate' | 'open-interest' | 'index-tickers';

/** mark-price: markPx; funding-rate: fundingRate, fundingTime (its settlement); open-interest: oi (contracts); index-tickers: idxPx. */
export function derivativeUpdate(channel: DerivativeChannel, e: JsonObject): DerivativeUpdate | undefined {
  switch (channel) {
    case 'mark-price':
      return known({ markPrice: decimal(e.markPx) });
    case 'funding-rate': {
      const fundingRate = decimal(e.fundingRate);
      if (Number.isNaN(fundingRate)) return undefined;
      const next = timestamp(e.fundingTime);
      return next === undefined ? { fundingRate } : { fundingRate, nextFundingTs: next };
    }
    case 'open-interest':
      return known({ openInterest: decimal(e.oi) });
    case 'index-tickers':
      return known({ indexPrice: decimal(e.idxPx) });
  }
}

function known(update: DerivativeUpdate): DerivativeUpdate | undefined {
  for (const value of Object.values(update)) if (Number.isNaN(value)) return undefined;
  return update;
}

/**
 * The merged derivative state of one swap. `apply` folds in one channel's update and returns
 * the payload to emit, or undefined while the mark price is still unknown.
 */
export class DerivativeState {
  private readonly state: DerivativeUpdate = {};

  apply(update: DerivativeUpdate): Derivative | undefined {
    Object.assign(this.state, update);
    const { markPrice, indexPrice, fundingRate, nextFundingTs, openInterest } = this.state;
    if (markPrice === undefined) return undefined;
    const out: DerivativeUpdate = { markPrice };
    if (indexPrice !== undefined) out.indexPrice = indexPrice;
    if (fundingRate !== undefined) out.fundingRate = fundingRate;
    if (nextFundingTs !== undefined) out.nextFundingTs = nextFundingTs;
    if (openInterest !== undefined) out.openInterest = openInterest;
    return out as Derivative;
  }
}
