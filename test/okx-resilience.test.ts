import { parseIdentifier, type Identifier } from '../router/identifier';
import { stopRigs, waitFor } from './support/binance-context';
import { startOkxRig } from './support/okx-rig';

// Against test/support/fake-okx.ts, which follows the venue's v5 WebSocket docs.

const ids = (...texts: string[]): Identifier[] => texts.map((t) => parseIdentifier(t));
// Our pings share the per-second budget with requests; 10 a second leaves room for one every 100 ms.
const fast = { reconnectInitialMs: 20, reconnectMaxMs: 100, controlMessagesPerSecond: 10 };
const trade = (instId: string, n: number) => [{ instId, tradeId: String(n), px: '100', sz: '1', side: 'buy', ts: String(1_700_000_000_000 + n) }];

afterEach(stopRigs);

describe('OkxProvider keeps its connection alive', () => {
  it('pings a quiet connection with the text ping, so the venue’s idle cut never comes', async () => {
    // The venue cuts a connection silent for 30 s; here the fake cuts after 300 ms.
    const { fake, provider } = await startOkxRig({ ...fast, pingIntervalMs: 100, staleTimeoutMs: 250 }, { idleCloseMs: 300 });
    await provider.subscribe(ids('okx::btc-usdt-swap.trade'));
    const [first] = fake.connections;
    await waitFor(() => first.pings >= 8, 'eight pings');
    expect(first.closed).toBe(false);
    expect(fake.connections).toHaveLength(1);
    expect(provider.stats()).toMatchObject({ reconnects: 0, staleReplacements: 0 });
  });

  it('replaces a connection that stops answering, and resubscribes on the new one', async () => {
    const { fake, ctx, provider } = await startOkxRig({ ...fast, pingIntervalMs: 100, staleTimeoutMs: 400 });
    const wanted = ids('okx::btc-usdt-swap.trade', 'okx::eth-usdt-swap.quote');
    await provider.subscribe(wanted);
    const [first] = fake.connections;
    first.muted = true;
    await waitFor(() => provider.stats().staleReplacements === 1, 'the silent connection to be noticed');
    await waitFor(() => fake.open.length === 1 && fake.open[0] !== first && fake.open[0].subscriptions.size === 2, 'its replacement');
    const downs = ctx.events.filter((e) => e.kind === 'stream-down');
    expect(downs).toHaveLength(2);
    expect(downs.every((e) => e.kind === 'stream-down' && /silent/.test(e.reason))).toBe(true);
    await waitFor(() => ctx.events.filter((e) => e.kind === 'stream-up').length === 2, 'streams back up');
    fake.publish('trades', 'BTC-USDT-SWAP', trade('BTC-USDT-SWAP', 1));
    await ctx.waitForEmits(1);
  });
});

describe('OkxProvider and the venue’s notice of an upgrade', () => {
  it('moves to a fresh connection at once, with nothing lost or doubled and no gap', async () => {
    const { fake, ctx, provider } = await startOkxRig(fast);
    const [btc] = ids('okx::btc-usdt-swap.trade');
    expect(await provider.subscribe([btc])).toEqual({});
    let n = 0;
    const feed = setInterval(() => fake.publish('trades', 'BTC-USDT-SWAP', trade('BTC-USDT-SWAP', ++n)), 2);
    try {
      await ctx.waitForEmits(10);
      // "Notification": 60 s before an upgrade, the venue says so with event notice.
      fake.broadcast(JSON.stringify({ event: 'notice', code: '64008', msg: 'The connection will soon be closed for a service upgrade. Please reconnect.', connId: 'a' }));
      await waitFor(() => provider.stats().renewals === 1 && fake.open.length === 1 && fake.open[0] !== fake.connections[0], 'the move to a new connection');
      const last = n + 10;
      await waitFor(() => n >= last, 'more trades on the new connection');
    } finally {
      clearInterval(feed);
    }
    await waitFor(() => ctx.emits.length > 0 && (ctx.emits.at(-1)!.payload as { tradeId: string }).tradeId === String(n), 'the last trade');
    expect(ctx.emits.map((e) => Number((e.payload as { tradeId: string }).tradeId))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(fake.subscribed()).toEqual(['trades:BTC-USDT-SWAP']);
    expect(ctx.events).toEqual([]);
    expect(ctx.gaps).toEqual([]);
  });
});

describe('OkxProvider reconnects', () => {
  it('re-establishes a dropped connection with exactly the wanted set', async () => {
    const { fake, ctx, provider } = await startOkxRig(fast);
    const [btc, eth, sol, derivative] = ids('okx::btc-usdt-swap.trade', 'okx::eth-usdt-swap.trade', 'okx::sol-usdt-swap.liquidation', 'okx::btc-usdt-swap.derivative');
    expect(await provider.subscribe([btc, eth, sol, derivative])).toEqual({});
    provider.unsubscribe([eth]);
    await waitFor(() => fake.subscribed().length === 6, 'the unsubscribe');
    fake.publish('trades', 'BTC-USDT-SWAP', trade('BTC-USDT-SWAP', 1));
    await ctx.waitForEmits(1);

    fake.connections[0].drop();
    await waitFor(() => ctx.events.filter((e) => e.kind === 'stream-down').length === 3, 'streams reported down');
    // Let go of one more while disconnected: it must not come back.
    provider.unsubscribe([sol]);
    await waitFor(() => ctx.events.filter((e) => e.kind === 'stream-up').length === 2, 'streams reported up');

    expect(fake.connections).toHaveLength(2);
    expect(fake.subscribed()).toEqual(['funding-rate:BTC-USDT-SWAP', 'index-tickers:BTC-USDT', 'mark-price:BTC-USDT-SWAP', 'open-interest:BTC-USDT-SWAP', 'trades:BTC-USDT-SWAP']);
    // A derivative is one stream over four venue feeds: reported down once, up once.
    expect(ctx.events.filter((e) => e.kind !== 'stream-down' && e.kind !== 'stream-up')).toEqual([]);
    expect(ctx.events.filter((e) => 'id' in e && e.id === derivative.canonical).map((e) => e.kind)).toEqual(['stream-down', 'stream-up']);
    expect(provider.stats().reconnects).toBe(1);
    // Each stream that was flowing gets one gap notice, after the message that came before the break.
    expect(ctx.gaps.map((g) => [g.id, g.afterEmits]).sort()).toEqual([btc, sol, derivative].map((id) => [id.canonical, 1]).sort());
    fake.publish('trades', 'BTC-USDT-SWAP', trade('BTC-USDT-SWAP', 2));
    await ctx.waitForEmits(2);
  });

  it('backs off while the venue is unreachable, then resubscribes', async () => {
    const { fake, ctx, provider } = await startOkxRig({ ...fast, reconnectMaxMs: 60 });
    await provider.subscribe(ids('okx::btc-usdt-swap.trade'));
    let refusals = 3;
    const original = fake.connections.push.bind(fake.connections);
    fake.connections.push = (...items) => {
      for (const c of items) if (refusals-- > 0) c.drop();
      return original(...items);
    };
    fake.connections[0].drop();
    await waitFor(() => ctx.events.some((e) => e.kind === 'stream-up'), 'the stream to come back');
    expect(fake.connections).toHaveLength(5);
    expect(fake.subscribed()).toEqual(['trades:BTC-USDT-SWAP']);
    expect(provider.stats().reconnects).toBe(4);
  });
});

describe('OkxProvider and a venue answering garbage', () => {
  it('drops and counts malformed frames and unmappable elements, and goes on', async () => {
    const { fake, ctx, provider } = await startOkxRig(fast);
    const [btc] = ids('okx::btc-usdt-swap.trade');
    await provider.subscribe([btc]);
    const before = provider.stats().malformedFrames;
    for (const text of ['hello', '{', '[]', '{"arg":{"channel":"trades"}}', '{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":{}}', '{"event":"error","code":"60012","msg":"Invalid request"}']) {
      fake.broadcast(text);
    }
    fake.publish('trades', 'BTC-USDT-SWAP', [{ instId: 'BTC-USDT-SWAP', tradeId: '1', px: 'abc', sz: '1', side: 'buy', ts: '1' }]);
    // A push for a subscription no stream holds (as after an unsubscribe crossing it in flight).
    fake.broadcast(JSON.stringify({ arg: { channel: 'trades', instId: 'ETH-USDT-SWAP' }, data: trade('ETH-USDT-SWAP', 1) }));
    fake.publish('trades', 'BTC-USDT-SWAP', trade('BTC-USDT-SWAP', 2));
    await ctx.waitForEmits(1);
    expect(ctx.emits.map((e) => e.payload)).toEqual([{ price: 100, amount: 1, side: 'buy', tradeId: '2' }]);
    expect(provider.stats()).toMatchObject({ malformedFrames: before + 6, unmappableMessages: 1, unknownStreamFrames: 1, reconnects: 0 });
    expect(fake.open).toHaveLength(1);
  });
});
