import { BINANCE_DEFAULTS } from '../providers/binance';
import { parseIdentifier, type Identifier } from '../router/identifier';
import { startRig, stopRigs, waitFor, type BinanceRig } from './support/binance-context';

const ids = (...texts: string[]): Identifier[] => texts.map((t) => parseIdentifier(t));
const fast = { reconnectInitialMs: 20, reconnectMaxMs: 100 };
const DAY = 24 * 3600_000;

const feeds: (() => void)[] = [];
afterEach(async () => {
  for (const stop of feeds.splice(0)) stop();
  await stopRigs();
});

/** Publishes `{E, a: n}` with n = 1, 2, 3… on every stream, one round every couple of ms. */
function feed(rig: BinanceRig, streams: readonly string[]): { readonly sent: number; stop(): void } {
  const state = { sent: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    state.sent++;
    for (const s of streams) rig.fake.publish(s, { E: state.sent, a: state.sent });
  }, 2);
  feeds.push(state.stop);
  return state;
}

const sequence = (rig: BinanceRig, id: string): number[] => rig.ctx.payloadsOf(id).map((p) => (p as { a: number }).a);

describe('BinanceProvider reconnects', () => {
  it('re-establishes a dropped connection and leaves the exchange with exactly the wanted streams', async () => {
    const rig = await startRig(fast);
    const { fake, ctx, provider } = rig;
    const streams = ids('binance::s0usdt.ticker', 'binance::s1usdt.ticker', 'binance::s2usdt.ticker', 'binance::s3usdt.ticker', 'binance::s4usdt.ticker');
    const book = ids('binance::s0usdt.bookTicker');
    expect(await provider.subscribe([...streams, ...book])).toEqual({});
    provider.unsubscribe(streams.slice(0, 2));
    await waitFor(() => fake.subscribed().length === 4, 'the unsubscribes');

    const market = fake.open.find((c) => c.path === '/market/stream')!;
    market.drop();
    await waitFor(() => ctx.events.length === 3, 'streams reported down');
    // Let go of one more while disconnected: it must not come back.
    provider.unsubscribe([streams[2]]);
    await waitFor(() => ctx.events.length === 5, 'streams reported up');

    expect(fake.subscribed()).toEqual(['s0usdt@bookTicker', 's3usdt@ticker', 's4usdt@ticker']);
    const down = ctx.events.slice(0, 3).map((e) => e.kind === 'stream-down' && e.id);
    expect(down.sort()).toEqual([streams[2], streams[3], streams[4]].map((s) => s.canonical).sort());
    expect(ctx.events.slice(3)).toEqual(expect.arrayContaining([streams[3], streams[4]].map((s) => ({ kind: 'stream-up', id: s.canonical }))));
    expect(provider.stats().reconnects).toBe(1);
    // A gap for each stream that was flowing when the connection dropped.
    expect(ctx.gaps.map((g) => g.id).sort()).toEqual([streams[2], streams[3], streams[4]].map((s) => s.canonical).sort());

    fake.publish('s3usdt@ticker', { E: 9 });
    await waitFor(() => ctx.emits.length === 1, 'data on the new connection');
  });

  it('backs off while the exchange is unreachable, then resubscribes', async () => {
    const rig = await startRig({ ...fast, reconnectMaxMs: 60 }, { maxStreamsPerConnection: 1024 });
    const { fake, ctx, provider } = rig;
    const [a] = ids('binance::btcusdt.aggTrade');
    await provider.subscribe([a]);
    // Refuse the next few connections outright.
    let refusals = 3;
    const first = fake.open[0];
    const original = fake.connections.push.bind(fake.connections);
    fake.connections.push = (...items) => {
      for (const c of items) if (refusals-- > 0) c.drop();
      return original(...items);
    };
    first.drop();
    await waitFor(() => ctx.events.some((e) => e.kind === 'stream-up'), 'the stream to come back');
    expect(fake.connections).toHaveLength(5);
    expect(fake.subscribed()).toEqual(['btcusdt@aggTrade']);
    expect(provider.stats().reconnects).toBe(4);
  });
});

describe('BinanceProvider renews connections before the 24-hour cut-off', () => {
  it('switches to a fresh connection with nothing lost or duplicated', async () => {
    // Silence detection out of the way: the clock jumps a day at a time here.
    const rig = await startRig({ staleTimeoutMs: DAY, pingIntervalMs: DAY - 1 });
    const { fake, ctx, clock, provider } = rig;
    const streams = ids('binance::btcusdt.aggTrade', 'binance::ethusdt.aggTrade', 'binance::btcusdt.bookTicker');
    expect(await provider.subscribe(streams)).toEqual({});
    const names = ['btcusdt@aggTrade', 'ethusdt@aggTrade', 'btcusdt@bookTicker'];
    const source = feed(rig, names);

    for (let round = 1; round <= 3; round++) {
      await waitFor(() => ctx.emits.length >= 30 * round, 'messages to flow');
      clock.advance(BINANCE_DEFAULTS.renewAfterMs);
      await waitFor(() => provider.stats().renewals === 2 * round, `renewal ${round}`);
      await waitFor(() => fake.open.length === 2, `the old connections of round ${round} to close`);
    }
    const last = source.sent + 20;
    await waitFor(() => source.sent >= last, 'more messages after the last switch');
    source.stop();
    for (const s of streams) await waitFor(() => sequence(rig, s.canonical).at(-1) === source.sent, `the last message on ${s}`);

    const expected = Array.from({ length: source.sent }, (_, i) => i + 1);
    for (const s of streams) expect(sequence(rig, s.canonical)).toEqual(expected);
    expect(fake.connections).toHaveLength(8);
    expect(fake.subscribed()).toEqual([...names].sort());
    expect(ctx.events).toEqual([]);
    expect(ctx.gaps).toEqual([]);
  });

  it.each([
    ['the old socket lags behind the new one', 1],
    ['the new socket lags behind the old one', 2],
  ])('hands over exactly once when %s', async (_, laggard) => {
    const rig = await startRig({ staleTimeoutMs: DAY, pingIntervalMs: DAY - 1 }, { lagFor: (c) => (c.serial === laggard ? 30 : 0) });
    const { fake, ctx, clock, provider } = rig;
    const streams = ids('binance::btcusdt.aggTrade', 'binance::ethusdt.aggTrade');
    expect(await provider.subscribe(streams)).toEqual({});
    const source = feed(rig, ['btcusdt@aggTrade', 'ethusdt@aggTrade']);
    await waitFor(() => ctx.emits.length >= 40, 'messages to flow');
    clock.advance(BINANCE_DEFAULTS.renewAfterMs);
    await waitFor(() => fake.open.length === 1 && provider.stats().renewals === 1, 'the switch and the old socket closed');
    const last = source.sent + 20;
    await waitFor(() => source.sent >= last, 'more messages after the switch');
    source.stop();
    for (const s of streams) await waitFor(() => sequence(rig, s.canonical).at(-1) === source.sent, `the last message on ${s}`);
    const expected = Array.from({ length: source.sent }, (_, i) => i + 1);
    for (const s of streams) expect(sequence(rig, s.canonical)).toEqual(expected);
    expect(provider.stats().duplicateFrames).toBeGreaterThan(0);
  });

  it('keeps the old connection when the replacement cannot subscribe, and tries again later', async () => {
    let refuseNew = true;
    const refuse = (_: readonly string[], c: { serial: number }) => (refuseNew && c.serial > 1 ? { code: -1, msg: 'busy' } : undefined);
    const rig = await startRig({ staleTimeoutMs: DAY, pingIntervalMs: DAY - 1, reconnectMaxMs: 1000 }, { refuse });
    const { fake, ctx, clock, provider } = rig;
    await provider.subscribe(ids('binance::btcusdt.aggTrade'));
    clock.advance(BINANCE_DEFAULTS.renewAfterMs);
    await waitFor(() => fake.connections.length === 2 && fake.connections[1].closed, 'the refused replacement to close');
    expect(fake.connections[0].closed).toBe(false);
    refuseNew = false;
    clock.advance(1000);
    await waitFor(() => provider.stats().renewals === 1, 'the retried renewal');
    // A stream that stays quiet cannot show the sockets lined up: the old one drains for a while.
    clock.advance(5000);
    await waitFor(() => fake.open.length === 1, 'the old connection to close');
    expect(fake.subscribed()).toEqual(['btcusdt@aggTrade']);
    expect(ctx.events).toEqual([]);
  });
});

describe('BinanceProvider replaces silent connections', () => {
  it('keeps a quiet connection that answers pings, and replaces one gone silent', async () => {
    // Our pings share the pacer's budget (5 a second) with SUBSCRIBEs; 200 ms leaves room.
    const rig = await startRig({ ...fast, pingIntervalMs: 200, staleTimeoutMs: 700 });
    const { fake, ctx, provider } = rig;
    const streams = ids('binance::btcusdt.ticker', 'binance::ethusdt.ticker');
    await provider.subscribe(streams);
    const first = fake.open[0];
    await waitFor(() => first.received.filter((r) => r.kind === 'ping').length >= 5, 'our pings');
    expect(provider.stats().staleReplacements).toBe(0);

    first.muted = true;
    await waitFor(() => provider.stats().staleReplacements === 1, 'the silent connection to be noticed');
    await waitFor(() => fake.open.length === 1 && fake.open[0] !== first && fake.open[0].streams.size === 2, 'its replacement');
    expect(ctx.events.filter((e) => e.kind === 'stream-down').every((e) => e.kind === 'stream-down' && /silent/.test(e.reason))).toBe(true);
    await waitFor(() => ctx.events.filter((e) => e.kind === 'stream-up').length === 2, 'streams back up');
    fake.publish('btcusdt@ticker', { E: 1 });
    await waitFor(() => ctx.emits.length === 1, 'data on the replacement');
  });

  it('does so with the default timeouts, driven by the clock', async () => {
    const { fake, clock, provider } = await startRig(fast);
    await provider.subscribe(ids('binance::btcusdt.ticker'));
    const first = fake.open[0];
    first.muted = true;
    clock.advance(BINANCE_DEFAULTS.staleTimeoutMs);
    expect(provider.stats().staleReplacements).toBe(1);
    await waitFor(() => fake.open.length === 1 && fake.open[0] !== first && fake.open[0].streams.size === 1, 'the replacement');
  });
});
