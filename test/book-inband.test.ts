import type { BookPayload } from '../common/market';
import { parseIdentifier } from '../router/identifier';
import type { CaptureContext } from '../testkit';
import { BookReplica } from '../testkit/book-replica';
import { stopRigs, waitFor } from './support/binance-context';
import { expectBookContract, settleBooks, watchBook } from './support/book-watch';
import { startBybitRig } from './support/bybit-context';
import { InBandBooks, okxElement } from './support/fake-inband-books';
import { startOkxRig } from './support/okx-rig';

afterEach(stopRigs);

interface Rig {
  readonly ctx: CaptureContext;
  readonly books: InBandBooks;
  readonly provider: { subscribe: (ids: ReturnType<typeof parseIdentifier>[]) => Promise<unknown>; stats(): { booksInSync: number; books: { resyncs: number; resyncsBy: Record<string, number>; badMessages: number; snapshots: number; delayedResyncs: number } } };
  readonly symbols: readonly [string, string];
  /** Sends raw text to every connection (garbage, odd frames). */
  broadcast(text: string): void;
  /** Drops every connection without a close handshake. */
  drop(): void;
  canonical(symbol: string): string;
}

async function bybitRig(): Promise<Rig> {
  const symbols = ['btcusdt', 'ethusdt'] as const;
  const books = new InBandBooks('bybit', symbols);
  const rig = await startBybitRig({ symbols: [...symbols] }, { onSubscribed: (topic, c) => sendIf(books.snapshotFor(topic), (t) => c.send(t)) });
  books.publisher = { publishDelta: (name, symbol, d) => rig.fake.publish(name, 'delta', { s: symbol.toUpperCase(), b: d.bids, a: d.asks, u: d.first, seq: d.seq }) };
  return {
    ctx: rig.ctx,
    books,
    provider: rig.provider,
    symbols,
    broadcast: (text) => rig.fake.open.forEach((c) => c.send(text)),
    drop: () => rig.fake.open.forEach((c) => c.drop()),
    canonical: (s) => `bybit::book.${s}`,
  };
}

async function okxRig(): Promise<Rig> {
  const symbols = ['btc-usdt-swap', 'eth-usdt-swap'] as const;
  const books = new InBandBooks('okx', symbols);
  const rig = await startOkxRig({ symbols: [...symbols] }, { instruments: symbols.map((s) => s.toUpperCase()), onSubscribed: (name, c) => sendIf(books.snapshotFor(name), (t) => c.send(t)) });
  books.publisher = { publishDelta: (_name, symbol, d, ts) => rig.fake.publish('books', symbol.toUpperCase(), [okxElement(d, d.last, d.prev, ts)]) };
  return {
    ctx: rig.ctx,
    books,
    provider: rig.provider,
    symbols,
    broadcast: (text) => rig.fake.broadcast(text),
    drop: () => rig.fake.open.forEach((c) => c.drop()),
    canonical: (s) => `okx::book.${s}`,
  };
}

function sendIf(text: string | undefined, send: (text: string) => void): void {
  if (text !== undefined) send(text);
}

const settle = (rig: Rig, symbols: readonly string[] = rig.symbols, steps = 5): Promise<void> => settleBooks(rig.ctx, rig.canonical, rig.books, rig.symbols, symbols, steps);

async function started(make: () => Promise<Rig>): Promise<Rig> {
  const rig = await make();
  expect(await rig.provider.subscribe(rig.symbols.map((s) => parseIdentifier(rig.canonical(s).replace(/book\.(.*)$/, '$1.book'))))).toEqual({});
  await settle(rig);
  return rig;
}

describe.each([
  ['bybit', bybitRig],
  ['okx', okxRig],
] as const)('%s books against the fake venue', (venue, make) => {
  it('a snapshot then changes; a client applying them holds the venue book', async () => {
    const rig = await started(make);
    await settle(rig, rig.symbols, 20);
    for (const s of rig.symbols) expectBookContract(watchBook(rig.ctx, rig.canonical(s)));
    expect(rig.provider.stats()).toMatchObject({ booksInSync: 2, books: { resyncs: 0 } });
  });

  it('a skipped update resyncs that symbol alone (subscribing again), announced, while the other keeps flowing', async () => {
    const rig = await started(make);
    const [a, b] = rig.symbols;
    const bBefore = watchBook(rig.ctx, rig.canonical(b)).events.length;
    rig.books.step(a, 'lost');
    await settle(rig);
    expect(rig.ctx.gaps.map((g) => g.id)).toEqual([rig.canonical(a)]);
    expect(rig.ctx.gaps[0].reason).toMatch(/^book resync \(sequence\)/);
    const watch = watchBook(rig.ctx, rig.canonical(a));
    expectBookContract(watch);
    expect(watch.events).toContain('resync');
    expect(watchBook(rig.ctx, rig.canonical(b)).events.slice(bBefore).filter((e) => e !== 'change')).toEqual([]);
    expect(rig.provider.stats().books.resyncsBy.sequence).toBe(1);
  });

  it('a wrong sequence id resyncs', async () => {
    const rig = await started(make);
    rig.books.step(rig.symbols[0], 'wrong-seq');
    await settle(rig);
    expect(rig.ctx.gaps.map((g) => g.id)).toEqual([rig.canonical(rig.symbols[0])]);
    expectBookContract(watchBook(rig.ctx, rig.canonical(rig.symbols[0])));
  });

  it('a reconnect drops every book with a gap; each comes back with resync: true', async () => {
    const rig = await started(make);
    rig.drop();
    await waitFor(() => rig.ctx.gaps.length === 2, 'the gaps');
    await settle(rig);
    for (const s of rig.symbols) {
      const watch = watchBook(rig.ctx, rig.canonical(s));
      expectBookContract(watch);
      expect(watch.events.slice(-3)).toContain('resync');
    }
    expect(rig.provider.stats().books.resyncsBy.reconnect).toBe(2);
  });

  it('bad data from the venue is counted and resyncs, nothing crashes', async () => {
    const rig = await started(make);
    const [a] = rig.symbols;
    const bad =
      venue === 'bybit'
        ? { topic: rig.books.nameOf(a), type: 'delta', ts: 1, data: { s: a.toUpperCase(), b: [['NaN', '1']], a: [['1', '-2']], u: 10 ** 9, seq: 1 } }
        : { arg: { channel: 'books', instId: a.toUpperCase() }, action: 'update', data: [{ asks: [['x', '1', '0', '1']], bids: [], ts: '1', checksum: 0, prevSeqId: 1, seqId: 2 }] };
    rig.broadcast(JSON.stringify(bad));
    rig.broadcast('{"not json');
    await settle(rig);
    expect(rig.provider.stats().books.resyncs).toBeGreaterThanOrEqual(1);
    for (const s of rig.symbols) expectBookContract(watchBook(rig.ctx, rig.canonical(s)));
  });

  it('a resync storm backs off and shows in stats; the book still comes back', async () => {
    const rig = await started(make);
    const [a] = rig.symbols;
    for (let i = 0; i < 3; i++) {
      rig.books.step(a, 'lost');
      await settle(rig, [a], 1);
    }
    const { books } = rig.provider.stats();
    expect(books.resyncsBy.sequence).toBe(3);
    expect(books.delayedResyncs).toBeGreaterThanOrEqual(2);
    expectBookContract(watchBook(rig.ctx, rig.canonical(a)));
  });

  it('a late joiner gets the current book and stays equal with the changes after it', async () => {
    const rig = await started(make);
    const id = rig.canonical(rig.symbols[0]);
    const joiner = new BookReplica();
    joiner.apply(rig.ctx.states.get(id)?.() as unknown as BookPayload);
    const from = rig.ctx.emits.length;
    await settle(rig);
    for (const e of rig.ctx.emits.slice(from)) if (e.id === id) joiner.apply(e.payload as unknown as BookPayload);
    expect(joiner.levels()).toEqual(rig.books.levels(rig.symbols[0]));
  });
});

describe('okx checksum', () => {
  it('a wrong checksum resyncs that book', async () => {
    const rig = await started(okxRig);
    rig.books.step(rig.symbols[0], 'bad-checksum');
    await settle(rig);
    expect(rig.ctx.gaps.map((g) => g.reason)).toEqual([expect.stringMatching(/^book resync \(checksum\)/)]);
    expect(rig.provider.stats().books.resyncsBy.checksum).toBe(1);
  });
});

describe('bybit snapshot on the socket', () => {
  it('a new snapshot (u = 1 after a venue restart) replaces the book without a gap', async () => {
    const rig = await started(bybitRig);
    const [a] = rig.symbols;
    for (let i = 0; i < 5; i++) rig.books.step(a, 'lost');
    rig.broadcast(rig.books.snapshotFor(rig.books.nameOf(a))!.replace(/"u":\d+/, '"u":1'));
    await waitFor(() => rig.provider.stats().books.snapshots >= 3, 'the new snapshot');
    expect(rig.ctx.gaps).toEqual([]);
  });
});
