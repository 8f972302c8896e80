import { crc32 } from '../../providers/exchange/book/okx-checksum';
import { okxChecksumText } from '../../providers/exchange/book/okx-checksum';
import { TrueBook, type TextLevel, type TrueBookOptions } from '../../testkit/true-book';

/**
 * A venue's book feed over a TrueBook: snapshots and deltas with the venue's own ids, as the
 * venue docs define them. The fakes put these on the wire; unit tests hand them straight to
 * a BookKeeper. Fields map onto `BookKeeper.snapshot/delta` (`first`, `last`, `prev`, `seq`).
 */
export interface FeedSnapshot {
  readonly bids: TextLevel[] | string[][];
  readonly asks: TextLevel[] | string[][];
  readonly id: number;
  readonly seq: number;
  readonly checksum: number;
}

export interface FeedDelta {
  readonly bids: TextLevel[] | string[][];
  readonly asks: TextLevel[] | string[][];
  readonly first: number;
  readonly last: number;
  readonly prev: number;
  readonly seq: number;
  readonly checksum: number;
}

export type Venue = 'binance' | 'bybit' | 'okx';

export abstract class BookFeed {
  readonly book: TrueBook;
  constructor(options: TrueBookOptions) {
    this.book = new TrueBook(options);
  }
  abstract snapshot(): FeedSnapshot;
  abstract step(): FeedDelta;
}

/**
 * Binance USD-M: update ids are shared by every symbol, so a symbol's `U` skips ahead of the
 * previous `u`; `pu` names the previous event's `u`; the REST snapshot's `lastUpdateId` is the
 * last event's `u` folded into it.
 */
export class BinanceFeed extends BookFeed {
  private u = 1_000_000;
  snapshot(): FeedSnapshot {
    return { ...this.book.snapshot(1000), id: this.u, seq: NaN, checksum: 0 };
  }
  step(): FeedDelta {
    const change = this.book.step();
    const pu = this.u;
    const U = pu + 1 + Math.floor(this.book.random() * 3);
    this.u = U + Math.floor(this.book.random() * 4);
    return { ...change, first: U, last: this.u, prev: pu, seq: NaN, checksum: 0 };
  }
}

/** Bybit v5: `u` goes up by one per message of the topic; `seq` (cross sequence) only grows. */
export class BybitFeed extends BookFeed {
  private u = 1;
  private seq = 50_000;
  snapshot(): FeedSnapshot {
    return { ...this.book.snapshot(), id: this.u, seq: this.seq, checksum: 0 };
  }
  step(): FeedDelta {
    const change = this.book.step();
    this.u++;
    this.seq += 1 + Math.floor(this.book.random() * 5);
    return { ...change, first: this.u, last: this.u, prev: NaN, seq: this.seq, checksum: 0 };
  }
}

/** OKX v5: each update's `prevSeqId` is the previous `seqId`; every message carries the checksum. */
export class OkxFeed extends BookFeed {
  private seqId = 7_000;
  snapshot(): FeedSnapshot {
    const s = this.book.snapshot();
    return { bids: okxLevels(s.bids), asks: okxLevels(s.asks), id: this.seqId, seq: NaN, checksum: this.checksum() };
  }
  step(): FeedDelta {
    const change = this.book.step();
    const prev = this.seqId;
    this.seqId += 1 + Math.floor(this.book.random() * 3);
    return { bids: okxLevels(change.bids), asks: okxLevels(change.asks), first: this.seqId, last: this.seqId, prev, seq: NaN, checksum: this.checksum() };
  }
  checksum(): number {
    const s = this.book.snapshot(25);
    return crc32(okxChecksumText(s.bids, s.asks)) | 0;
  }
}

/** OKX levels are `[px, sz, "0" (deprecated), numOrders]`. */
function okxLevels(levels: TextLevel[]): string[][] {
  return levels.map(([p, a]) => [p, a, '0', a === '0' ? '0' : '1']);
}

export function feedFor(venue: Venue, options: TrueBookOptions): BookFeed {
  switch (venue) {
    case 'binance':
      return new BinanceFeed(options);
    case 'bybit':
      return new BybitFeed(options);
    case 'okx':
      return new OkxFeed(options);
  }
}
