import type { BookPayload, Level } from '../../common/market';

/** The payload of `books::<symbol>.book[…]`: the top N levels of each side, best first. */
export type TopOfBook = { readonly bids: [price: number, amount: number][]; readonly asks: [price: number, amount: number][] };

/**
 * Samples a `book` stream into top-N snapshots, one per interval in which the book changed, cut
 * on event time like time bars: windows are `[start, start + interval)` aligned to the epoch; a
 * window is sent when the first update at or past its end arrives (the book as it stood before
 * that update), or, for a live source, once the service clock is a grace past its end. Updates
 * stamped before the window in progress are applied (the book must stay whole) and counted in
 * `late`. Changes that arrive before the first snapshot cannot be applied and are counted in
 * `unsynced`.
 */
export class BookSampler {
  late = 0;
  unsynced = 0;
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private synced = false;
  private pending = false;
  private windowStart = 0;
  private windowEnd = 0;
  private watermark = -Infinity;

  constructor(
    readonly depth: number,
    readonly intervalMs: number,
  ) {}

  /** Applies one book message; returns the window it closed, if any. */
  apply(update: BookPayload, eventTs: number): TopOfBook | undefined {
    if (update.type === 'change' && !this.synced) {
      this.unsynced++;
      return undefined;
    }
    const closed = this.pending && eventTs >= this.windowEnd ? this.finish() : undefined;
    if (!this.pending) {
      const from = eventTs < this.watermark ? this.watermark : eventTs;
      this.windowStart = Math.floor(from / this.intervalMs) * this.intervalMs;
      this.windowEnd = this.windowStart + this.intervalMs;
      this.pending = true;
    }
    if (eventTs < this.windowStart) this.late++;
    if (update.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
      this.synced = true;
    }
    setLevels(this.bids, update.bids);
    setLevels(this.asks, update.asks);
    return closed;
  }

  /** Live sources only: sends the window in progress once `now` is `graceMs` past its end. */
  closeDue(now: number, graceMs: number): TopOfBook | undefined {
    return this.pending && now >= this.windowEnd + graceMs ? this.finish() : undefined;
  }

  dueAt(graceMs: number): number | undefined {
    return this.pending ? this.windowEnd + graceMs : undefined;
  }

  /** The end of the window in progress (the event time a sample is stamped with). */
  get end(): number {
    return this.windowEnd;
  }

  /** The top of the book now, or undefined before the first snapshot. */
  current(): TopOfBook | undefined {
    return this.synced ? this.top() : undefined;
  }

  private finish(): TopOfBook {
    this.pending = false;
    this.watermark = this.windowEnd;
    return this.top();
  }

  private top(): TopOfBook {
    return { bids: best(this.bids, this.depth, true), asks: best(this.asks, this.depth, false) };
  }
}

function setLevels(side: Map<number, number>, levels: readonly Level[]): void {
  for (const [price, amount] of levels) {
    if (amount === 0) side.delete(price);
    else side.set(price, amount);
  }
}

/** The best `depth` levels of one side (highest first for bids, lowest for asks); run once per sample. */
function best(side: ReadonlyMap<number, number>, depth: number, descending: boolean): TopOfBook['bids'] {
  const prices = [...side.keys()].sort(descending ? (a, b) => b - a : (a, b) => a - b);
  const out: TopOfBook['bids'] = [];
  for (let i = 0; i < prices.length && i < depth; i++) out.push([prices[i], side.get(prices[i])!]);
  return out;
}
