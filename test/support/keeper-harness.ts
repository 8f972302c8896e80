import type { BookPayload } from '../../common/market';
import { BookKeeper } from '../../providers/exchange/book/book-keeper';
import { okxChecksum } from '../../providers/exchange/book/okx-checksum';
import { ResyncBackoff, zeroBookCounters, type BookCounters } from '../../providers/exchange/book/resync';
import { BinanceSequencer, BybitSequencer, OkxSequencer, type Sequencer } from '../../providers/exchange/book/sequencers';
import { BookReplica } from '../../testkit/book-replica';
import { feedFor, type BookFeed, type FeedDelta, type FeedSnapshot, type Venue } from './book-feeds';

export function sequencerFor(venue: Venue): Sequencer {
  switch (venue) {
    case 'binance':
      return new BinanceSequencer();
    case 'bybit':
      return new BybitSequencer();
    case 'okx':
      return new OkxSequencer();
  }
}

/**
 * One symbol's BookKeeper wired to a venue feed and a client replica, with time in the test's
 * hands: timers run on `advance`, snapshot requests wait until `respond`.
 */
export class KeeperHarness {
  readonly feed: BookFeed;
  readonly counters: BookCounters = zeroBookCounters();
  readonly keeper: BookKeeper;
  readonly replica = new BookReplica();
  readonly payloads: BookPayload[] = [];
  readonly gaps: string[] = [];
  /** The stream as a client sees it, in order: 'gap', 'snapshot', 'resync' or 'change'. */
  readonly seen: string[] = [];
  now = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  /** Snapshot requests not answered yet, each with the book as it was when asked. */
  pending: { ticket: number | undefined; snapshot: FeedSnapshot | undefined }[] = [];
  last: FeedDelta | undefined;

  constructor(
    readonly venue: Venue,
    seed: number,
  ) {
    this.feed = feedFor(venue, { seed, depth: 20 });
    const sequencer = sequencerFor(venue);
    this.keeper = new BookKeeper(
      {
        emit: (payload) => {
          this.payloads.push(payload);
          this.seen.push(payload.type === 'snapshot' ? (payload.resync ? 'resync' : 'snapshot') : 'change');
          this.replica.apply(payload);
        },
        gap: (reason) => {
          this.gaps.push(reason);
          this.seen.push('gap');
        },
        // A REST answer is the book when asked; an in-band one is sent (and taken) when it comes.
        requestSnapshot: (ticket) => this.pending.push(sequencer.outOfBand ? { ticket, snapshot: this.feed.snapshot() } : { ticket: undefined, snapshot: undefined }),
        now: () => this.now,
        setTimeout: (fn, ms) => {
          const timer = { at: this.now + ms, fn, live: true };
          this.timers.push(timer);
          return () => (timer.live = false);
        },
      },
      {
        sequencer,
        counters: this.counters,
        backoff: new ResyncBackoff({ initialMs: 10, maxMs: 80, stableMs: 1000 }),
        checksum: venue === 'okx' ? okxChecksum : undefined,
      },
    );
  }

  /** Subscribes: in-band venues send their snapshot first on the stream. */
  start(): void {
    this.keeper.start();
    if (!this.outOfBand) this.pending.push({ ticket: undefined, snapshot: undefined });
    this.advance(0);
  }

  get outOfBand(): boolean {
    return this.venue === 'binance';
  }

  advance(ms: number): void {
    this.now += ms;
    for (;;) {
      const due = this.timers.find((t) => t.live && t.at <= this.now);
      if (!due) break;
      due.live = false;
      due.fn();
    }
    this.timers = this.timers.filter((t) => t.live);
  }

  /** The venue answers every pending request (`snapshot` replaces what it sends). */
  respond(snapshot?: FeedSnapshot): void {
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) this.deliverSnapshot(snapshot ?? p.snapshot ?? this.feed.snapshot(), p.ticket);
  }

  deliverSnapshot(s: FeedSnapshot, ticket?: number): void {
    this.keeper.snapshot(s.bids, s.asks, s.id, s.seq, s.checksum, this.now, ticket);
  }

  /** The venue's next delta; delivered unless `deliver` is false (a lost message). */
  step(deliver = true): FeedDelta {
    const d = this.feed.step();
    this.last = d;
    if (deliver) this.deliver(d);
    return d;
  }

  deliver(d: FeedDelta): void {
    this.keeper.delta(d.bids, d.asks, d.first, d.last, d.prev, d.seq, d.checksum, this.now);
  }

  /** The connection drops and comes back; an in-band venue then sends a fresh snapshot. */
  reconnect(): void {
    this.keeper.interrupted();
    if (!this.outOfBand) this.pending.push({ ticket: undefined, snapshot: undefined });
    this.advance(0);
  }

  /** Lets time pass and answers requests until the book is live again (or gives up). */
  heal(): void {
    for (let i = 0; i < 20 && !(this.keeper.live && this.pending.length === 0); i++) {
      this.step(); // the venue keeps sending; after a reconnect Binance's next delta starts the fetch
      this.advance(100);
      this.respond();
    }
  }

  equal(): boolean {
    return JSON.stringify(this.replica.levels()) === JSON.stringify(this.feed.book.levels());
  }
}
