import type { CaptureContext } from '../../testkit';
import type { BookCounters } from '../../providers/exchange/book/resync';
import type { Identifier } from '../../router/identifier';
import { startRig } from './binance-context';
import type { FeedDelta } from './book-feeds';
import { startBybitRig } from './bybit-context';
import { FakeBinanceDepth } from './fake-binance-depth';
import { InBandBooks, okxElement } from './fake-inband-books';
import { startOkxRig } from './okx-rig';

/**
 * One venue's books on its fake, for tests that put their own deltas on the wire: `next` moves
 * the venue's true book and returns the delta without sending it, `publish` sends any delta (as
 * it is, altered, twice, late), `step` does both, as the venue would.
 */
export interface BookRig {
  readonly venue: 'binance' | 'bybit' | 'okx';
  readonly ctx: CaptureContext;
  readonly provider: { subscribe(ids: readonly Identifier[]): Promise<unknown>; stats(): { booksInSync: number; books: BookCounters } };
  readonly symbols: readonly [string, string];
  canonical(symbol: string): string;
  levels(symbol: string): { bids: [number, number][]; asks: [number, number][] };
  next(symbol: string): FeedDelta;
  publish(symbol: string, delta: FeedDelta): void;
  step(symbol: string): void;
  /** Raw text on every open connection. */
  broadcast(text: string): void;
  /** Every connection dropped without a close handshake. */
  drop(): void;
  /** Binance only: the next REST snapshot of `symbol` is the book as it is now (old by the time it is served). */
  serveOldSnapshot?(symbol: string): void;
  /** Moves the provider's clock on (its timers fire on the way). */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** Keep-alives far apart, so moving the clock on a minute does not make a connection look dead. */
const QUIET = { pingIntervalMs: 300_000, staleTimeoutMs: 600_000 } as const;

let time = 1_700_000_000_000;

export async function binanceBooks(): Promise<BookRig> {
  const symbols = ['btcusdt', 'ethusdt'] as const;
  const depth = await FakeBinanceDepth.start(symbols);
  const rig = await startRig({ symbols: [...symbols], restUrl: depth.url, ...QUIET });
  depth.fake = rig.fake;
  const publish = (s: string, d: FeedDelta): void => {
    time += 100;
    rig.fake.publish(`${s}@depth@100ms`, { e: 'depthUpdate', E: time, T: time - 1, s: s.toUpperCase(), U: d.first, u: d.last, pu: d.prev, b: d.bids, a: d.asks });
  };
  return {
    venue: 'binance',
    ctx: rig.ctx,
    provider: rig.provider,
    symbols,
    canonical: (s) => `binance::book.${s}`,
    levels: (s) => depth.levels(s),
    next: (s) => depth.feed(s).step(),
    publish,
    step: (s) => publish(s, depth.feed(s).step()),
    broadcast: (text) => rig.fake.open.forEach((c) => c.send(text)),
    drop: () => rig.fake.open.forEach((c) => c.drop()),
    serveOldSnapshot: (s) => depth.override.set(s, depth.feed(s).snapshot()),
    advance: (ms) => rig.clock.advance(ms),
    close: () => depth.close(),
  };
}

export async function bybitBooks(): Promise<BookRig> {
  const symbols = ['btcusdt', 'ethusdt'] as const;
  const books = new InBandBooks('bybit', symbols);
  const rig = await startBybitRig({ symbols: [...symbols], ...QUIET }, { onSubscribed: (topic, c) => sendIf(books.snapshotFor(topic), (t) => c.send(t)) });
  const publish = (s: string, d: FeedDelta): void => void rig.fake.publish(books.nameOf(s), 'delta', { s: s.toUpperCase(), b: d.bids, a: d.asks, u: d.first, seq: d.seq });
  return inBand('bybit', books, rig, symbols, publish, (s) => `bybit::book.${s}`, (text) => rig.fake.open.forEach((c) => c.send(text)));
}

export async function okxBooks(): Promise<BookRig> {
  const symbols = ['btc-usdt-swap', 'eth-usdt-swap'] as const;
  const books = new InBandBooks('okx', symbols);
  const rig = await startOkxRig({ symbols: [...symbols], ...QUIET }, { instruments: symbols.map((s) => s.toUpperCase()), onSubscribed: (name, c) => sendIf(books.snapshotFor(name), (t) => c.send(t)) });
  const publish = (s: string, d: FeedDelta): void => void rig.fake.publish('books', s.toUpperCase(), [okxElement(d, d.last, d.prev, (time += 10))]);
  return inBand('okx', books, rig, symbols, publish, (s) => `okx::book.${s}`, (text) => rig.fake.broadcast(text));
}

function inBand(
  venue: 'bybit' | 'okx',
  books: InBandBooks,
  rig: { ctx: CaptureContext; provider: BookRig['provider']; fake: { open: { drop(): void }[] }; clock: { advance(ms: number): void } },
  symbols: readonly [string, string],
  publish: (s: string, d: FeedDelta) => void,
  canonical: (s: string) => string,
  broadcast: (text: string) => void,
): BookRig {
  return {
    venue,
    ctx: rig.ctx,
    provider: rig.provider,
    symbols,
    canonical,
    levels: (s) => books.levels(s),
    next: (s) => books.feed(s).step(),
    publish,
    step: (s) => publish(s, books.feed(s).step()),
    broadcast,
    drop: () => rig.fake.open.forEach((c) => c.drop()),
    advance: (ms) => rig.clock.advance(ms),
    close: async () => undefined,
  };
}

function sendIf(text: string | undefined, send: (text: string) => void): void {
  if (text !== undefined) send(text);
}
