import { BybitFeed, OkxFeed, type FeedDelta, type FeedSnapshot } from './book-feeds';

/** What the books need of a fake venue: a push to every subscriber, and one connection's send. */
interface Publisher {
  publishDelta(name: string, symbol: string, d: FeedDelta, ts: number): number;
}

/**
 * Books for a fake venue whose snapshot comes on the socket (Bybit `orderbook.200.<SYMBOL>`,
 * OKX `books`): per symbol a seeded true book; a connection that subscribes the book gets the
 * snapshot right after the ack (the fakes' `onSubscribed`), and `step` pushes deltas to every
 * subscriber, as the venues' public WebSocket docs describe. Faults: a lost delta, a wrong
 * sequence id, a wrong checksum (OKX).
 */
export class InBandBooks {
  readonly feeds = new Map<string, BybitFeed | OkxFeed>();
  publisher: Publisher | undefined;
  private time = 1_700_000_000_000;

  constructor(
    readonly venue: 'bybit' | 'okx',
    symbols: readonly string[],
    seed = 1,
  ) {
    symbols.forEach((s, i) => this.feeds.set(s, venue === 'bybit' ? new BybitFeed({ seed: seed + i, depth: 30 }) : new OkxFeed({ seed: seed + i, depth: 30 })));
  }

  /** The venue's name of a symbol's book subscription. */
  nameOf(symbol: string): string {
    return this.venue === 'bybit' ? `orderbook.200.${symbol.toUpperCase()}` : `books:${symbol.toUpperCase()}`;
  }

  /** The snapshot frame for a subscription name, or undefined when it is not a book here. */
  snapshotFor(name: string): string | undefined {
    const symbol = [...this.feeds.keys()].find((s) => this.nameOf(s) === name);
    if (symbol === undefined) return undefined;
    const s = this.feeds.get(symbol)!.snapshot();
    return this.venue === 'bybit' ? JSON.stringify(bybitFrame(name, 'snapshot', symbol, s.bids, s.asks, s.id, s.seq, ++this.time)) : JSON.stringify(okxFrame(symbol, 'snapshot', s, -1, ++this.time));
  }

  /** The venue's clock: the stamp of the last delta or snapshot sent (each later one is larger). */
  get now(): number {
    return this.time;
  }

  feed(symbol: string): BybitFeed | OkxFeed {
    const feed = this.feeds.get(symbol);
    if (!feed) throw new Error(`no book for ${symbol}`);
    return feed;
  }

  step(symbol: string, fault?: 'lost' | 'wrong-seq' | 'bad-checksum'): number {
    const d = this.feed(symbol).step();
    this.time += 10;
    if (fault === 'lost') return 0;
    if (!this.publisher) throw new Error('no fake venue to publish on');
    const sent: FeedDelta = fault === 'wrong-seq' ? { ...d, first: d.first + 5, last: d.last + 5, prev: d.prev - 1 } : fault === 'bad-checksum' ? { ...d, checksum: d.checksum ^ 1 } : d;
    return this.publisher.publishDelta(this.nameOf(symbol), symbol, sent, this.time);
  }

  levels(symbol: string): { bids: [number, number][]; asks: [number, number][] } {
    return this.feed(symbol).book.levels();
  }
}

/** Bybit push: `{topic,type,ts,data:{s,b,a,u,seq},cts}`. */
export function bybitFrame(topic: string, type: 'snapshot' | 'delta', symbol: string, b: unknown, a: unknown, u: number, seq: number, ts: number): object {
  return { topic, type, ts, data: { s: symbol.toUpperCase(), b, a, u, seq }, cts: ts - 1 };
}

/** OKX push of the `books` channel: `{arg:{channel,instId},action,data:[{asks,bids,ts,checksum,prevSeqId,seqId}]}`. */
export function okxFrame(symbol: string, action: 'snapshot' | 'update', s: FeedSnapshot | FeedDelta, prevSeqId: number, ts: number): object {
  const seqId = 'id' in s ? s.id : s.last;
  return { arg: { channel: 'books', instId: symbol.toUpperCase() }, action, data: [okxElement(s, seqId, prevSeqId, ts)] };
}

export function okxElement(s: FeedSnapshot | FeedDelta, seqId: number, prevSeqId: number, ts: number): object {
  return { asks: s.asks, bids: s.bids, ts: String(ts), checksum: s.checksum, prevSeqId, seqId };
}
