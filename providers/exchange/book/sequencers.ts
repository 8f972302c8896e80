/**
 * Per-venue sequence rules as small state machines. A sequencer knows the position of the book
 * (set by `snapshot`) and says of each delta whether to apply it, skip it (already contained in
 * the book) or break (something is missing: resync). Ids are plain numbers so nothing is
 * allocated per message; each venue documents which of its fields go where.
 */
export type Verdict = 'apply' | 'skip' | 'break';

export interface Sequencer {
  /** The snapshot comes apart from the delta stream (REST): deltas before it are buffered. */
  readonly outOfBand: boolean;
  snapshot(id: number, seq: number): void;
  delta(first: number, last: number, prev: number, seq: number): Verdict;
  /** Why the last `break`. */
  readonly why: string;
}

/** What every venue's sequencer keeps: its position and why it last broke. */
abstract class Position {
  why = '';
  protected last = NaN;

  protected break(why: string): Verdict {
    this.why = why;
    return 'break';
  }
}

/**
 * Binance USD-M diff depth (`@depth@100ms`, "How to manage a local order book correctly" in the
 * USD-M futures WebSocket market streams docs): `snapshot(lastUpdateId)`,
 * `delta(U, u, pu)`. Deltas with `u < lastUpdateId` are dropped; the first applied one must
 * cover the snapshot (`U <= lastUpdateId <= u`; one that starts right after it, `pu` or
 * `U - 1` equal to lastUpdateId, misses nothing either); every later one must have `pu` equal to
 * the previous `u`.
 */
export class BinanceSequencer extends Position implements Sequencer {
  readonly outOfBand = true;
  private chained = false;

  snapshot(lastUpdateId: number): void {
    this.last = lastUpdateId;
    this.chained = false;
  }

  delta(U: number, u: number, pu: number): Verdict {
    if (!this.chained) {
      if (u < this.last) return 'skip';
      if (U <= this.last + 1 || pu <= this.last) {
        this.last = u;
        this.chained = true;
        return 'apply';
      }
      return this.break(`the snapshot (lastUpdateId ${this.last}) is older than the deltas (first U ${U})`);
    }
    if (pu === this.last) {
      this.last = u;
      return 'apply';
    }
    if (u <= this.last) return 'skip';
    return this.break(`pu ${pu} does not follow u ${this.last}`);
  }

}

/**
 * Bybit v5 `orderbook.N` ("Orderbook" in the v5 public WebSocket docs): `snapshot(u, seq)`,
 * `delta(u, u, NaN, seq)`. `u` goes up by one per message of a topic; an old or repeated `u` is
 * skipped, a jump is a break. `seq` (the cross sequence) must not go back. A new snapshot on the
 * socket (also `u` = 1 after a venue restart) replaces the book, which the keeper handles.
 */
export class BybitSequencer extends Position implements Sequencer {
  readonly outOfBand = false;
  private seq = -Infinity;

  snapshot(u: number, seq: number): void {
    this.last = u;
    this.seq = seq;
  }

  delta(u: number, _last: number, _prev: number, seq: number): Verdict {
    if (u <= this.last) return 'skip';
    if (u !== this.last + 1) return this.break(`u jumped from ${this.last} to ${u}`);
    if (seq < this.seq) return this.break(`seq went back from ${this.seq} to ${seq}`);
    this.last = u;
    this.seq = seq;
    return 'apply';
  }

}

/**
 * OKX v5 `books` ("Order book channel" in the v5 WebSocket public docs): `snapshot(seqId)`,
 * `delta(seqId, seqId, prevSeqId)`. Each update's `prevSeqId` is the previous message's `seqId`
 * (equal `seqId` and `prevSeqId`: nothing changed; a smaller `seqId`: the venue reset its
 * sequence, still chained by `prevSeqId`). The last message repeated is skipped; anything else
 * is a break.
 */
export class OkxSequencer extends Position implements Sequencer {
  readonly outOfBand = false;

  snapshot(seqId: number): void {
    this.last = seqId;
  }

  delta(seqId: number, _last: number, prevSeqId: number): Verdict {
    if (prevSeqId === this.last) {
      this.last = seqId;
      return 'apply';
    }
    if (seqId === this.last) return 'skip'; // the last message again
    return this.break(`prevSeqId ${prevSeqId} does not follow seqId ${this.last}`);
  }
}
