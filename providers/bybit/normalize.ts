import type { JsonValue } from '../../common/json';
import { decimal, isObject, millis, nonNegative, opposite, positive, setDefined, sideOf, type JsonObject, type MappedKind, type Normalizer, type NormalizedOut } from '../exchange/normalize';

/**
 * Bybit v5 push frames (`{topic, type, ts, data}`) to the normalized kinds. Field names follow
 * Bybit's v5 public topic docs: Trade (`T S v p i`), Orderbook (`b a` as `[price, size]`, size 0
 * removes a level; `u` = 1 means a fresh snapshot), Ticker (snapshot, then deltas carrying only
 * what changed) and All Liquidation (`S` is the side of the position liquidated).
 */

export function bybitNormalizer(kind: MappedKind): Normalizer {
  switch (kind) {
    case 'trade':
      return eachItem(tradeOf);
    case 'liquidation':
      return eachItem(liquidationOf);
    case 'quote':
      return new QuoteFromBook();
    case 'derivative':
      return new DerivativeFromTicker();
  }
}

interface Frame {
  readonly type: string;
  readonly ts: number;
  readonly data: JsonValue;
}

function frameOf(message: JsonValue): Frame | undefined {
  if (!isObject(message)) return undefined;
  const ts = millis(message.ts);
  const type = message.type;
  if (ts === undefined || typeof type !== 'string' || message.data === undefined) return undefined;
  return { type, ts, data: message.data };
}

/** Trades and liquidations come batched in `data` (an array; one object is taken as a batch of one). */
function eachItem(map: (item: JsonObject, frame: Frame) => { payload: JsonObject; eventTs: number } | undefined): Normalizer {
  return {
    push(message: JsonValue, out: NormalizedOut): boolean {
      const frame = frameOf(message);
      if (!frame) return false;
      const items = Array.isArray(frame.data) ? frame.data : [frame.data];
      const mapped: { payload: JsonObject; eventTs: number }[] = [];
      for (const item of items) {
        const m = isObject(item) ? map(item, frame) : undefined;
        if (!m) return false; // one bad item spoils the frame: nothing of it is half-delivered
        mapped.push(m);
      }
      for (const m of mapped) out(m.payload, m.eventTs);
      return true;
    },
    reset() {},
  };
}

function tradeOf(item: JsonObject): { payload: JsonObject; eventTs: number } | undefined {
  const price = positive(item.p);
  const amount = positive(item.v);
  const time = millis(item.T);
  if (price === undefined || amount === undefined || time === undefined || typeof item.i !== 'string') return undefined;
  return { payload: { price, amount, side: sideOf(item.S) ?? 'unknown', tradeId: item.i }, eventTs: time };
}

/** `S` names the position: a long (`Buy`) liquidated is closed by a sell order. */
function liquidationOf(item: JsonObject, frame: Frame): { payload: JsonObject; eventTs: number } | undefined {
  const price = positive(item.p);
  const amount = positive(item.v);
  const position = sideOf(item.S);
  if (price === undefined || amount === undefined || position === undefined) return undefined;
  return { payload: { price, amount, side: opposite(position) }, eventTs: frame.ts };
}

/** Best bid and offer from `orderbook.1`: a snapshot sets both sides, a delta changes levels. */
class QuoteFromBook implements Normalizer {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();

  push(message: JsonValue, out: NormalizedOut): boolean {
    const frame = frameOf(message);
    if (!frame || !isObject(frame.data)) return false;
    const { b, a, u } = frame.data;
    const bids = levels(b);
    const asks = levels(a);
    if (!bids || !asks) return false;
    if (frame.type === 'snapshot' || u === 1) {
      this.reset();
    } else if (frame.type !== 'delta') {
      return false;
    }
    apply(this.bids, bids, Math.max);
    apply(this.asks, asks, Math.min);
    const bid = only(this.bids);
    const ask = only(this.asks);
    if (bid && ask) out({ bidPrice: bid[0], bidAmount: bid[1], askPrice: ask[0], askAmount: ask[1] }, frame.ts);
    return true;
  }

  reset(): void {
    this.bids.clear();
    this.asks.clear();
  }
}

function levels(value: JsonValue | undefined): [number, number][] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const out: [number, number][] = [];
  for (const level of value) {
    if (!Array.isArray(level) || level.length < 2) return undefined;
    const price = positive(level[0]);
    const size = nonNegative(level[1]);
    if (price === undefined || size === undefined) return undefined;
    out.push([price, size]);
  }
  return out;
}

/** Applies changes (size 0 removes), then keeps only the best level: a level-1 book has one. */
function apply(side: Map<number, number>, changes: readonly [number, number][], best: (a: number, b: number) => number): void {
  for (const [price, size] of changes) {
    if (size === 0) side.delete(price);
    else side.set(price, size);
  }
  if (side.size <= 1) return;
  const top = [...side.keys()].reduce((x, y) => best(x, y));
  for (const price of [...side.keys()]) if (price !== top) side.delete(price);
}

function only(side: Map<number, number>): [number, number] | undefined {
  for (const entry of side) return entry;
  return undefined;
}

const TICKER_FIELDS = ['markPrice', 'indexPrice', 'fundingRate', 'nextFundingTime', 'openInterest'] as const;
type TickerField = (typeof TICKER_FIELDS)[number];
/** Prices above zero, funding signed, open interest possibly none. */
const TICKER_VALUE: Record<TickerField, (raw: JsonValue) => number | undefined> = {
  markPrice: positive,
  indexPrice: positive,
  fundingRate: decimal,
  nextFundingTime: millis,
  openInterest: nonNegative,
};

/** `tickers` deltas merged onto the snapshot; emitted once `markPrice` is known, when a field it carries changed. */
class DerivativeFromTicker implements Normalizer {
  private state: Partial<Record<TickerField, number>> = {};

  push(message: JsonValue, out: NormalizedOut): boolean {
    const frame = frameOf(message);
    if (!frame || !isObject(frame.data) || (frame.type !== 'snapshot' && frame.type !== 'delta')) return false;
    const data = frame.data;
    const next: Partial<Record<TickerField, number>> = frame.type === 'snapshot' ? {} : { ...this.state };
    let changed = frame.type === 'snapshot';
    for (const field of TICKER_FIELDS) {
      const raw = data[field];
      // Absent: unchanged. Empty: the venue has no value (a dated future has no funding).
      if (raw === undefined) continue;
      changed = true;
      if (raw === '') {
        delete next[field];
        continue;
      }
      const value = TICKER_VALUE[field](raw);
      if (value === undefined) return false;
      next[field] = value;
    }
    this.state = next;
    const markPrice = next.markPrice;
    if (!changed || markPrice === undefined) return true;
    const payload: { [key: string]: JsonValue } = { markPrice };
    setDefined(payload, 'indexPrice', next.indexPrice);
    setDefined(payload, 'fundingRate', next.fundingRate);
    setDefined(payload, 'nextFundingTs', next.nextFundingTime || undefined);
    setDefined(payload, 'openInterest', next.openInterest);
    out(payload, frame.ts);
    return true;
  }

  reset(): void {
    this.state = {};
  }
}
