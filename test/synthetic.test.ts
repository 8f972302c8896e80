import { isTesseraError } from '../common/errors';
import { SyntheticProvider, type SyntheticOptions } from '../providers/synthetic';
import { parseIdentifier, type Identifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';
import { CaptureContext } from '../testkit';

const id = (text: string): Identifier => parseIdentifier(text);

function started(options: SyntheticOptions = {}): { provider: SyntheticProvider; ctx: CaptureContext } {
  const provider = new SyntheticProvider(options);
  const ctx = new CaptureContext({ name: 'synthetic' });
  provider.start(ctx);
  return { provider, ctx };
}

describe('SyntheticProvider determinism', () => {
  it('gives the same payloads for the same seed and stream, across instances', () => {
    const streams = ['synthetic::btcusdt.ticks', 'synthetic::ethusdt.quotes[rate=100]', 'synthetic::solusdt.trades[size=8]'].map(id);
    const a = started({ seed: 42 });
    const b = started({ seed: 42 });
    a.provider.subscribe(streams);
    // Subscribed in another order and pumped differently: each stream's sequence stands alone.
    b.provider.subscribe([...streams].reverse());
    a.provider.pump(50);
    for (let i = 0; i < 50; i++) b.provider.pump(1);
    for (const s of streams) {
      expect(a.ctx.payloadsOf(s.canonical)).toHaveLength(50);
      expect(b.ctx.payloadsOf(s.canonical)).toEqual(a.ctx.payloadsOf(s.canonical));
    }
  });

  it('differs between seeds and between streams', () => {
    const a = started({ seed: 1 });
    const b = started({ seed: 2 });
    const ticks = id('synthetic::btcusdt.ticks');
    a.provider.subscribe([ticks, id('synthetic::btcusdt.ticks[rate=10]')]);
    b.provider.subscribe([ticks]);
    a.provider.pump(20);
    b.provider.pump(20);
    expect(a.ctx.payloadsOf(ticks.canonical)).not.toEqual(b.ctx.payloadsOf(ticks.canonical));
    expect(a.ctx.payloadsOf(ticks.canonical)).not.toEqual(a.ctx.payloadsOf('synthetic::btcusdt.ticks[rate=10]'));
  });

  it('produces the documented payload shapes', () => {
    const { provider, ctx } = started();
    provider.subscribe([id('synthetic::btcusdt.ticks[size=16]'), id('synthetic::ethusdt.trades'), id('synthetic::solusdt.quotes')]);
    provider.pump(1);
    const [tick, trade, quote] = ctx.emits.map((e) => e.payload as Record<string, unknown>);
    expect(tick).toEqual({ symbol: 'btcusdt', price: expect.any(Number), qty: expect.any(Number), side: expect.stringMatching(/^(buy|sell)$/), n: 1, pad: 'x'.repeat(16) });
    expect(trade).toMatchObject({ symbol: 'ethusdt', tradeId: 1, n: 1 });
    expect(quote.bid as number).toBeLessThan(quote.ask as number);
    expect(Math.abs((tick.price as number) / 60_000 - 1)).toBeLessThan(0.01);
    expect(ctx.emits.every((e) => e.eventTs === ctx.clock.now())).toBe(true);
  });
});

describe('SyntheticProvider emission', () => {
  it.each([
    [10, 10_000, 100],
    [100, 5_000, 500],
    [50_000, 1_000, 50_000],
    [0.5, 10_000, 5],
  ])('emits at rate=%p (%p ms → %p messages) with one timer', (rate, ms, expected) => {
    const { provider, ctx } = started();
    provider.subscribe([id(`synthetic::btcusdt.ticks[rate=${rate}]`)]);
    expect(ctx.activeTimers).toBe(1);
    ctx.manual.advance(ms);
    expect(ctx.emits.length).toBeGreaterThanOrEqual(expected - 1);
    expect(ctx.emits.length).toBeLessThanOrEqual(expected);
  });

  it('uses the default rate and reuses one Identifier object per stream', () => {
    const { provider, ctx } = started({ defaultRate: 20 });
    const ticks = id('synthetic::btcusdt.ticks');
    provider.subscribe([ticks]);
    ctx.manual.advance(1_000);
    expect(ctx.emits).toHaveLength(20);
    expect(ctx.emits.every((e) => e.identifier === ticks)).toBe(true);
  });

  it('holds the average rate when ticks arrive late, and drops a backlog longer than a second', () => {
    const { provider, ctx } = started({ tickMs: 37 });
    provider.subscribe([id('synthetic::btcusdt.ticks[rate=1000]')]);
    ctx.manual.advance(2_000);
    expect(ctx.emits.length).toBeGreaterThanOrEqual(1_960);
    // A 5 s stall: the next tick sends at most one second's worth.
    const before = ctx.emits.length;
    ctx.manual.jump(5_000);
    ctx.manual.step();
    expect(ctx.emits.length - before).toBe(1_000);
    // Then the rate picks up from there instead of repaying the other four seconds.
    ctx.manual.advance(1_000);
    expect(ctx.emits.length - before).toBeLessThanOrEqual(2_000);
    expect(ctx.emits.length - before).toBeGreaterThanOrEqual(1_960);
  });

  it('stops a stream on unsubscribe and drops the timer when nothing is left', () => {
    const { provider, ctx } = started();
    const a = id('synthetic::btcusdt.ticks[rate=100]');
    const b = id('synthetic::ethusdt.ticks[rate=100]');
    provider.subscribe([a, b]);
    ctx.manual.advance(1_000);
    provider.unsubscribe([a]);
    const countA = ctx.payloadsOf(a.canonical).length;
    ctx.manual.advance(1_000);
    expect(ctx.payloadsOf(a.canonical)).toHaveLength(countA);
    expect(ctx.payloadsOf(b.canonical)).toHaveLength(200);
    provider.unsubscribe([b]);
    expect(ctx.activeTimers).toBe(0);
    expect(provider.subscribed).toEqual([]);
  });

  it('in manual mode emits only when pumped', () => {
    const { provider, ctx } = started({ emitMode: 'manual' });
    const ticks = id('synthetic::btcusdt.ticks[rate=1000]');
    provider.subscribe([ticks]);
    ctx.manual.advance(1_000);
    expect(ctx.emits).toHaveLength(0);
    expect(ctx.activeTimers).toBe(0);
    expect(provider.pump(5, ticks)).toBe(5);
    expect(provider.pump(1, 'synthetic::nope.ticks')).toBe(0);
    expect(ctx.emits).toHaveLength(5);
  });

  it('stop cancels every timer; start and stop are safe twice; it starts again afterwards', () => {
    const { provider, ctx } = started();
    provider.start(ctx);
    provider.subscribe([id('synthetic::btcusdt.ticks'), id('synthetic::ethusdt.ticks')]);
    provider.stop();
    provider.stop();
    expect(ctx.activeTimers).toBe(0);
    expect(ctx.manual.pending).toBe(0);
    expect(() => provider.subscribe([id('synthetic::btcusdt.ticks')])).toThrow(/not started/);
    provider.start(ctx);
    provider.subscribe([id('synthetic::btcusdt.ticks')]);
    ctx.manual.advance(1_000);
    expect(ctx.emits).toHaveLength(10);
    expect(ctx.failures).toEqual([]);
  });
});

describe('SyntheticProvider validate, subscribe and expand', () => {
  const { provider } = started({ symbols: ['btcusdt', { symbol: 'ethusdt', price: 2_500 }] });

  it.each([
    ['synthetic::btcusdt.candles', /no stream kind/],
    ['synthetic::dogeusdt.ticks', /unknown symbol "dogeusdt"/],
    ['synthetic::btcusdt.ticks[rate=0]', /rate must be/],
    ['synthetic::btcusdt.ticks[rate=1000000]', /rate must be/],
    ['synthetic::btcusdt.ticks[rate=fast]', /rate must be/],
    ['synthetic::btcusdt.ticks[size=-1]', /size must be/],
    ['synthetic::btcusdt.ticks[size=1.5]', /size must be/],
    ['synthetic::btcusdt.ticks[size=100000]', /size must be/],
    ['synthetic::btcusdt.ticks[depth=5]', /unknown param "depth"/],
    ['synthetic::btcusdt[x=1].ticks', /takes no params/],
    ['synthetic::btcusdt.ethusdt.ticks', /two tags/],
    ['synthetic::ticks', /two tags/],
    ['other::btcusdt.ticks', /namespace/],
  ])('rejects %s', (text, reason) => {
    expect(provider.validate(id(text))).toMatch(reason);
  });

  it.each(['synthetic::btcusdt.ticks', 'synthetic::ethusdt.trades[rate=0.5;size=0]', 'synthetic::quotes[rate=100000;size=65536].btcusdt'])(
    'accepts %s',
    (text) => expect(provider.validate(id(text))).toBeUndefined(),
  );

  it('refuses bad streams in subscribe and runs the rest', () => {
    const { provider: p, ctx } = started();
    const good = id('synthetic::btcusdt.ticks');
    const bad = id('synthetic::xrpusdt.ticks');
    const result = p.subscribe([good, bad]);
    expect(result.failed).toEqual([{ id: bad, reason: expect.stringMatching(/unknown symbol/) }]);
    expect(p.subscribed).toEqual([good.canonical]);
    ctx.manual.advance(100);
    expect(ctx.emits).toHaveLength(1);
  });

  const expand = (pattern: string): string[] => provider.expand(parsePattern(pattern)).map(String);

  it('expands a wildcard over catalogue × kinds with default params', () => {
    expect(expand('synthetic::*')).toHaveLength(8);
    expect(expand('synthetic::btcusdt.*').sort()).toEqual(['synthetic::btcusdt.quotes', 'synthetic::btcusdt.ticks', 'synthetic::btcusdt.trade', 'synthetic::btcusdt.trades']);
    expect(expand('synthetic::ticks[*].*').sort()).toEqual(['synthetic::btcusdt.ticks', 'synthetic::ethusdt.ticks']);
    expect(expand('synthetic::btcusdt.ticks')).toEqual(['synthetic::btcusdt.ticks']);
    expect(expand('synthetic::dogeusdt.*')).toEqual([]);
    expect(expand('other::*')).toEqual([]);
  });

  it('expands with the params a pattern names on the kind, when they are valid', () => {
    expect(expand('synthetic::ticks[rate=100].*').sort()).toEqual(['synthetic::btcusdt.ticks[rate=100]', 'synthetic::ethusdt.ticks[rate=100]']);
    expect(expand('synthetic::btcusdt.trades[rate=5;*]')).toEqual(['synthetic::btcusdt.trades[rate=5]']);
    expect(expand('synthetic::ticks[rate=0].*')).toEqual([]);
  });

  it('refuses a bad catalogue', () => {
    expect(() => new SyntheticProvider({ symbols: ['btc.usdt'] })).toThrow(/symbols\[0\]/);
    expect(() => new SyntheticProvider({ symbols: ['a', 'a'] })).toThrow(/twice/);
    expect(() => new SyntheticProvider({ symbols: ['ticks'] })).toThrow(/clashes/);
    expect(() => new SyntheticProvider({ symbols: [{ symbol: 'x', price: -1 }] })).toThrow(/price/);
  });
});

describe('SyntheticProvider normalized trade kind', () => {
  it('emits the normalized trade payload, stamped with event time', () => {
    const { provider, ctx } = started({ emitMode: 'manual' });
    const trade = id('synthetic::btcusdt.trade');
    provider.subscribe([trade]);
    ctx.manual.advance(5);
    provider.pump(200);
    const payloads = ctx.payloadsOf(trade.canonical) as Record<string, unknown>[];
    expect(payloads).toHaveLength(200);
    payloads.forEach((p, i) => {
      expect(Object.keys(p).sort()).toEqual(['amount', 'price', 'side', 'tradeId']);
      expect(p).toEqual({ price: expect.any(Number), amount: expect.any(Number), side: expect.stringMatching(/^(buy|sell)$/), tradeId: String(i + 1) });
      expect(p.price as number).toBeGreaterThan(0);
      expect(p.amount as number).toBeGreaterThan(0);
    });
    expect(ctx.emits.every((e) => e.eventTs === ctx.manual.now())).toBe(true);
  });
});

describe('SyntheticProvider request', () => {
  it('returns a snapshot of a subscribed stream', () => {
    const { provider, ctx } = started({ emitMode: 'manual' });
    const ticks = id('synthetic::btcusdt.ticks');
    provider.subscribe([ticks]);
    expect(provider.request(ticks, null)).toEqual({ id: ticks.canonical, last: null, emitted: 0 });
    provider.pump(3);
    expect(provider.request(ticks, {})).toEqual({ id: ticks.canonical, last: ctx.emits[2].payload, emitted: 3 });
  });

  it('rejects an unsubscribed stream with BAD_REQUEST', () => {
    const { provider } = started();
    let error: unknown;
    try {
      provider.request(id('synthetic::btcusdt.ticks'), null);
    } catch (e) {
      error = e;
    }
    expect(isTesseraError(error, 'BAD_REQUEST')).toBe(true);
    expect((error as Error).message).toMatch(/not subscribed/);
  });
});
