import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BinanceFeed, type FeedSnapshot } from './book-feeds';
import type { FakeBinance } from './fake-binance';

/**
 * Binance USD-M books for the fake exchange: per symbol a seeded true book whose deltas go out
 * as `<symbol>@depth@100ms` events (`{e:"depthUpdate",E,T,s,U,u,pu,b,a}`) and whose snapshot the
 * REST endpoint `GET /fapi/v1/depth?symbol=…&limit=…` serves (`{lastUpdateId,E,T,bids,asks}`),
 * as the USD-M futures docs ("Diff. Book Depth Streams", "Order Book") describe them. Tests
 * can slow the REST answer, serve an old snapshot, or lose a delta.
 */
export class FakeBinanceDepth {
  readonly feeds = new Map<string, BinanceFeed>();
  /** Depth requests served, by symbol (upper case, as sent). */
  readonly requests: { symbol: string; limit: number }[] = [];
  /** How long the REST answer waits; the snapshot is the book as it was when asked. */
  delayMs = 0;
  /** Served instead of the true book, once per entry, for that symbol (lower case). */
  readonly override = new Map<string, FeedSnapshot>();
  private time = 1_700_000_000_000;

  /** The fake exchange the deltas go out on (set once it runs). */
  fake: FakeBinance | undefined;

  private constructor(private readonly server: Server) {}

  static async start(symbols: readonly string[], seed = 1): Promise<FakeBinanceDepth> {
    let depth: FakeBinanceDepth | undefined;
    const server = createServer((req, res) => depth?.serve(req.url ?? '', (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(body)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    depth = new FakeBinanceDepth(server);
    symbols.forEach((s, i) => depth!.feeds.set(s, new BinanceFeed({ seed: seed + i, depth: 30 })));
    return depth;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The venue's clock: the `E` of the last delta sent, and of a snapshot served now. */
  get now(): number {
    return this.time;
  }

  feed(symbol: string): BinanceFeed {
    const feed = this.feeds.get(symbol);
    if (!feed) throw new Error(`no book for ${symbol}`);
    return feed;
  }

  /** The next delta of `symbol`'s book, sent unless `lost`. Returns how many sockets got it. */
  step(symbol: string, fault?: 'lost' | 'wrong-pu'): number {
    const d = this.feed(symbol).step();
    this.time += 100;
    if (fault === 'lost') return 0;
    if (!this.fake) throw new Error('no fake exchange to publish on');
    const pu = fault === 'wrong-pu' ? d.prev - 1 : d.prev;
    return this.fake.publish(`${symbol}@depth@100ms`, { e: 'depthUpdate', E: this.time, T: this.time - 1, s: symbol.toUpperCase(), U: d.first, u: d.last, pu, b: d.bids, a: d.asks });
  }

  /** The book as a client holding it should see it, `[price, amount]` best first. */
  levels(symbol: string): { bids: [number, number][]; asks: [number, number][] } {
    return this.feed(symbol).book.levels();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(url: string, reply: (status: number, body: string) => void): void {
    const query = new URL(url, 'http://x');
    const symbol = query.searchParams.get('symbol') ?? '';
    const limit = Number(query.searchParams.get('limit') ?? '500');
    const feed = this.feeds.get(symbol.toLowerCase());
    if (query.pathname !== '/fapi/v1/depth' || !feed) return reply(400, JSON.stringify({ code: -1121, msg: 'Invalid symbol.' }));
    this.requests.push({ symbol, limit });
    const override = this.override.get(symbol.toLowerCase());
    this.override.delete(symbol.toLowerCase());
    const s = override ?? feed.snapshot();
    const body = JSON.stringify({ lastUpdateId: s.id, E: this.time, T: this.time, bids: s.bids.slice(0, limit), asks: s.asks.slice(0, limit) });
    if (this.delayMs === 0) reply(200, body);
    else setTimeout(() => reply(200, body), this.delayMs);
  }
}
