import { parseIdentifier, type Identifier } from '../router/identifier';
import { maxInWindow, startRig, stopRigs, waitFor } from './support/binance-context';
import type { FakeConnection } from './support/fake-binance';

const ids = (...texts: string[]): Identifier[] => texts.map((t) => parseIdentifier(t));
const aggTrades = (n: number, from = 0): Identifier[] => Array.from({ length: n }, (_, i) => parseIdentifier(`binance::s${from + i}usdt.aggTrade`));
const times = (c: FakeConnection): number[] => c.received.map((r) => r.at);

afterEach(stopRigs);

describe('BinanceProvider against a fake exchange', () => {
  it('subscribes on the right endpoint and emits the data object with its event time', async () => {
    const { fake, ctx, provider } = await startRig();
    const wanted = ids('binance::btcusdt.aggTrade', 'binance::btcusdt.markPrice[speed=1s]', 'binance::btcusdt.depth[levels=20;speed=100ms]', 'binance::btcusdt.bookTicker');
    expect(await provider.subscribe(wanted)).toEqual({});

    const byPath = Object.fromEntries(fake.open.map((c) => [c.path, c]));
    expect(Object.keys(byPath).sort()).toEqual(['/market/stream', '/public/stream']);
    expect(byPath['/market/stream'].requests).toEqual([{ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@markPrice@1s'], id: 1 }]);
    expect([...byPath['/public/stream'].streams].sort()).toEqual(['btcusdt@bookTicker', 'btcusdt@depth20@100ms']);

    const data = { e: 'aggTrade', E: 1_700_000_000_123, s: 'BTCUSDT', a: 1, p: '50000.1' };
    fake.publish('btcusdt@aggTrade', data);
    await waitFor(() => ctx.emits.length === 1, 'the message');
    expect(ctx.emits[0]).toEqual({ id: 'binance::aggTrade.btcusdt', identifier: wanted[0], payload: data, eventTs: data.E });
  });

  it('keeps every connection under the message-rate limit, however many calls come', async () => {
    const { fake, provider } = await startRig();
    const streams = aggTrades(40);
    // One at a time, as the host calls: each call is one SUBSCRIBE.
    for (const id of streams.slice(0, 10)) expect(await provider.subscribe([id])).toEqual({});
    // A burst of calls: queued requests merge, and the pacer spaces what is left.
    const burst = await Promise.all(streams.slice(10, 40).map((id) => provider.subscribe([id])));
    expect(burst.every((r) => r.failed === undefined)).toBe(true);
    provider.unsubscribe(streams.slice(0, 3));
    await waitFor(() => fake.subscribed().length === 37, 'the unsubscribes');

    const [connection] = fake.connections;
    expect(fake.connections).toHaveLength(1);
    expect(fake.rateViolations).toEqual([]);
    expect(connection.requests.length).toBeGreaterThan(10);
    expect(connection.requests.length).toBeLessThan(40);
    // The exchange's limit is 10 per second; ours defaults to 5 (a little slack for delivery jitter).
    expect(maxInWindow(times(connection), 1000)).toBeLessThanOrEqual(10);
    expect(maxInWindow(times(connection), 850)).toBeLessThanOrEqual(5);
  });

  it('spreads 450 streams over 3 connections at 200 per connection, and closes them when emptied', async () => {
    const { fake, provider } = await startRig();
    const streams = aggTrades(450);
    expect(await provider.subscribe(streams)).toEqual({});
    expect(fake.connections.map((c) => c.streams.size)).toEqual([200, 200, 50]);
    expect(fake.connections.every((c) => c.path === '/market/stream' && c.requests.length === 1)).toBe(true);
    expect(provider.stats()).toMatchObject({ connections: 3, streams: 450 });

    // Another endpoint gets its own connections.
    expect(await provider.subscribe(ids('binance::btcusdt.bookTicker'))).toEqual({});
    expect(fake.open.filter((c) => c.path === '/public/stream')).toHaveLength(1);

    provider.unsubscribe([...streams, ...ids('binance::btcusdt.bookTicker')]);
    expect(provider.stats().connections).toBe(0);
    await waitFor(() => fake.open.length === 0, 'the connections to close');
  });

  it('maps acks to success and refusals to failed entries for exactly the refused streams', async () => {
    const refuse = (streams: readonly string[]) => (streams.some((s) => s.startsWith('bad')) ? { code: -1121, msg: 'Invalid symbol.' } : undefined);
    const { fake, provider } = await startRig({ streamsPerConnection: 5 }, { refuse, maxStreamsPerConnection: 3 });
    const [a, b, c, d, bad] = ids('binance::a1usdt.ticker', 'binance::b1usdt.ticker', 'binance::c1usdt.ticker', 'binance::d1usdt.ticker', 'binance::badusdt.ticker');

    expect(await provider.subscribe([a, b])).toEqual({});
    expect(await provider.subscribe([bad])).toEqual({ failed: [{ id: bad, reason: '-1121: Invalid symbol.' }] });
    // The exchange holds 3 per connection here, we think 5 fit: it refuses, we report both.
    expect(await provider.subscribe([c, d])).toEqual({
      failed: [
        { id: c, reason: '-1: too many subscriptions' },
        { id: d, reason: '-1: too many subscriptions' },
      ],
    });
    expect(await provider.subscribe([c])).toEqual({});
    // Refused before anything is sent: no such kind.
    const [nope] = ids('binance::a1usdt.trades');
    expect(await provider.subscribe([nope])).toEqual({ failed: [{ id: nope, reason: expect.stringMatching(/no stream kind/) }] });
    expect(provider.validate(nope)).toMatch(/no stream kind/);

    expect(fake.subscribed()).toEqual(['a1usdt@ticker', 'b1usdt@ticker', 'c1usdt@ticker']);
    expect(provider.stats().streams).toBe(3);
  });

  it('fails a stream the exchange never confirms, and keeps the rest', async () => {
    const options = { ackTimeoutMs: 200, subscribeTimeoutMs: 800, reconnectInitialMs: 20, reconnectMaxMs: 100 };
    const { fake, ctx, provider } = await startRig(options, { silentFor: (s) => s.startsWith('slow') });
    const [ok, slow] = ids('binance::btcusdt.ticker', 'binance::slowusdt.ticker');
    expect(await provider.subscribe([ok])).toEqual({});
    expect(await provider.subscribe([slow])).toEqual({ failed: [{ id: slow, reason: 'not confirmed within 800 ms' }] });
    await waitFor(() => fake.subscribed().join() === 'btcusdt@ticker', 'the exchange to carry only the confirmed stream');
    await waitFor(() => ctx.events.at(-1)?.kind === 'stream-up', 'the kept stream to come back');
    expect(ctx.events.every((e) => e.kind !== 'stream-down' || e.id === ok.canonical)).toBe(true);
  });

  it('answers the exchange’s pings', async () => {
    const { fake, provider } = await startRig();
    await provider.subscribe(ids('binance::btcusdt.aggTrade'));
    const [connection] = fake.open;
    for (let i = 0; i < 3; i++) await connection.ping();
    expect(connection.received.filter((r) => r.kind === 'pong')).toHaveLength(3);
  });

  it('drops and counts malformed frames, never emitting them', async () => {
    const { fake, ctx, provider } = await startRig();
    await provider.subscribe(ids('binance::btcusdt.aggTrade'));
    const [connection] = fake.open;
    const garbage = ['not json', '[1,2,3]', '{"hello":"world"}', '{"stream":"btcusdt@aggTrade"}', '{"stream":"btcusdt@aggTrade","data":null}'];
    for (const text of garbage) connection.send(text);
    connection.send('{"stream":"ethusdt@aggTrade","data":{"E":1}}');
    connection.send('{"result":null,"id":999}');
    fake.publish('btcusdt@aggTrade', { E: 2, a: 2 });
    await waitFor(() => ctx.emits.length > 0, 'the good frame');
    expect(ctx.emits.map((e) => e.payload)).toEqual([{ E: 2, a: 2 }]);
    expect(provider.stats()).toMatchObject({ malformedFrames: garbage.length, unknownStreamFrames: 1, messages: 1 });
  });

  it('closes its sockets and timers on stop, and can start again', async () => {
    const { fake, ctx, provider } = await startRig();
    await provider.subscribe(aggTrades(3));
    provider.stop();
    provider.stop();
    expect(ctx.activeTimers).toBe(0);
    await waitFor(() => fake.open.length === 0, 'the sockets to close');
    provider.start(ctx);
    expect(await provider.subscribe(aggTrades(1))).toEqual({});
    expect(fake.subscribed()).toEqual(['s0usdt@aggTrade']);
  });
});
