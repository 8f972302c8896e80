import { BYBIT_DEFAULTS } from '../providers/bybit';
import { parseIdentifier, type Identifier } from '../router/identifier';
import { maxInWindow, stopRigs, waitFor } from './support/binance-context';
import { startBybitRig } from './support/bybit-context';
import type { VenueConnection } from './support/fake-venue';

const ids = (...texts: string[]): Identifier[] => texts.map((t) => parseIdentifier(t));
const symbols = (n: number): string[] => Array.from({ length: n }, (_, i) => `s${i}usdt`);
const subscribes = (c: VenueConnection) => c.requests.filter((r) => r.op === 'subscribe');
const pings = (c: VenueConnection) => c.requests.filter((r) => r.op === 'ping');

afterEach(stopRigs);

describe('BybitProvider against a fake Bybit', () => {
  it('subscribes on /v5/public/linear and emits raw frames as they came and normalized payloads', async () => {
    const { fake, ctx, provider } = await startBybitRig();
    const [raw, trade, quote] = ids('bybit::btcusdt.publicTrade', 'bybit::btcusdt.trade', 'bybit::btcusdt.quote');
    expect(await provider.subscribe([raw, trade, quote])).toEqual({});
    expect(fake.open.map((c) => c.path)).toEqual(['/v5/public/linear']);
    // The raw and the normalized kind share one topic.
    expect(subscribes(fake.open[0])).toEqual([{ op: 'subscribe', args: ['publicTrade.BTCUSDT', 'orderbook.1.BTCUSDT'], req_id: '1' }]);

    const trades = [
      { T: 1_700_000_000_001, s: 'BTCUSDT', S: 'Buy', v: '0.5', p: '50000.5', L: 'PlusTick', i: 'a-1', BT: false },
      { T: 1_700_000_000_002, s: 'BTCUSDT', S: 'Sell', v: '1', p: '50000', L: 'MinusTick', i: 'a-2', BT: false },
    ];
    fake.publish('publicTrade.BTCUSDT', 'snapshot', trades);
    fake.publish('orderbook.1.BTCUSDT', 'snapshot', { s: 'BTCUSDT', b: [['49999.5', '3']], a: [['50000', '2']], u: 10, seq: 1 });
    fake.publish('orderbook.1.BTCUSDT', 'delta', { s: 'BTCUSDT', b: [['49999.5', '0'], ['49999', '4']], a: [], u: 11, seq: 2 });
    await waitFor(() => ctx.emits.length === 5, 'five messages');

    const [frame] = ctx.payloadsOf(raw.canonical) as { ts: number; data: unknown }[];
    expect(frame).toMatchObject({ topic: 'publicTrade.BTCUSDT', type: 'snapshot', data: trades });
    expect(ctx.emits.find((e) => e.id === raw.canonical)?.eventTs).toBe(frame.ts);
    expect(ctx.emits.filter((e) => e.id === trade.canonical).map((e) => [e.payload, e.eventTs])).toEqual([
      [{ price: 50000.5, amount: 0.5, side: 'buy', tradeId: 'a-1' }, trades[0].T],
      [{ price: 50000, amount: 1, side: 'sell', tradeId: 'a-2' }, trades[1].T],
    ]);
    expect(ctx.payloadsOf(quote.canonical)).toEqual([
      { bidPrice: 49999.5, bidAmount: 3, askPrice: 50000, askAmount: 2 },
      { bidPrice: 49999, bidAmount: 4, askPrice: 50000, askAmount: 2 },
    ]);
  });

  it('refuses what Bybit does not list before any traffic', async () => {
    const { fake, provider } = await startBybitRig();
    const result = await provider.subscribe(ids('bybit::dogeusdt.trade', 'bybit::btcusdt.orderbook[depth=7]'));
    expect(result.failed?.map((f) => f.reason)).toEqual([expect.stringMatching(/lists no instrument "dogeusdt"/), expect.stringMatching(/depth must be one of/)]);
    expect(provider.validate(parseIdentifier('bybit::btcusdt.liquidation'))).toBeUndefined();
    expect(provider.validate(parseIdentifier('bybit::btcusdt.book'))).toBeUndefined();
    expect(provider.validate(parseIdentifier('bybit::btcusdt.candles'))).toMatch(/no stream kind/);
    expect(fake.connections).toHaveLength(0);
  });

  it('batches topics 10 to a request and paces requests per connection', async () => {
    const many = symbols(45);
    const { fake, provider } = await startBybitRig({ symbols: many, controlMessagesPerSecond: 4 }, { symbols: many.map((s) => s.toUpperCase()) });
    expect(await provider.subscribe(many.map((s) => parseIdentifier(`bybit::${s}.tickers`)))).toEqual({});
    const [connection] = fake.open;
    const requests = subscribes(connection);
    expect(requests.map((r) => (r.args as string[]).length)).toEqual([10, 10, 10, 10, 5]);
    expect(fake.subscribed()).toHaveLength(45);
    const times = connection.received.filter((r) => r.kind === 'text').map((r) => r.at);
    expect(maxInWindow(times, 900)).toBeLessThanOrEqual(4);
  });

  it('a refused request fails exactly its topics, with the venue’s reason', async () => {
    const refuse = (topics: readonly string[]) => (topics.some((t) => t.includes('ETHUSDT')) ? 'Invalid symbol :[tickers.ETHUSDT]' : undefined);
    const { fake, provider } = await startBybitRig({}, { refuse });
    const [btc, eth, sol] = ids('bybit::btcusdt.tickers', 'bybit::ethusdt.tickers', 'bybit::solusdt.tickers');
    expect(await provider.subscribe([btc])).toEqual({});
    expect(await provider.subscribe([eth])).toEqual({ failed: [{ id: eth, reason: 'Invalid symbol :[tickers.ETHUSDT]' }] });
    expect(await provider.subscribe([sol])).toEqual({});
    expect(fake.subscribed()).toEqual(['tickers.BTCUSDT', 'tickers.SOLUSDT']);
    expect(provider.stats().streams).toBe(2);
  });

  it('an unanswered subscribe fails in time and the socket is replaced', async () => {
    const { fake, provider } = await startBybitRig({ ackTimeoutMs: 100, subscribeTimeoutMs: 300, reconnectInitialMs: 10, reconnectMaxMs: 20 }, { silentFor: (t) => t.includes('SOLUSDT') });
    const result = await provider.subscribe(ids('bybit::solusdt.trade'));
    expect(result.failed?.[0].reason).toMatch(/not confirmed within 300 ms/);
    expect(await provider.subscribe(ids('bybit::btcusdt.trade'))).toEqual({});
    expect(fake.subscribed()).toEqual(['publicTrade.BTCUSDT']);
  });

  it('sends {"op":"ping"} every ping interval, even while data flows, and stays up on the pongs', async () => {
    const { fake, ctx, provider } = await startBybitRig({ pingIntervalMs: 60, staleTimeoutMs: 400 });
    expect(await provider.subscribe(ids('bybit::btcusdt.publicTrade'))).toEqual({});
    const timer = setInterval(() => fake.publish('publicTrade.BTCUSDT', 'snapshot', []), 5);
    try {
      await waitFor(() => pings(fake.open[0]).length >= 4, 'four pings');
    } finally {
      clearInterval(timer);
    }
    expect(pings(fake.open[0])[0]).toEqual({ op: 'ping' });
    expect(ctx.emits.length).toBeGreaterThan(4);
    expect(fake.connections).toHaveLength(1);
    expect(provider.stats()).toMatchObject({ staleReplacements: 0, reconnects: 0, malformedFrames: 0 });
  });

  it('replaces a silent connection and resubscribes exactly the wanted set', async () => {
    const { fake, ctx, provider } = await startBybitRig({ pingIntervalMs: 50, staleTimeoutMs: 250, reconnectInitialMs: 10, reconnectMaxMs: 20 });
    const [a, b, c] = ids('bybit::btcusdt.trade', 'bybit::btcusdt.publicTrade', 'bybit::ethusdt.derivative');
    expect(await provider.subscribe([a, b, c])).toEqual({});
    provider.unsubscribe([b]);
    fake.open[0].muted = true;
    await waitFor(() => ctx.events.length === 2, 'both streams reported down');
    expect(provider.stats().staleReplacements).toBe(1);
    provider.unsubscribe([c]);
    await waitFor(() => ctx.events.filter((e) => e.kind === 'stream-up').length === 1, 'the stream back up');
    expect(fake.subscribed()).toEqual(['publicTrade.BTCUSDT']);
    expect(ctx.events.map((e) => e.kind)).toEqual(['stream-down', 'stream-down', 'stream-up']);
    // A gap for each stream that was flowing when the connection went silent.
    expect(ctx.gaps.map((g) => g.id).sort()).toEqual([a.canonical, c.canonical].sort());
  });

  it('reconnects a dropped connection with the wanted set, and state restarts from the next snapshot', async () => {
    const { fake, ctx, provider } = await startBybitRig({ reconnectInitialMs: 10, reconnectMaxMs: 20 });
    const [derivative, tickers] = ids('bybit::btcusdt.derivative', 'bybit::btcusdt.tickers');
    expect(await provider.subscribe([derivative, tickers])).toEqual({});
    fake.publish('tickers.BTCUSDT', 'snapshot', { symbol: 'BTCUSDT', markPrice: '100', fundingRate: '0.0001' });
    await waitFor(() => ctx.emits.length === 2, 'the snapshot');
    fake.open[0].drop();
    await waitFor(() => ctx.events.filter((e) => e.kind === 'stream-up').length === 2, 'both streams back up');
    expect(fake.subscribed()).toEqual(['tickers.BTCUSDT']);
    expect(provider.stats().reconnects).toBe(1);
    // Each stream that was flowing gets a gap, after its last message before the break.
    expect(ctx.gaps.map((g) => g.id).sort()).toEqual([derivative.canonical, tickers.canonical].sort());
    expect(ctx.gaps.every((g) => g.afterEmits === 2 && g.reason.length > 0)).toBe(true);
    // A delta before the new snapshot has no mark price to build on.
    fake.publish('tickers.BTCUSDT', 'delta', { symbol: 'BTCUSDT', fundingRate: '0.0002' });
    fake.publish('tickers.BTCUSDT', 'snapshot', { symbol: 'BTCUSDT', markPrice: '101' });
    await waitFor(() => ctx.emits.length === 5, 'the new frames');
    expect(ctx.payloadsOf(derivative.canonical)).toEqual([{ markPrice: 100, fundingRate: 0.0001 }, { markPrice: 101 }]);
  });

  it('counts garbage, unknown topics and unmappable pushes, and goes on delivering', async () => {
    const { fake, ctx, provider } = await startBybitRig();
    const [trade] = ids('bybit::btcusdt.trade');
    expect(await provider.subscribe([trade])).toEqual({});
    const [connection] = fake.open;
    for (const junk of ['not json', '[1,2]', '{"topic":7}', '{"op":"subscribe","req_id":"99","success":true}', '{"hello":"world"}']) connection.send(junk);
    connection.send(JSON.stringify({ topic: 'tickers.ETHUSDT', type: 'snapshot', ts: 1, data: {} }));
    fake.publish('publicTrade.BTCUSDT', 'snapshot', [{ T: 1, S: 'Buy', v: 'lots', p: '1', i: 'x' }]);
    fake.publish('publicTrade.BTCUSDT', 'snapshot', [{ T: 2, S: 'Buy', v: '1', p: '1', i: 'y' }]);
    await waitFor(() => ctx.emits.length === 1, 'the good trade');
    expect(ctx.payloadsOf(trade.canonical)).toEqual([{ price: 1, amount: 1, side: 'buy', tradeId: 'y' }]);
    expect(provider.stats()).toMatchObject({ malformedFrames: 4, unknownStreamFrames: 1, unmappableMessages: 1, reconnects: 0 });
  });
});

describe('BybitProvider renews its connection daily', () => {
  it('switches to a fresh connection with no trade lost or repeated', async () => {
    const DAY = 24 * 3600_000;
    const { fake, ctx, clock, provider } = await startBybitRig({ staleTimeoutMs: DAY, pingIntervalMs: DAY - 1 });
    const [trade, raw] = ids('bybit::btcusdt.trade', 'bybit::btcusdt.publicTrade');
    expect(await provider.subscribe([trade, raw])).toEqual({});
    let sent = 0;
    const timer = setInterval(() => {
      sent++;
      fake.publish('publicTrade.BTCUSDT', 'snapshot', [{ T: sent, s: 'BTCUSDT', S: 'Buy', v: '1', p: '1', i: String(sent) }]);
    }, 2);
    try {
      await waitFor(() => ctx.emits.length >= 40, 'trades to flow');
      clock.advance(BYBIT_DEFAULTS.renewAfterMs);
      await waitFor(() => provider.stats().renewals === 1 && fake.open.length === 1, 'the switch and the old socket closed');
      const last = sent + 20;
      await waitFor(() => sent >= last, 'more trades after the switch');
    } finally {
      clearInterval(timer);
    }
    await waitFor(() => ctx.payloadsOf(trade.canonical).length === sent, 'the last trade');
    const tradeIds = ctx.payloadsOf(trade.canonical).map((p) => Number((p as { tradeId: string }).tradeId));
    expect(tradeIds).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    expect(ctx.payloadsOf(raw.canonical)).toHaveLength(sent);
    expect(ctx.events).toEqual([]);
    expect(ctx.gaps).toEqual([]);
  });
});
