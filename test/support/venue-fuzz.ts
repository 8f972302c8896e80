import fc from 'fast-check';
import type { JsonValue, Payload } from '../../common/json';
import type { MappedKind } from '../../providers/exchange/normalize';
import type { ExchangeProvider } from '../../providers/exchange/provider';
import type { CaptureContext } from '../../testkit';
import { startRig } from './binance-context';
import { startBybitRig } from './bybit-context';
import { startOkxRig } from './okx-rig';

/**
 * The three venues as a frame fuzzer sees them: one symbol's four normalized kinds, a sentinel
 * trade stream on another symbol, and for each kind a valid frame (shaped as the fake venue's
 * source docs say) with the paths of the numbers the schema requires. Frames are sent as raw text
 * on the connections carrying their stream, so anything at all can be put on the wire.
 */

export type Path = readonly (string | number)[];

/** A valid venue frame; `positive` paths must be above zero, `sizes` zero or more. */
export interface Sample {
  readonly value: JsonValue;
  readonly positive: readonly Path[];
  readonly sizes: readonly Path[];
  /** An empty string is the venue's "no value" (Bybit's tickers), not a bad number. */
  readonly blankIsAbsent: boolean;
}

export interface Target {
  readonly kind: MappedKind;
  /** The identifier (canonical text) the frame's stream feeds. */
  readonly id: string;
  /** The venue stream, as the provider routes it. */
  readonly stream: string;
  readonly sample: fc.Arbitrary<Sample>;
}

export interface FuzzRig {
  readonly ctx: CaptureContext;
  readonly provider: Pick<ExchangeProvider, 'stats' | 'subscribe'>;
  /** Sends raw text on every open connection carrying `stream`; returns how many. */
  send(stream: string, text: string): number;
  /** Cuts every open connection off (no data, no pongs), as a venue that went silent. */
  mute(): void;
  /** Jumps the provider's clock. */
  jump(ms: number): void;
}

export interface FuzzVenue {
  readonly name: string;
  readonly targets: readonly Target[];
  /** Identifier texts to subscribe: the targets' and the sentinels'. */
  readonly ids: readonly string[];
  start(): Promise<FuzzRig>;
  /** The sentinel for frames on `stream`: a valid trade on the same connection, its `n`th. */
  sentinel(stream: string, n: number): { readonly id: string; readonly stream: string; readonly text: string };
}

const price = fc.integer({ min: 1, max: 10_000_000 }).map((n) => (n / 100).toString());
const size = fc.integer({ min: 1, max: 1_000_000 }).map((n) => (n / 1000).toString());
const ms = fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 });
const side = fc.constantFrom('buy', 'sell');

/** Paths of the numbers each frame must carry, where the builders above put them. */
const NUMBERS: Record<string, { positive: Path[]; sizes: Path[] }> = {
  'btcusdt@aggTrade': { positive: [['data', 'p'], ['data', 'q']], sizes: [] },
  'btcusdt@bookTicker': { positive: [['data', 'b'], ['data', 'B'], ['data', 'a'], ['data', 'A']], sizes: [] },
  'btcusdt@markPrice': { positive: [['data', 'p'], ['data', 'i']], sizes: [] },
  'btcusdt@forceOrder': { positive: [['data', 'o', 'p'], ['data', 'o', 'q']], sizes: [] },
  'publicTrade.BTCUSDT': { positive: [['data', 0, 'p'], ['data', 0, 'v']], sizes: [] },
  'orderbook.1.BTCUSDT': { positive: [['data', 'b', 0, 0], ['data', 'a', 0, 0]], sizes: [['data', 'b', 0, 1], ['data', 'a', 0, 1]] },
  'tickers.BTCUSDT': { positive: [['data', 'markPrice'], ['data', 'indexPrice']], sizes: [['data', 'openInterest']] },
  'allLiquidation.BTCUSDT': { positive: [['data', 0, 'p'], ['data', 0, 'v']], sizes: [] },
  'trades:BTC-USDT-SWAP': { positive: [['data', 0, 'px'], ['data', 0, 'sz']], sizes: [] },
  'bbo-tbt:BTC-USDT-SWAP': { positive: [['data', 0, 'asks', 0, 0], ['data', 0, 'asks', 0, 1], ['data', 0, 'bids', 0, 0], ['data', 0, 'bids', 0, 1]], sizes: [] },
  'mark-price:BTC-USDT-SWAP': { positive: [['data', 0, 'markPx']], sizes: [] },
  'liquidation-orders:SWAP': { positive: [['data', 0, 'details', 0, 'bkPx'], ['data', 0, 'details', 0, 'sz']], sizes: [] },
};

const binanceTargets: Target[] = [
  target('trade', 'binance::btcusdt.trade', 'btcusdt@aggTrade', fc.record({ p: price, q: size, a: fc.nat(), T: ms, m: fc.boolean() }), (data) => ({ stream: 'btcusdt@aggTrade', data: { e: 'aggTrade', E: data.T, s: 'BTCUSDT', f: 1, l: 2, ...data } })),
  target('quote', 'binance::btcusdt.quote', 'btcusdt@bookTicker', fc.record({ b: price, B: size, a: price, A: size, E: ms }), (data) => ({ stream: 'btcusdt@bookTicker', data: { e: 'bookTicker', u: 1, s: 'BTCUSDT', T: data.E, ...data } })),
  target('derivative', 'binance::btcusdt.derivative', 'btcusdt@markPrice', fc.record({ p: price, i: price, r: fc.constantFrom('0.0001', '-0.0003', ''), E: ms }), (data) => ({ stream: 'btcusdt@markPrice', data: { e: 'markPriceUpdate', s: 'BTCUSDT', P: '1', T: 1_700_000_000_000, ...data } })),
  target('liquidation', 'binance::btcusdt.liquidation', 'btcusdt@forceOrder', fc.record({ p: price, q: size, S: fc.constantFrom('BUY', 'SELL'), E: ms }), ({ p, q, S, E }) => ({ stream: 'btcusdt@forceOrder', data: { e: 'forceOrder', E, o: { s: 'BTCUSDT', S, o: 'LIMIT', f: 'IOC', q, p, ap: '0', X: 'NEW', l: '0', z: '0', T: E } } })),
];

const bybitTargets: Target[] = [
  target('trade', 'bybit::btcusdt.trade', 'publicTrade.BTCUSDT', fc.array(fc.record({ p: price, v: size, T: ms, S: fc.constantFrom('Buy', 'Sell'), i: fc.uuid() }), { minLength: 1, maxLength: 3 }), (data) => bybitFrame('publicTrade.BTCUSDT', 'snapshot', data.map((t) => ({ ...t, s: 'BTCUSDT', L: 'PlusTick', BT: false })))),
  target('quote', 'bybit::btcusdt.quote', 'orderbook.1.BTCUSDT', fc.record({ bid: price, bidSize: size, ask: price, askSize: size, type: fc.constantFrom('snapshot', 'delta') }), (d) => bybitFrame('orderbook.1.BTCUSDT', d.type, { s: 'BTCUSDT', b: [[d.bid, d.bidSize]], a: [[d.ask, d.askSize]], u: 5, seq: 9 })),
  target('derivative', 'bybit::btcusdt.derivative', 'tickers.BTCUSDT', fc.record({ markPrice: price, indexPrice: price, fundingRate: fc.constantFrom('0.0001', '-0.0002'), openInterest: size, type: fc.constantFrom('snapshot', 'delta') }), ({ type, ...d }) => bybitFrame('tickers.BTCUSDT', type, { symbol: 'BTCUSDT', nextFundingTime: '1700000000000', ...d })),
  target('liquidation', 'bybit::btcusdt.liquidation', 'allLiquidation.BTCUSDT', fc.record({ p: price, v: size, S: fc.constantFrom('Buy', 'Sell'), T: ms }), (d) => bybitFrame('allLiquidation.BTCUSDT', 'snapshot', [{ ...d, s: 'BTCUSDT' }])),
];

const okxTargets: Target[] = [
  target('trade', 'okx::btc-usdt-swap.trade', 'trades:BTC-USDT-SWAP', fc.record({ px: price, sz: size, side, tradeId: fc.nat().map(String), ts: ms.map(String) }), (d) => okxFrame('trades', 'BTC-USDT-SWAP', [{ instId: 'BTC-USDT-SWAP', ...d, count: '1' }])),
  target('quote', 'okx::btc-usdt-swap.quote', 'bbo-tbt:BTC-USDT-SWAP', fc.record({ bid: price, bidSize: size, ask: price, askSize: size, ts: ms.map(String) }), (d) => okxFrame('bbo-tbt', 'BTC-USDT-SWAP', [{ asks: [[d.ask, d.askSize, '0', '2']], bids: [[d.bid, d.bidSize, '0', '1']], ts: d.ts, seqId: 7 }])),
  target('derivative', 'okx::btc-usdt-swap.derivative', 'mark-price:BTC-USDT-SWAP', fc.record({ markPx: price, ts: ms.map(String) }), (d) => okxFrame('mark-price', 'BTC-USDT-SWAP', [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', ...d }])),
  target('liquidation', 'okx::btc-usdt-swap.liquidation', 'liquidation-orders:SWAP', fc.record({ bkPx: price, sz: size, side, ts: ms.map(String) }), (d) => ({ arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', uly: 'BTC-USDT', details: [{ ...d, posSide: 'net', bkLoss: '0', ccy: '' }] }] })),
];

function target<T>(kind: MappedKind, id: string, stream: string, fields: fc.Arbitrary<T>, build: (fields: T) => JsonValue): Target {
  const { positive, sizes } = NUMBERS[stream];
  const blankIsAbsent = stream.startsWith('tickers.');
  return { kind, id, stream, sample: fields.map((f) => ({ value: build(f), positive, sizes, blankIsAbsent })) };
}

let bybitTs = 1_700_000_000_000;
function bybitFrame(topic: string, type: string, data: JsonValue): JsonValue {
  return { topic, type, ts: ++bybitTs, data };
}

function okxFrame(channel: string, instId: string, data: JsonValue[]): JsonValue {
  return { arg: { channel, instId }, data };
}

type Connection = { readonly closed: boolean; muted: boolean; send(text: string): void };

function sender(open: () => readonly Connection[], holds: (c: Connection, stream: string) => boolean): Pick<FuzzRig, 'send' | 'mute'> {
  return {
    send(stream, text) {
      const on = open().filter((c) => holds(c, stream));
      for (const c of on) c.send(text);
      return on.length;
    },
    mute() {
      for (const c of open()) c.muted = true;
    },
  };
}

export const VENUES: readonly FuzzVenue[] = [
  {
    name: 'binance',
    targets: binanceTargets,
    ids: [...binanceTargets.map((t) => t.id), 'binance::ethusdt.trade', 'binance::ethusdt.quote'],
    async start() {
      const { fake, ctx, clock, provider } = await startRig({ pingIntervalMs: 1_000, staleTimeoutMs: 3_000 });
      return { ctx, provider, jump: (ms) => clock.advance(ms), ...sender(() => fake.open, (c, s) => (c as { streams?: Set<string> }).streams?.has(s) === true) };
    },
    // /public carries book tickers and /market the rest, so each gets a sentinel of its own.
    sentinel(stream, n) {
      if (stream.endsWith('@bookTicker')) {
        return { id: 'binance::ethusdt.quote', stream: 'ethusdt@bookTicker', text: JSON.stringify({ stream: 'ethusdt@bookTicker', data: { e: 'bookTicker', u: n, s: 'ETHUSDT', b: '1', B: String(n), a: '2', A: '1', E: 1_700_000_000_000 + n, T: 1 } }) };
      }
      return { id: 'binance::ethusdt.trade', stream: 'ethusdt@aggTrade', text: JSON.stringify({ stream: 'ethusdt@aggTrade', data: { e: 'aggTrade', E: 1, s: 'ETHUSDT', a: n, p: '1', q: '1', f: 1, l: 1, T: 1_700_000_000_000 + n, m: false } }) };
    },
  },
  {
    name: 'bybit',
    targets: bybitTargets,
    ids: [...bybitTargets.map((t) => t.id), 'bybit::ethusdt.trade'],
    async start() {
      const { fake, ctx, clock, provider } = await startBybitRig({ pingIntervalMs: 1_000, staleTimeoutMs: 3_000 });
      return { ctx, provider, jump: (ms) => clock.advance(ms), ...sender(() => fake.open, (c, s) => (c as { streams?: Set<string> }).streams?.has(s) === true) };
    },
    sentinel(_stream, n) {
      const text = JSON.stringify(bybitFrame('publicTrade.ETHUSDT', 'snapshot', [{ T: 1_700_000_000_000 + n, s: 'ETHUSDT', S: 'Buy', v: '1', p: '1', i: `s${n}`, L: 'PlusTick', BT: false }]));
      return { id: 'bybit::ethusdt.trade', stream: 'publicTrade.ETHUSDT', text };
    },
  },
  {
    name: 'okx',
    targets: okxTargets,
    ids: [...okxTargets.map((t) => t.id), 'okx::eth-usdt-swap.trade'],
    async start() {
      const { fake, ctx, clock, provider } = await startOkxRig({ pingIntervalMs: 1_000, staleTimeoutMs: 3_000 });
      return { ctx, provider, jump: (ms) => clock.advance(ms), ...sender(() => fake.open, (c, s) => (c as { subscriptions?: Set<string> }).subscriptions?.has(s) === true) };
    },
    sentinel(_stream, n) {
      const text = JSON.stringify(okxFrame('trades', 'ETH-USDT-SWAP', [{ instId: 'ETH-USDT-SWAP', tradeId: `s${n}`, px: '1', sz: '1', side: 'buy', ts: String(1_700_000_000_000 + n) }]));
      return { id: 'okx::eth-usdt-swap.trade', stream: 'trades:ETH-USDT-SWAP', text };
    },
  },
];

/** Why `payload` is not a valid normalized `kind` message, or undefined when it is. */
export function invalidPayload(kind: MappedKind, payload: Payload, eventTs: number | undefined): string | undefined {
  if (eventTs !== undefined && !(Number.isSafeInteger(eventTs) && eventTs >= 0)) return `eventTs ${eventTs}`;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'not an object';
  const p = payload as Record<string, unknown>;
  const above = (key: string): boolean => typeof p[key] === 'number' && Number.isFinite(p[key]) && (p[key] as number) > 0;
  const optional = (key: string, ok: (v: number) => boolean): boolean => p[key] === undefined || (typeof p[key] === 'number' && Number.isFinite(p[key]) && ok(p[key] as number));
  const keys = (allowed: string[]): string | undefined => Object.keys(p).find((k) => !allowed.includes(k));
  switch (kind) {
    case 'trade': {
      const extra = keys(['price', 'amount', 'side', 'tradeId']);
      if (extra) return `key ${extra}`;
      return above('price') && above('amount') && ['buy', 'sell', 'unknown'].includes(p.side as string) && typeof p.tradeId === 'string' ? undefined : 'trade fields';
    }
    case 'quote': {
      const extra = keys(['bidPrice', 'bidAmount', 'askPrice', 'askAmount']);
      if (extra) return `key ${extra}`;
      return above('bidPrice') && above('bidAmount') && above('askPrice') && above('askAmount') ? undefined : 'quote fields';
    }
    case 'derivative': {
      const extra = keys(['markPrice', 'indexPrice', 'fundingRate', 'nextFundingTs', 'openInterest']);
      if (extra) return `key ${extra}`;
      const ok = above('markPrice') && optional('indexPrice', (v) => v > 0) && optional('fundingRate', () => true) && optional('nextFundingTs', (v) => Number.isSafeInteger(v) && v > 0) && optional('openInterest', (v) => v >= 0);
      return ok ? undefined : 'derivative fields';
    }
    case 'liquidation': {
      const extra = keys(['price', 'amount', 'side']);
      if (extra) return `key ${extra}`;
      return above('price') && above('amount') && ['buy', 'sell'].includes(p.side as string) ? undefined : 'liquidation fields';
    }
  }
}
