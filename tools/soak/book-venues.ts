import type { DataService } from '../../data-service';
import { BinanceProvider } from '../../providers/binance';
import { BybitProvider } from '../../providers/bybit';
import { OkxProvider } from '../../providers/okx';
import { FakeBinance } from '../../test/support/fake-binance';
import { FakeBinanceDepth } from '../../test/support/fake-binance-depth';
import { FakeBybit } from '../../test/support/fake-bybit';
import { InBandBooks, okxElement } from '../../test/support/fake-inband-books';
import { FakeOkx } from '../../test/support/fake-okx';

/** What a book break does to one delta on the wire. */
export type BookBreak = 'lost' | 'misnumbered' | 'bad-checksum';

export interface Levels {
  readonly bids: [number, number][];
  readonly asks: [number, number][];
}

/**
 * One fake venue serving order books to its real provider, as the soak drives it: its true books
 * move one delta at a time, a break loses or alters one delta, a drop cuts every connection. The
 * audit, quiet points and book history are shared (venue-books.ts); this is only how to drive
 * the venue. The fakes follow the venues' public docs (see each fake's header).
 */
export interface SoakBookVenue {
  /** The provider's name, the namespace of its book streams. */
  readonly name: string;
  readonly symbols: readonly string[];
  /** The breaks this venue's protocol can show. */
  readonly breaks: readonly BookBreak[];
  /**
   * The snapshot comes over REST and the deltas buffered meanwhile go on top (Binance), so a
   * resync snapshot may hold the book of a later update than its snapshot's event time.
   */
  readonly catchesUp: boolean;
  /** The venue's clock: the event time its newest book state carries (later ones are larger). */
  now(): number;
  /** Moves `symbol`'s book one delta and sends it, or for a break loses or alters it. */
  step(symbol: string, fault?: BookBreak): void;
  levels(symbol: string): Levels;
  /** Every connection dropped without a close handshake. */
  drop(): void;
  stop(): Promise<void>;
}

/** Pinged often and replaced soon when silent, so a venue held still at a quiet point stays connected. */
const KEEPALIVE = { pingIntervalMs: 1_000, staleTimeoutMs: 5_000 } as const;

/** The three venues, each on its own fake and provider (named `binance`, `bybit`, `okx`). */
export async function startBookVenues(service: DataService): Promise<SoakBookVenue[]> {
  const venues: SoakBookVenue[] = [];
  try {
    for (const start of [binance, bybit, okx]) venues.push(await start(service));
  } catch (error) {
    await Promise.all(venues.map((v) => v.stop()));
    throw error;
  }
  return venues;
}

/** Adds the provider; on failure the fake is closed too. */
async function added(service: DataService, name: string, factory: () => BinanceProvider | BybitProvider | OkxProvider, close: () => Promise<unknown>): Promise<void> {
  try {
    await service.addProvider(name, factory);
  } catch (error) {
    await close();
    throw error;
  }
}

/** Binance USD-M: deltas with `U`/`u`/`pu` on the socket, the snapshot over REST. */
async function binance(service: DataService): Promise<SoakBookVenue> {
  const symbols = ['btcusdt', 'ethusdt'];
  const depth = await FakeBinanceDepth.start(symbols, 3);
  // The REST answer takes a few steps of the book, so deltas wait to go on top of the snapshot.
  depth.delayMs = 80;
  const fake = await FakeBinance.start();
  depth.fake = fake;
  const close = (): Promise<unknown> => Promise.all([fake.close(), depth.close()]);
  // The most REST weight the venue allows: a storm of breaks must not queue the resyncs for long.
  await added(service, 'binance', () => new BinanceProvider({ baseUrl: fake.url, restUrl: depth.url, symbols, depthWeightPerMinute: 2_400, ...KEEPALIVE }), close);
  return {
    name: 'binance',
    symbols,
    breaks: ['lost', 'misnumbered'],
    catchesUp: true,
    now: () => depth.now,
    step: (s, fault) => void depth.step(s, fault === 'misnumbered' ? 'wrong-pu' : fault === 'lost' ? 'lost' : undefined),
    levels: (s) => depth.levels(s),
    drop: () => fake.open.forEach((c) => c.drop()),
    stop: async () => void (await close()),
  };
}

/** Bybit v5: `orderbook.200.<SYMBOL>`, the snapshot on the socket after the subscribe's ack. */
async function bybit(service: DataService): Promise<SoakBookVenue> {
  const symbols = ['btcusdt', 'ethusdt'];
  const books = new InBandBooks('bybit', symbols, 7);
  const fake = await FakeBybit.start({ symbols: symbols.map((s) => s.toUpperCase()), onSubscribed: (topic, c) => sendIf(books.snapshotFor(topic), c) });
  books.publisher = { publishDelta: (name, symbol, d, ts) => fake.publish(name, 'delta', { s: symbol.toUpperCase(), b: d.bids, a: d.asks, u: d.first, seq: d.seq }, { ts }) };
  await added(service, 'bybit', () => new BybitProvider({ baseUrl: fake.url, symbols, ...KEEPALIVE }), () => fake.close());
  return inBand('bybit', symbols, books, ['lost', 'misnumbered'], fake);
}

/** OKX v5: the `books` channel, `seqId`/`prevSeqId` and a CRC32 checksum on every message. */
async function okx(service: DataService): Promise<SoakBookVenue> {
  const symbols = ['btc-usdt-swap', 'eth-usdt-swap'];
  const books = new InBandBooks('okx', symbols, 11);
  const fake = await FakeOkx.start({ instruments: symbols.map((s) => s.toUpperCase()), onSubscribed: (name, c) => sendIf(books.snapshotFor(name), c) });
  books.publisher = { publishDelta: (_name, symbol, d, ts) => fake.publish('books', symbol.toUpperCase(), [okxElement(d, d.last, d.prev, ts)]) };
  await added(service, 'okx', () => new OkxProvider({ baseUrl: fake.url, symbols, ...KEEPALIVE }), () => fake.close());
  return inBand('okx', symbols, books, ['lost', 'misnumbered', 'bad-checksum'], fake);
}

function inBand(name: string, symbols: readonly string[], books: InBandBooks, breaks: readonly BookBreak[], fake: { open: readonly { drop(): void }[]; close(): Promise<void> }): SoakBookVenue {
  return {
    name,
    symbols,
    breaks,
    catchesUp: false,
    now: () => books.now,
    step: (s, fault) => void books.step(s, fault === 'misnumbered' ? 'wrong-seq' : fault),
    levels: (s) => books.levels(s),
    drop: () => fake.open.forEach((c) => c.drop()),
    stop: () => fake.close(),
  };
}

function sendIf(text: string | undefined, connection: { send(text: string): void }): void {
  if (text !== undefined) connection.send(text);
}
