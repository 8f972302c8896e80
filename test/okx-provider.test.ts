import { parseIdentifier, type Identifier } from '../router/identifier';
import { maxInWindow, stopRigs, waitFor } from './support/binance-context';
import { startOkxRig, swaps } from './support/okx-rig';

// Against test/support/fake-okx.ts, which follows the venue's v5 WebSocket docs.

const ids = (...texts: string[]): Identifier[] => texts.map((t) => parseIdentifier(t));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

afterEach(stopRigs);

describe('OkxProvider against a fake venue', () => {
  it('subscribes on /ws/v5/public, one argument per venue subscription, and emits normalized trades and quotes', async () => {
    const { fake, ctx, provider } = await startOkxRig();
    const [trade, quote] = ids('okx::btc-usdt-swap.trade', 'okx::btc-usdt-swap.quote');
    expect(await provider.subscribe([trade, quote])).toEqual({});
    const [connection] = fake.open;
    expect(connection.path).toBe('/ws/v5/public');
    expect(connection.requests).toEqual([
      {
        id: '1',
        op: 'subscribe',
        args: [
          { channel: 'trades', instId: 'BTC-USDT-SWAP' },
          { channel: 'bbo-tbt', instId: 'BTC-USDT-SWAP' },
        ],
      },
    ]);

    fake.publish('trades', 'BTC-USDT-SWAP', [
      { instId: 'BTC-USDT-SWAP', tradeId: '130639474', px: '42219.9', sz: '12', side: 'sell', ts: '1630048897897', count: '3', seqId: 1234 },
    ]);
    fake.publish('bbo-tbt', 'BTC-USDT-SWAP', [{ asks: [['111.06', '55154', '0', '2']], bids: [['111.05', '57745', '0', '2']], ts: '1670324386802', seqId: 363996337 }]);
    await ctx.waitForEmits(2);
    expect(ctx.emits).toEqual([
      { id: trade.canonical, identifier: trade, payload: { price: 42219.9, amount: 12, side: 'sell', tradeId: '130639474' }, eventTs: 1630048897897 },
      { id: quote.canonical, identifier: quote, payload: { bidPrice: 111.05, bidAmount: 57745, askPrice: 111.06, askAmount: 55154 }, eventTs: 1670324386802 },
    ]);
  });

  it('merges the four derivative feeds and emits only once the mark price is known', async () => {
    const { fake, ctx, provider } = await startOkxRig();
    const [derivative] = ids('okx::btc-usdt-swap.derivative');
    expect(await provider.subscribe([derivative])).toEqual({});
    expect(fake.subscribed()).toEqual(['funding-rate:BTC-USDT-SWAP', 'index-tickers:BTC-USDT', 'mark-price:BTC-USDT-SWAP', 'open-interest:BTC-USDT-SWAP']);

    fake.publish('funding-rate', 'BTC-USDT-SWAP', [
      { instType: 'SWAP', instId: 'BTC-USDT-SWAP', fundingRate: '0.0001', fundingTime: '1700726400000', nextFundingTime: '1700755200000', method: 'current_period', ts: '1700724675402' },
    ]);
    fake.publish('mark-price', 'BTC-USDT-SWAP', [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', markPx: '50000.5', ts: '1700724675500' }]);
    fake.publish('open-interest', 'BTC-USDT-SWAP', [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', oi: '2216113', oiCcy: '22161.1', oiUsd: '1', ts: '1700724675600' }]);
    fake.publish('index-tickers', 'BTC-USDT', [{ instId: 'BTC-USDT', idxPx: '49990', high24h: '1', low24h: '1', open24h: '1', sodUtc0: '1', sodUtc8: '1', ts: '1700724675700' }]);
    await ctx.waitForEmits(3);
    expect(ctx.emits.map((e) => [e.payload, e.eventTs])).toEqual([
      [{ markPrice: 50000.5, fundingRate: 0.0001, nextFundingTs: 1700726400000 }, 1700724675500],
      [{ markPrice: 50000.5, fundingRate: 0.0001, nextFundingTs: 1700726400000, openInterest: 2216113 }, 1700724675600],
      [{ markPrice: 50000.5, fundingRate: 0.0001, nextFundingTs: 1700726400000, openInterest: 2216113, indexPrice: 49990 }, 1700724675700],
    ]);
  });

  it('serves every swap from one liquidation-orders subscription, each stream getting only its own', async () => {
    const { fake, ctx, provider } = await startOkxRig();
    const [btc, eth, all] = ids('okx::btc-usdt-swap.liquidation', 'okx::eth-usdt-swap.liquidation', 'okx::liquidation-orders');
    expect(await provider.subscribe([btc, eth, all])).toEqual({});
    expect(fake.subscribed()).toEqual(['liquidation-orders:SWAP']);
    const data = [
      {
        instType: 'SWAP',
        instId: 'BTC-USDT-SWAP',
        uly: 'BTC-USDT',
        details: [
          { side: 'sell', posSide: 'long', bkPx: '50000', sz: '3', bkLoss: '0', ccy: '', ts: '1692266434010' },
          { side: 'buy', posSide: 'short', bkPx: '50100', sz: '1', bkLoss: '0', ccy: '', ts: '1692266434020' },
        ],
      },
      { instType: 'SWAP', instId: 'SOL-USDT-SWAP', uly: 'SOL-USDT', details: [{ side: 'buy', posSide: 'net', bkPx: '20', sz: '5', bkLoss: '0', ccy: '', ts: '1692266434030' }] },
    ];
    fake.publish('liquidation-orders', 'SWAP', data);
    await ctx.waitForEmits(3);
    expect(ctx.payloadsOf(btc.canonical)).toEqual([
      { price: 50000, amount: 3, side: 'sell' },
      { price: 50100, amount: 1, side: 'buy' },
    ]);
    expect(ctx.payloadsOf(eth.canonical)).toEqual([]);
    expect(ctx.payloadsOf(all.canonical)).toEqual([data]);
  });

  it('passes the data array of a raw kind through, with its first element’s time', async () => {
    const { fake, ctx, provider } = await startOkxRig();
    const [raw] = ids('okx::eth-usdt-swap.mark-price');
    expect(await provider.subscribe([raw])).toEqual({});
    const data = [{ instType: 'SWAP', instId: 'ETH-USDT-SWAP', markPx: '3000.1', ts: '1597026383085' }];
    fake.publish('mark-price', 'ETH-USDT-SWAP', data);
    await ctx.waitForEmits(1);
    expect(ctx.emits[0]).toMatchObject({ id: raw.canonical, payload: data, eventTs: 1597026383085 });
  });

  it('keeps a shared venue subscription until the last stream that needs it goes', async () => {
    const { fake, provider } = await startOkxRig();
    const [raw, derivative] = ids('okx::btc-usdt-swap.mark-price', 'okx::btc-usdt-swap.derivative');
    expect(await provider.subscribe([raw, derivative])).toEqual({});
    expect(fake.subscribed()).toHaveLength(4);
    provider.unsubscribe([derivative]);
    await waitFor(() => fake.subscribed().length === 1, 'the derivative-only feeds to go');
    expect(fake.subscribed()).toEqual(['mark-price:BTC-USDT-SWAP']);
    provider.unsubscribe([raw]);
    await waitFor(() => fake.open.length === 0, 'the emptied connection to close');
  });

  it('refuses what the venue does not offer before any network traffic', async () => {
    const { fake, provider } = await startOkxRig({ symbols: ['btc-usdt-swap'] });
    expect(provider.validate(parseIdentifier('okx::eth-usdt-swap.trade'))).toMatch(/offers no swap "eth-usdt-swap"/);
    expect(provider.validate(parseIdentifier('okx::btc-usdt-swap.aggTrade'))).toMatch(/no okx stream kind/);
    expect(provider.validate(parseIdentifier('okx::btc-usdt-swap.trade'))).toBeUndefined();
    const [bad] = ids('okx::btcusdt.trade');
    expect(await provider.subscribe([bad])).toEqual({ failed: [{ id: bad, reason: expect.stringMatching(/not an OKX perpetual swap/) }] });
    expect(fake.connections).toHaveLength(0);
  });

  it('expands a wildcard over the catalogue and the kinds', async () => {
    const { provider } = await startOkxRig({ symbols: ['btc-usdt-swap', 'eth-usdt-swap'] });
    const { parsePattern } = await import('../router/pattern');
    const names = (text: string) => provider.expand(parsePattern(text)).map((id) => id.canonical).sort();
    expect(names('okx::trade.*')).toEqual(['okx::btc-usdt-swap.trade', 'okx::eth-usdt-swap.trade']);
    expect(names('okx::btc-usdt-swap.*')).toContain('okx::btc-usdt-swap.derivative');
    expect(names('okx::btc-usdt-swap.*')).not.toContain('okx::liquidation-orders');
    expect(names('okx::doge-usdt-swap.*')).toEqual([]);
  });
});

describe('OkxProvider connections', () => {
  it('opens new connections at most 2 a second (the venue cuts a fourth within a second), and spreads streams over them', async () => {
    const { tags, instIds } = swaps(10);
    const { fake, clock, provider } = await startOkxRig({ symbols: tags, streamsPerConnection: 2 }, { instruments: instIds, maxConnectsPerSecond: 100 });
    const done = provider.subscribe(tags.map((t) => parseIdentifier(`okx::${t}.trade`)));
    await waitFor(() => fake.subscribed().length === 4, 'the first two connections');
    expect(fake.connections).toHaveLength(2);
    clock.advance(1000);
    await waitFor(() => fake.subscribed().length === 8, 'two more a second later');
    expect(fake.connections).toHaveLength(4);
    clock.advance(1000);
    expect(await done).toEqual({});
    expect(fake.connections.map((c) => c.subscriptions.size)).toEqual([2, 2, 2, 2, 2]);
  });
});

describe('OkxProvider requests', () => {
  it('batches arguments up to streamsPerRequest and paces requests per second', async () => {
    const { tags, instIds } = swaps(50);
    const { fake, provider } = await startOkxRig({ symbols: tags, streamsPerRequest: 8, controlMessagesPerSecond: 3 }, { instruments: instIds });
    expect(await provider.subscribe(tags.map((t) => parseIdentifier(`okx::${t}.trade`)))).toEqual({});
    const [connection] = fake.connections;
    expect(connection.requests.map((r) => r.args.length)).toEqual([8, 8, 8, 8, 8, 8, 2]);
    expect(fake.subscribed()).toEqual(instIds.map((i) => `trades:${i}`).sort());
    expect(maxInWindow(connection.received.map((r) => r.at), 950)).toBeLessThanOrEqual(3);
  });

  it('stays within the hourly request budget, and goes on once the hour has passed', async () => {
    const { tags, instIds } = swaps(6);
    // Acks too wait past the jumps below: on a loaded machine the fourth ack can still be on its
    // way when the clock jumps, and it must not count as missing.
    const quiet = { pingIntervalMs: DAY - 1, staleTimeoutMs: DAY, subscribeTimeoutMs: 2 * HOUR, ackTimeoutMs: 2 * HOUR };
    const { fake, clock, provider } = await startOkxRig({ ...quiet, symbols: tags, streamsPerRequest: 1, requestsPerHour: 4 }, { instruments: instIds, maxRequestsPerHour: 4 });
    fake.now = () => clock.now();
    const done = provider.subscribe(tags.map((t) => parseIdentifier(`okx::${t}.trade`)));
    await waitFor(() => fake.subscribed().length === 4, 'the first four requests');
    clock.advance(HOUR / 2);
    expect(fake.connections[0].requests).toHaveLength(4);
    clock.advance(HOUR / 2);
    expect(await done).toEqual({});
    expect(fake.subscribed()).toHaveLength(6);
    expect(fake.connections[0].tooFrequent).toBe(0);
  });

  it('fails the arguments of a refused request, and only those', async () => {
    const refuse = (s: string) => (s === 'trades:ETH-USDT-SWAP' ? { code: '60018', msg: 'Wrong URL or channel:trades,instId:ETH-USDT-SWAP doesn\'t exist.' } : undefined);
    const { fake, ctx, provider } = await startOkxRig({}, { refuse });
    const [btc, eth] = ids('okx::btc-usdt-swap.trade', 'okx::eth-usdt-swap.trade');
    expect(await provider.subscribe([btc])).toEqual({});
    expect(await provider.subscribe([eth])).toEqual({ failed: [{ id: eth, reason: expect.stringMatching(/^60018: Wrong URL/) }] });
    fake.publish('trades', 'BTC-USDT-SWAP', [{ instId: 'BTC-USDT-SWAP', tradeId: '1', px: '1', sz: '1', side: 'buy', ts: '1' }]);
    await ctx.waitForEmits(1);
    expect(fake.subscribed()).toEqual(['trades:BTC-USDT-SWAP']);
  });

  it('fails a derivative one of whose feeds is refused, and lets go of the feeds that were acked', async () => {
    const refuse = (s: string) => (s === 'open-interest:BTC-USDT-SWAP' ? { code: '60018', msg: 'no such channel' } : undefined);
    const { fake, provider } = await startOkxRig({ streamsPerRequest: 1 }, { refuse });
    const [derivative] = ids('okx::btc-usdt-swap.derivative');
    expect(await provider.subscribe([derivative])).toEqual({ failed: [{ id: derivative, reason: expect.stringMatching(/60018/) }] });
    await waitFor(() => fake.subscribed().length === 0, 'the acked feeds to be unsubscribed');
    expect(provider.stats().streams).toBe(0);
  });
});
