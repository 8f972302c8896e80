import type { BookPayload } from '../common/market';
import { parseIdentifier } from '../router/identifier';
import { BookReplica } from '../testkit/book-replica';
import { startRig, stopRigs, waitFor, type BinanceRig } from './support/binance-context';
import { expectBookContract, settleBooks, watchBook } from './support/book-watch';
import { FakeBinanceDepth } from './support/fake-binance-depth';

const BTC = 'binance::book.btcusdt';
const ETH = 'binance::book.ethusdt';

let depth: FakeBinanceDepth | undefined;
afterEach(async () => {
  await stopRigs();
  await depth?.close();
  depth = undefined;
});

async function booksRig(options: { depthWeightPerMinute?: number } = {}): Promise<{ rig: BinanceRig; depth: FakeBinanceDepth }> {
  depth = await FakeBinanceDepth.start(['btcusdt', 'ethusdt']);
  const rig = await startRig({ symbols: ['btcusdt', 'ethusdt'], ...options, restUrl: depth.url });
  depth.fake = rig.fake;
  return { rig, depth };
}

function settle(rig: BinanceRig, d: FakeBinanceDepth, symbols: string[], steps = 5): Promise<void> {
  return settleBooks(rig.ctx, (s) => `binance::book.${s}`, d, ['btcusdt', 'ethusdt'], symbols, steps);
}

describe('binance books against the fake exchange', () => {
  it('a snapshot then changes; a client applying them holds the venue book', async () => {
    const { rig, depth: d } = await booksRig();
    expect(await rig.provider.subscribe([parseIdentifier(BTC), parseIdentifier(ETH)])).toEqual({});
    await waitFor(() => d.requests.length === 2, 'the REST snapshots');
    await settle(rig, d, ['btcusdt', 'ethusdt'], 20);
    expect(d.requests.map((r) => r.limit)).toEqual([1000, 1000]);
    const btc = watchBook(rig.ctx, BTC);
    expectBookContract(btc);
    expect(btc.events.filter((e) => e === 'change').length).toBeGreaterThan(5);
    expect(rig.provider.stats()).toMatchObject({ booksInSync: 2, books: { resyncs: 0 } });
  });

  it('a skipped update resyncs that symbol alone, announced, while the other keeps flowing', async () => {
    const { rig, depth: d } = await booksRig();
    await rig.provider.subscribe([parseIdentifier(BTC), parseIdentifier(ETH)]);
    await settle(rig, d, ['btcusdt', 'ethusdt']);
    const ethBefore = watchBook(rig.ctx, ETH).events.length;
    d.step('btcusdt', 'lost'); // lost on the way
    await settle(rig, d, ['btcusdt', 'ethusdt']);
    expect(rig.ctx.gaps.map((g) => g.id)).toEqual([BTC]);
    expect(rig.ctx.gaps[0].reason).toMatch(/book resync \(sequence\): pu/);
    const btc = watchBook(rig.ctx, BTC);
    expectBookContract(btc);
    expect(btc.events).toContain('resync');
    const eth = watchBook(rig.ctx, ETH);
    expect(eth.events.slice(ethBefore)).not.toContain('gap');
    expect(eth.events.slice(ethBefore)).not.toContain('resync');
    expect(rig.provider.stats().books.resyncsBy.sequence).toBe(1);
  });

  it('a wrong pu resyncs', async () => {
    const { rig, depth: d } = await booksRig();
    await rig.provider.subscribe([parseIdentifier(BTC)]);
    await settle(rig, d, ['btcusdt']);
    d.step('btcusdt', 'wrong-pu');
    await settle(rig, d, ['btcusdt']);
    expect(rig.ctx.gaps.map((g) => g.id)).toEqual([BTC]);
    expectBookContract(watchBook(rig.ctx, BTC));
  });

  it('buffers deltas during a slow snapshot and applies them on top', async () => {
    const { rig, depth: d } = await booksRig();
    d.delayMs = 300;
    await rig.provider.subscribe([parseIdentifier(BTC)]);
    await waitFor(() => d.requests.length === 1, 'the REST request');
    for (let i = 0; i < 20; i++) d.step('btcusdt');
    await waitFor(() => rig.provider.stats().booksInSync === 1, 'the book');
    await settle(rig, d, ['btcusdt'], 1);
    expect(rig.provider.stats().books.bufferedDeltas).toBeGreaterThanOrEqual(20);
    expect(watchBook(rig.ctx, BTC).events.filter((e) => e === 'snapshot')).toHaveLength(1);
  });

  it('a snapshot older than the buffered deltas is fetched again', async () => {
    const { rig, depth: d } = await booksRig();
    d.override.set('btcusdt', d.feed('btcusdt').snapshot());
    for (let i = 0; i < 3; i++) d.step('btcusdt');
    d.delayMs = 100;
    await rig.provider.subscribe([parseIdentifier(BTC)]);
    for (let i = 0; i < 5; i++) d.step('btcusdt');
    await waitFor(() => d.requests.length === 2, 'a second REST request');
    await settle(rig, d, ['btcusdt']);
    expect(rig.provider.stats().books.resyncsBy['stale-snapshot']).toBe(1);
    expect(rig.ctx.gaps).toEqual([]); // nothing was sent yet, so nothing to announce
    expectBookContract(watchBook(rig.ctx, BTC));
  });

  it('a reconnect mid-snapshot: the old answer is dropped, the book comes back with resync: true', async () => {
    const { rig, depth: d } = await booksRig();
    await rig.provider.subscribe([parseIdentifier(BTC)]);
    await settle(rig, d, ['btcusdt']);
    d.delayMs = 300;
    d.step('btcusdt', 'lost');
    d.step('btcusdt'); // the break: a fetch starts, slow
    await waitFor(() => d.requests.length === 2, 'the resync request');
    rig.fake.open[0].drop();
    await waitFor(() => rig.fake.connections.length === 2 && rig.fake.open.length === 1 && rig.fake.open[0].streams.size === 1, 'the reconnect');
    d.delayMs = 0;
    await settle(rig, d, ['btcusdt']);
    expectBookContract(watchBook(rig.ctx, BTC));
    expect(rig.provider.stats().books.resyncsBy.reconnect).toBe(1);
  });

  it('a late joiner gets the current book and stays equal with the changes after it', async () => {
    const { rig, depth: d } = await booksRig();
    await rig.provider.subscribe([parseIdentifier(BTC)]);
    await settle(rig, d, ['btcusdt']);
    const state = rig.ctx.states.get(BTC)?.() as unknown as BookPayload;
    expect(state.type).toBe('snapshot');
    const joiner = new BookReplica();
    joiner.apply(state);
    const from = rig.ctx.emits.length;
    await settle(rig, d, ['btcusdt']);
    for (const e of rig.ctx.emits.slice(from)) if (e.id === BTC) joiner.apply(e.payload as unknown as BookPayload);
    expect(joiner.levels()).toEqual(d.levels('btcusdt'));
  });

  it('paces the REST snapshots under the weight budget', async () => {
    const { rig, depth: d } = await booksRig({ depthWeightPerMinute: 20 });
    await rig.provider.subscribe([parseIdentifier(BTC), parseIdentifier(ETH)]);
    await waitFor(() => d.requests.length === 1, 'the first snapshot');
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.requests).toHaveLength(1); // the second waits for the minute to pass
    rig.clock.advance(60_000);
    await waitFor(() => d.requests.length === 2, 'the second snapshot');
  });
});
