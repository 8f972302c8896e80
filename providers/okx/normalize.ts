import type { JsonValue } from '../../common/json';
import type { Derivative, Liquidation, Quote, Trade } from '../../common/market';
import { decimal, isObject, millis, nonNegative, positive, sideOf, type JsonObject, type MappedKind, type Normalizer, type NormalizedOut } from '../exchange/normalize';

/**
 * Venue pushes → the normalized schema, field by field as the venue's public WebSocket docs name
 * them ("Trades channel", "BBO-TBT" of the order book channel, "Mark price", "Funding rate",
 * "Open interest", "Index tickers" and "Liquidation orders" channels). A push is the `data`
 * array of one frame; amounts stay in the venue's units (swap contracts).
 */
export function okxNormalizer(kind: MappedKind, instId: string): Normalizer {
  switch (kind) {
    case 'trade':
      return perElement(tradeOf);
    case 'quote':
      return perElement(quoteOf);
    case 'derivative':
      return new DerivativeNormalizer();
    case 'liquidation':
      return liquidations(instId);
  }
}

type Mapped<T> = { readonly payload: T; readonly ts: number | undefined };

/** `trades`: px, sz, side (the taker's), tradeId (the last of an aggregation), ts (filled time). */
export function tradeOf(e: JsonObject): Mapped<Trade> | undefined {
  const price = positive(e.px);
  const amount = positive(e.sz);
  const id = e.tradeId;
  if (price === undefined || amount === undefined || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  return { payload: { price, amount, side: sideOf(e.side) ?? 'unknown', tradeId: String(id) }, ts: millis(e.ts) };
}

/** `bbo-tbt`: the first of `bids`/`asks`, each level `[price, size, deprecated, orders]`. */
export function quoteOf(e: JsonObject): Mapped<Quote> | undefined {
  const bid = topLevel(e.bids);
  const ask = topLevel(e.asks);
  if (!bid || !ask) return undefined;
  return { payload: { bidPrice: bid[0], bidAmount: bid[1], askPrice: ask[0], askAmount: ask[1] }, ts: millis(e.ts) };
}

function topLevel(levels: JsonValue | undefined): [number, number] | undefined {
  const top = Array.isArray(levels) ? levels[0] : undefined;
  if (!Array.isArray(top)) return undefined;
  const price = positive(top[0]);
  const amount = positive(top[1]);
  return price === undefined || amount === undefined ? undefined : [price, amount];
}

/** `liquidation-orders`: one per detail; bkPx (bankruptcy price), sz, side (the liquidation order's), ts. */
export function liquidationsOf(e: JsonObject): Mapped<Liquidation>[] | undefined {
  if (!Array.isArray(e.details)) return undefined;
  const out: Mapped<Liquidation>[] = [];
  for (const d of e.details) {
    if (!isObject(d)) return undefined;
    const price = positive(d.bkPx);
    const amount = positive(d.sz);
    const side = sideOf(d.side);
    if (price === undefined || amount === undefined || !side) return undefined;
    out.push({ payload: { price, amount, side }, ts: millis(d.ts) });
  }
  return out;
}

/** A push is mapped whole or not at all: every element must have the documented shape. */
function perElement<T>(map: (e: JsonObject) => Mapped<T> | undefined): Normalizer {
  return {
    push(message, out) {
      if (!Array.isArray(message)) return false;
      const mapped: Mapped<T>[] = [];
      for (const e of message) {
        const m = isObject(e) ? map(e) : undefined;
        if (!m) return false;
        mapped.push(m);
      }
      for (const m of mapped) emit(out, m);
      return true;
    },
    reset() {},
  };
}

/** The shared `liquidation-orders:SWAP` push, narrowed to one swap's elements. */
function liquidations(instId: string): Normalizer {
  return {
    push(message, out) {
      if (!Array.isArray(message)) return false;
      const mine: Mapped<Liquidation>[] = [];
      for (const e of message) {
        if (!isObject(e)) return false;
        if (e.instId !== instId) continue;
        const all = liquidationsOf(e);
        if (!all) return false;
        mine.push(...all);
      }
      for (const m of mine) emit(out, m);
      return true;
    },
    reset() {},
  };
}

function emit<T>(out: NormalizedOut, m: Mapped<T>): void {
  // The schema's interfaces are plain JSON objects; they only lack an index signature.
  out(m.payload as unknown as JsonValue, m.ts);
}

type Fields = { -readonly [K in keyof Derivative]?: Derivative[K] };

/**
 * The merged derivative of one swap from its four feeds: mark-price (markPx), funding-rate
 * (fundingRate; fundingTime, the settlement it applies to, as nextFundingTs), open-interest (oi,
 * in contracts) and index-tickers (idxPx). Emitted on each update once the mark price is known;
 * after a break it starts over, so no value from before the gap is passed off as current.
 */
export class DerivativeNormalizer implements Normalizer {
  private state: Fields = {};

  push(message: JsonValue, out: NormalizedOut, stream = ''): boolean {
    if (!Array.isArray(message)) return false;
    for (const e of message) {
      if (!isObject(e)) return false;
      const update = fieldsOf(stream, e);
      if (!update) return false;
      Object.assign(this.state, update);
      if (this.state.markPrice !== undefined) out(this.snapshot(), millis(e.ts));
    }
    return true;
  }

  reset(): void {
    this.state = {};
  }

  private snapshot(): { [key: string]: JsonValue } {
    const { markPrice, indexPrice, fundingRate, nextFundingTs, openInterest } = this.state;
    const out: { [key: string]: JsonValue } = { markPrice: markPrice! };
    if (indexPrice !== undefined) out.indexPrice = indexPrice;
    if (fundingRate !== undefined) out.fundingRate = fundingRate;
    if (nextFundingTs !== undefined) out.nextFundingTs = nextFundingTs;
    if (openInterest !== undefined) out.openInterest = openInterest;
    return out;
  }
}

/** What one feed's element contributes; undefined when it lacks its field. */
export function fieldsOf(stream: string, e: JsonObject): Fields | undefined {
  if (stream.startsWith('mark-price:')) return known({ markPrice: positive(e.markPx) });
  if (stream.startsWith('open-interest:')) return known({ openInterest: nonNegative(e.oi) });
  if (stream.startsWith('index-tickers:')) return known({ indexPrice: positive(e.idxPx) });
  if (stream.startsWith('funding-rate:')) {
    const fundingRate = decimal(e.fundingRate);
    if (fundingRate === undefined) return undefined;
    const next = millis(e.fundingTime);
    return next === undefined ? { fundingRate } : { fundingRate, nextFundingTs: next };
  }
  return undefined;
}

function known(fields: Fields): Fields | undefined {
  return Object.values(fields).every((v) => v !== undefined) ? fields : undefined;
}
