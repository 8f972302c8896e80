import fc from 'fast-check';
import type { Side } from '../common/market';
import { parseIdentifier } from '../router/identifier';
import { BarAggregator, type Bar, type BarCut } from '../workers/bars/aggregator';
import { referenceCountBars, referenceTimeBars, type T } from './support/bars-reference';
import { describeBar } from '../workers/bars/bar-spec';

/** Runs trades through an aggregator: the closed bars, then the bar in progress. */
function aggregate(cut: BarCut, trades: readonly T[]): { closed: Bar[]; current: Bar | undefined; late: number } {
  const agg = new BarAggregator(cut);
  const closed: Bar[] = [];
  for (const t of trades) {
    const bar = agg.add(t.price, t.amount, t.side, t.ts);
    if (bar) closed.push(bar);
  }
  return { closed, current: agg.current(), late: agg.late };
}

const side = fc.constantFrom<Side | 'unknown'>('buy', 'sell', 'unknown');
const trade = (ts: fc.Arbitrary<number>): fc.Arbitrary<T> =>
  fc.record({ price: fc.double({ min: 0.01, max: 1e5, noNaN: true }), amount: fc.double({ min: 0.001, max: 100, noNaN: true }), side, ts });
/** Trades in event-time order: steps of 0..3 s from an arbitrary start, with repeats. */
const orderedTrades = fc
  .tuple(fc.integer({ min: 1_600_000_000_000, max: 1_700_000_000_000 }), fc.array(trade(fc.integer({ min: 0, max: 3000 })), { maxLength: 300 }))
  .map(([start, steps]) => {
    let ts = start;
    return steps.map((t) => ({ ...t, ts: (ts += t.ts) }));
  });
const anyTrades = fc.array(trade(fc.integer({ min: 0, max: 60_000 })), { maxLength: 300 });
const cut = fc.oneof(
  fc.constantFrom(1000, 5000, 60_000).map((intervalMs): BarCut => ({ kind: 'time', intervalMs })),
  fc.integer({ min: 1, max: 20 }).map((count): BarCut => ({ kind: 'ticks', count })),
  fc.double({ min: 0.01, max: 500, noNaN: true }).map((volume): BarCut => ({ kind: 'volume', volume })),
);

function withCurrent(result: { closed: Bar[]; current: Bar | undefined }): Bar[] {
  return result.current ? [...result.closed, result.current] : result.closed;
}

describe('bars: against an independent computation', () => {
  it('time bars equal bars grouped by epoch-aligned interval, every field', () => {
    fc.assert(
      fc.property(orderedTrades, fc.constantFrom(1000, 60_000, 3_600_000), (trades, intervalMs) => {
        expect(withCurrent(aggregate({ kind: 'time', intervalMs }, trades))).toEqual(referenceTimeBars(trades, intervalMs));
      }),
    );
  });

  it('tick bars close on their N-th trade; volume bars on the trade that reaches X', () => {
    fc.assert(
      fc.property(orderedTrades, fc.integer({ min: 1, max: 50 }), fc.double({ min: 0.01, max: 1000, noNaN: true }), (trades, n, x) => {
        expect(withCurrent(aggregate({ kind: 'ticks', count: n }, trades))).toEqual(referenceCountBars(trades, (g) => g.length >= n));
        const byVolume = referenceCountBars(trades, (g) => g.reduce((v, t) => v + t.amount, 0) >= x);
        expect(withCurrent(aggregate({ kind: 'volume', volume: x }, trades))).toEqual(byVolume);
      }),
    );
  });

  it('in any arrival order, no trade is lost: counts and volume add up, bars never overlap', () => {
    fc.assert(
      fc.property(anyTrades, cut, (trades, c) => {
        const bars = withCurrent(aggregate(c, trades));
        expect(bars.reduce((n, b) => n + b.trades, 0)).toBe(trades.length);
        const volume = bars.reduce((v, b) => v + b.volume, 0);
        const expected = trades.reduce((v, t) => v + t.amount, 0);
        expect(Math.abs(volume - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
        for (const b of bars) expect(b.buyVolume + b.sellVolume).toBeLessThanOrEqual(b.volume * (1 + 1e-12) + 1e-12);
        if (c.kind === 'time') for (let i = 1; i < bars.length; i++) expect(bars[i].startTs).toBeGreaterThanOrEqual(bars[i - 1].endTs);
      }),
    );
  });
});

describe('bars: time bars on event time', () => {
  const t = (ts: number, price = 100, amount = 1, s: Side | 'unknown' = 'buy'): T => ({ price, amount, side: s, ts });
  const run = (trades: T[]): ReturnType<typeof aggregate> => aggregate({ kind: 'time', intervalMs: 1000 }, trades);

  it('gives no bar for an interval without trades', () => {
    const { closed, current } = run([t(10_100), t(10_900), t(13_500), t(17_000)]);
    expect(closed.map((b) => [b.startTs, b.endTs, b.trades])).toEqual([
      [10_000, 11_000, 2],
      [13_000, 14_000, 1],
    ]);
    expect(current).toMatchObject({ startTs: 17_000, endTs: 18_000, closed: false, trades: 1 });
  });

  it('puts trades stamped exactly on a boundary into the next bar', () => {
    const { closed, current } = run([t(9_999, 1), t(10_000, 2), t(10_000, 3), t(10_999, 4), t(11_000, 5)]);
    expect(closed).toEqual([
      expect.objectContaining({ startTs: 9_000, trades: 1, close: 1 }),
      expect.objectContaining({ startTs: 10_000, endTs: 11_000, trades: 3, open: 2, close: 4 }),
    ]);
    expect(current).toMatchObject({ startTs: 11_000, open: 5 });
  });

  it('folds a trade stamped before the bar in progress into it, counted late, never reopening a sent bar', () => {
    const { closed, current, late } = run([t(10_500, 1), t(11_200, 2), t(10_700, 3, 2), t(11_900, 4)]);
    expect(closed).toEqual([expect.objectContaining({ startTs: 10_000, trades: 1, close: 1 })]);
    expect(current).toMatchObject({ startTs: 11_000, trades: 3, volume: 4, open: 2, close: 4, high: 4, low: 2 });
    expect(late).toBe(1);
  });

  it('a live source closes a bar a grace after its end; a late trade then opens the next bar', () => {
    const agg = new BarAggregator({ kind: 'time', intervalMs: 1000 });
    agg.add(100, 1, 'sell', 10_200);
    expect(agg.dueAt(250)).toBe(11_250);
    expect(agg.closeDue(11_249, 250)).toBeUndefined();
    expect(agg.closeDue(11_250, 250)).toMatchObject({ startTs: 10_000, sellVolume: 1, buyVolume: 0, closed: true });
    expect(agg.closeDue(20_000, 250)).toBeUndefined();
    expect(agg.add(101, 2, 'unknown', 10_900)).toBeUndefined();
    expect(agg.current()).toMatchObject({ startTs: 11_000, trades: 1, volume: 2, buyVolume: 0, sellVolume: 0 });
    expect(agg.late).toBe(1);
  });

  it('tick and volume bars never close on the clock', () => {
    const agg = new BarAggregator({ kind: 'ticks', count: 3 });
    agg.add(1, 1, 'buy', 5);
    expect(agg.dueAt(0)).toBeUndefined();
    expect(agg.closeDue(1e15, 0)).toBeUndefined();
    expect(agg.current()).toMatchObject({ trades: 1, startTs: 5, endTs: 5 });
  });

  it('keeps a volume bar\'s closing trade whole', () => {
    const { closed, current } = aggregate({ kind: 'volume', volume: 10 }, [t(1, 1, 4), t(2, 1, 4), t(3, 1, 7), t(4, 1, 1)]);
    expect(closed).toEqual([expect.objectContaining({ volume: 15, trades: 3, startTs: 1, endTs: 3 })]);
    expect(current).toMatchObject({ volume: 1, trades: 1 });
  });
});

describe('bars: stream identifiers', () => {
  it.each([
    ['bars::btcusdt.bar[venue=binance;interval=1m]', 'binance::btcusdt.trade', { kind: 'time', intervalMs: 60_000 }],
    ['bars::bar[interval=2h;venue=okx].btc-usdt-swap', 'okx::btc-usdt-swap.trade', { kind: 'time', intervalMs: 7_200_000 }],
    ['bars::ethusdt.bar[venue=synthetic;ticks=100]', 'synthetic::ethusdt.trade', { kind: 'ticks', count: 100 }],
    ['bars::ethusdt.bar[venue=synthetic;volume=2.5]', 'synthetic::ethusdt.trade', { kind: 'volume', volume: 2.5 }],
  ])('reads %s', (text, input, c) => {
    const spec = describeBar(parseIdentifier(text));
    expect(typeof spec === 'string' ? spec : { input: spec.input.canonical, cut: spec.cut }).toEqual({ input, cut: c });
  });

  it.each([
    ['bars::btcusdt.bar[interval=1s]', /venue/],
    ['bars::btcusdt.bar[venue=x]', /exactly one of/],
    ['bars::btcusdt.bar[venue=x;interval=1s;ticks=5]', /exactly one of/],
    ['bars::btcusdt.bar[venue=x;period=1s]', /exactly one of/],
    ['bars::btcusdt.bar[venue=x;interval=1d]', /interval/],
    ['bars::btcusdt.bar[venue=x;interval=0s]', /interval/],
    ['bars::btcusdt.bar[venue=x;interval=25h]', /longer/],
    ['bars::btcusdt.bar[venue=x;ticks=1.5]', /ticks must be/],
    ['bars::btcusdt.bar[venue=x;volume=-1]', /volume must be/],
    ['bars::btcusdt.bar[venue=x;volume=5.0]', /shortest decimal form \("5"\)/],
    ['bars::btcusdt.bar[venue=x;ticks=0x10]', /shortest decimal form/],
    ['bars::btcusdt.bar[venue=x;interval=01s]', /interval/],
    ['bars::btcusdt.bar[venue=BAD!;interval=1s]', /venue/],
    ['bars::btcusdt[x=1].bar[venue=x;interval=1s]', /takes no params/],
    ['bars::btcusdt.kline[venue=x;interval=1s]', /no "bar" tag/],
    ['bars::bar[venue=x;interval=1s]', /two tags/],
  ])('refuses %s', (text, reason) => {
    expect(describeBar(parseIdentifier(text))).toMatch(reason);
  });
});
