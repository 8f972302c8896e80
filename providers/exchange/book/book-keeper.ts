import type { BookPayload, Level } from '../../../common/market';
import { OrderBook } from './order-book';
import { ResyncBackoff, type BookCounters, type ResyncReason } from './resync';
import type { Sequencer } from './sequencers';

/** What a keeper needs from its provider. */
export interface BookKeeperHost {
  emit(payload: BookPayload, eventTs: number | undefined): void;
  /** Clients lose the book here: a `gap` notice on the stream. */
  gap(reason: string): void;
  /** Fetch (REST) or resubscribe for a new snapshot; hand it to `snapshot` with this ticket. */
  requestSnapshot(ticket: number): void;
  now(): number;
  setTimeout(callback: () => void, ms: number): () => void;
}

export interface BookKeeperOptions {
  readonly sequencer: Sequencer;
  readonly counters: BookCounters;
  readonly backoff?: ResyncBackoff;
  /** The venue's checksum of a book (OKX); compared with the one each message carries. */
  readonly checksum?: (book: OrderBook) => number;
  /** Deltas held while an out-of-band snapshot loads; past it the oldest go. */
  readonly maxBuffered?: number;
}

interface Held {
  readonly bids: unknown;
  readonly asks: unknown;
  readonly first: number;
  readonly last: number;
  readonly prev: number;
  readonly seq: number;
  readonly checksum: number;
  readonly eventTs: number | undefined;
}

type State = 'idle' | 'syncing' | 'live' | 'down';

const NONE: readonly Level[] = Object.freeze([]);

/**
 * One symbol's book: turns the venue's snapshot and deltas into the stream's payloads, a
 * snapshot then changes, so that a client applying them holds the venue's book. Any break
 * (sequence, checksum, crossed book, bad data, lost connection) drops this book alone: clients
 * get a gap, the keeper asks for a new snapshot (backing off if it keeps breaking) and sends it
 * with `resync: true`. Nothing is emitted before the checks pass, so no crossed book goes out.
 */
export class BookKeeper {
  private state: State = 'idle';
  private book: OrderBook;
  private readonly held: Held[] = [];
  private ticket = 0;
  private cancelRequest: (() => void) | undefined;
  /** A gap was sent, so the next snapshot is a resync. */
  private broken = false;
  private readonly backoff: ResyncBackoff;
  private readonly seqr: Sequencer;
  private readonly counters: BookCounters;
  /** Where one delta's changes are collected; handed out with the payload when used. */
  private outBids: Level[] = [];
  private outAsks: Level[] = [];

  constructor(
    private readonly host: BookKeeperHost,
    private readonly options: BookKeeperOptions,
  ) {
    this.seqr = options.sequencer;
    this.counters = options.counters;
    this.backoff = options.backoff ?? new ResyncBackoff();
    this.book = new OrderBook(options.checksum !== undefined);
  }

  get live(): boolean {
    return this.state === 'live';
  }

  /** Starts syncing; the stream's subscription must already be on its way. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'syncing';
    if (this.seqr.outOfBand) this.schedule(0);
  }

  stop(): void {
    this.cancelRequest?.();
    this.cancelRequest = undefined;
    this.ticket++;
    this.state = 'idle';
    this.held.length = 0;
    this.book.clear();
  }

  /** The current book for a client that joins the stream, or undefined while there is none. */
  current(): BookPayload | undefined {
    return this.state === 'live' ? { type: 'snapshot', ...this.book.snapshot() } : undefined;
  }

  /**
   * A venue snapshot: `id`/`seq` as the sequencer takes them, `checksum` 0 when the venue sent
   * none. `ticket` is the one `requestSnapshot` gave (out-of-band only); a snapshot for an
   * older request is ignored.
   */
  snapshot(bids: unknown, asks: unknown, id: number, seq: number, checksum: number, eventTs: number | undefined, ticket?: number): void {
    // An in-band snapshot after a reconnect may come before the stream is reported up again.
    if (this.state === 'down' && !this.seqr.outOfBand) this.state = 'syncing';
    if ((ticket !== undefined && ticket !== this.ticket) || this.state === 'idle' || this.state === 'down') {
      this.counters.lateSnapshots++;
      return;
    }
    if (this.state === 'live') return this.replace(bids, asks, id, seq, checksum, eventTs);
    const bad = this.book.load(bids, asks);
    if (bad !== undefined) return this.bad(bad);
    this.seqr.snapshot(id, seq);
    if (this.failsChecks(checksum)) return;
    if (!this.drainHeld()) return;
    this.state = 'live';
    this.backoff.synced(this.host.now());
    this.counters.snapshots++;
    const payload: BookPayload = this.broken ? { type: 'snapshot', ...this.book.snapshot(), resync: true } : { type: 'snapshot', ...this.book.snapshot() };
    this.broken = false;
    this.host.emit(payload, eventTs);
  }

  /**
   * A venue delta; see the venue's sequencer for what `first`, `last`, `prev` and `seq` are.
   * The path of a live book is kept short; everything else is in `deltaNotLive`/`notApplied`.
   */
  delta(bids: unknown, asks: unknown, first: number, last: number, prev: number, seq: number, checksum: number, eventTs: number | undefined): void {
    if (this.state !== 'live') return this.deltaNotLive({ bids, asks, first, last, prev, seq, checksum, eventTs });
    const verdict = this.seqr.delta(first, last, prev, seq);
    if (verdict !== 'apply') return this.notApplied(verdict, { bids, asks, first, last, prev, seq, checksum, eventTs });
    const book = this.book;
    const outBids = this.outBids;
    const outAsks = this.outAsks;
    let bad = book.apply(book.bids, bids, outBids);
    if (bad === undefined) bad = book.apply(book.asks, asks, outAsks);
    if (bad !== undefined || this.failsChecks(checksum)) {
      outBids.length = outAsks.length = 0;
      if (bad !== undefined) this.bad(bad);
      return;
    }
    // The filled scratch arrays go out as the payload's own; a side that was used gets a new one.
    const nb = outBids.length;
    const na = outAsks.length;
    if (nb + na === 0) return;
    if (nb > 0) this.outBids = [];
    if (na > 0) this.outAsks = [];
    const counters = this.counters;
    counters.changes++;
    counters.levelsChanged += nb + na;
    this.host.emit({ type: 'change', bids: nb === 0 ? NONE : outBids, asks: na === 0 ? NONE : outAsks }, eventTs);
  }

  /** A delta while the book is not live: an out-of-band venue holds it for the coming snapshot. */
  private deltaNotLive(h: Held): void {
    if (this.state === 'down' && this.seqr.outOfBand) {
      // The stream is back: hold from here and fetch a snapshot to put under it.
      this.state = 'syncing';
      this.schedule(this.backoff.next(this.host.now()));
    }
    if (this.state !== 'syncing') return;
    if (!this.seqr.outOfBand) {
      this.counters.deltasBeforeSnapshot++;
      return;
    }
    this.hold(h);
  }

  /** A live delta the sequencer skipped or found broken. */
  private notApplied(verdict: 'skip' | 'break', h: Held): void {
    if (verdict === 'skip') {
      this.counters.skippedDeltas++;
      return;
    }
    this.resync('sequence', this.seqr.why);
    if (this.seqr.outOfBand) this.hold(h);
  }

  /**
   * The stream's connection dropped: the book is lost until the stream flows again (an in-band
   * venue's next snapshot, or an out-of-band venue's next delta, which starts a new fetch).
   * `announce` false when the caller already sent clients the gap.
   */
  interrupted(announce = true): void {
    if (this.state === 'idle' || this.state === 'down') return;
    this.drop('reconnect', 'the venue connection dropped', false, announce);
    this.state = 'down';
  }

  /** A snapshot request failed (a REST error or timeout): ask again, backing off. */
  snapshotFailed(ticket: number): void {
    if (ticket !== this.ticket || this.state !== 'syncing') return;
    this.counters.failedSnapshots++;
    this.schedule(this.backoff.next(this.host.now()));
  }

  /** An in-band snapshot while live replaces the book: clients get the difference as a change. */
  private replace(bids: unknown, asks: unknown, id: number, seq: number, checksum: number, eventTs: number | undefined): void {
    const next = new OrderBook(this.book.keepText);
    const bad = next.load(bids, asks);
    if (bad !== undefined) return this.bad(bad);
    if (next.crossed()) return this.resync('crossed', 'the snapshot is crossed');
    const outBids: Level[] = [];
    const outAsks: Level[] = [];
    this.book.become(next, outBids, outAsks);
    this.seqr.snapshot(id, seq);
    if (this.failsChecks(checksum)) return;
    this.counters.snapshots++;
    this.emitChange(outBids, outAsks, eventTs);
  }

  /** Emits what changed (a side without changes shares one empty array). */
  private emitChange(bids: Level[], asks: Level[], eventTs: number | undefined): void {
    const n = bids.length + asks.length;
    if (n === 0) return;
    this.counters.changes++;
    this.counters.levelsChanged += n;
    this.host.emit({ type: 'change', bids: bids.length === 0 ? NONE : bids, asks: asks.length === 0 ? NONE : asks }, eventTs);
  }

  /** Applies held deltas on top of a fresh snapshot; false if one broke the book. */
  private drainHeld(): boolean {
    let i = 0;
    for (; i < this.held.length; i++) {
      const h = this.held[i];
      const verdict = this.seqr.delta(h.first, h.last, h.prev, h.seq);
      if (verdict === 'skip') continue;
      if (verdict === 'break') {
        this.held.splice(0, i); // keep the breaking delta and later ones for the next snapshot
        this.resync('stale-snapshot', this.seqr.why, true);
        return false;
      }
      const bad = this.book.apply(this.book.bids, h.bids, null) ?? this.book.apply(this.book.asks, h.asks, null);
      if (bad !== undefined) {
        this.held.length = 0;
        this.bad(bad);
        return false;
      }
      if (this.failsChecks(h.checksum)) {
        this.held.length = 0;
        return false;
      }
    }
    this.held.length = 0;
    return true;
  }

  /** Crossed or a checksum mismatch: resync and true. */
  private failsChecks(checksum: number): boolean {
    if (this.book.crossed()) {
      this.resync('crossed', 'the book is crossed');
      return true;
    }
    // OKX sends 0 once it stops computing the checksum; 0 means "none" for every venue.
    if (checksum !== 0 && this.options.checksum !== undefined) {
      const ours = this.options.checksum(this.book);
      if (ours !== checksum) {
        this.resync('checksum', `checksum ${checksum} from the venue, ${ours} here`);
        return true;
      }
    }
    return false;
  }

  private bad(why: string): void {
    this.counters.badMessages++;
    this.resync('bad-data', why);
  }

  private hold(h: Held): void {
    if (this.held.length >= (this.options.maxBuffered ?? 10_000)) {
      this.held.shift();
      this.counters.bufferOverflows++;
    }
    this.held.push(h);
    this.counters.bufferedDeltas++;
  }

  /** Drops the book and asks for a new snapshot, backing off in a storm. */
  private resync(reason: ResyncReason, why: string, keepHeld = false): void {
    this.drop(reason, why, keepHeld);
    this.state = 'syncing';
    this.schedule(this.backoff.next(this.host.now()));
  }

  private drop(reason: ResyncReason, why: string, keepHeld = false, announce = true): void {
    this.counters.resyncs++;
    this.counters.resyncsBy[reason]++;
    if (this.state === 'live') {
      this.broken = true;
      if (announce) this.host.gap(`book resync (${reason}): ${why}`);
    }
    this.book.clear();
    if (!keepHeld) this.held.length = 0;
    this.cancelRequest?.();
    this.cancelRequest = undefined;
    this.ticket++;
  }

  private schedule(delayMs: number): void {
    if (delayMs > 0) this.counters.delayedResyncs++;
    const ticket = this.ticket;
    this.cancelRequest = this.host.setTimeout(() => {
      this.cancelRequest = undefined;
      if (ticket === this.ticket && this.state === 'syncing') this.host.requestSnapshot(ticket);
    }, delayMs);
  }
}
