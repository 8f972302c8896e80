import { crc32 } from '../../providers/exchange/book/okx-checksum';
import type { Levels } from './book-venues';

/** What comparing a client's book with the venue's history found. */
export type HistoryMatch = 'equal' | 'unequal' | 'unknown';

/** 512 states of a book moving every 25 ms: the last 12 s, longer than a snapshot takes to reach a client. */
const SIZE = 512;

/**
 * The venue's recent states of one book, as (event time, fingerprint) pairs in a fixed ring, so
 * a client's book can be compared with the venue's as it was when a snapshot was taken, long
 * after the venue moved on. Bounded: the soak may run for hours.
 */
export class BookHistory {
  private readonly stamps = new Float64Array(SIZE);
  private readonly prints = new Uint32Array(SIZE);
  private count = 0;

  /** The venue's book is `levels` from event time `stamp` on (stamps only grow). */
  record(stamp: number, levels: Levels): void {
    const i = this.count++ % SIZE;
    this.stamps[i] = stamp;
    this.prints[i] = fingerprint(levels);
  }

  /**
   * Whether `levels` is the venue's book as it stood at event time `stamp` (the newest state at
   * or before it) or, when `later` is set, any state since; `'any'`: any state remembered.
   * Unknown when the stamp is missing or older than the ring remembers.
   */
  match(stamp: number | 'any' | undefined, levels: Levels, later: boolean): HistoryMatch {
    if (stamp === undefined || this.count === 0) return 'unknown';
    const oldest = Math.max(0, this.count - SIZE);
    let at = stamp === 'any' ? oldest : -1;
    for (let n = this.count - 1; stamp !== 'any' && at < 0 && n >= oldest; n--) if (this.stamps[n % SIZE] <= stamp) at = n;
    if (at < 0) return 'unknown';
    const print = fingerprint(levels);
    const last = later || stamp === 'any' ? this.count - 1 : at;
    for (let n = at; n <= last; n++) if (this.prints[n % SIZE] === print) return 'equal';
    return 'unequal';
  }
}

function fingerprint(levels: Levels): number {
  return crc32(JSON.stringify(levels));
}
