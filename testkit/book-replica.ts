import type { BookPayload, Level } from '../common/market';

/**
 * What a client of a `book` stream does: take the first snapshot, apply every change after it.
 * Kept deliberately plain (maps, sorted on read) so it checks the service's book, not mirrors it.
 */
export class BookReplica {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  /** Payloads applied, snapshots among them, and resync snapshots. */
  applied = 0;
  snapshots = 0;
  resyncs = 0;
  /** A change arrived before any snapshot: the stream broke its contract. */
  changeBeforeSnapshot = 0;
  /** Times the replica was crossed right after applying a payload. */
  crossedSeen = 0;
  private hasSnapshot = false;

  apply(payload: BookPayload): void {
    this.applied++;
    if (payload.type === 'snapshot') {
      this.snapshots++;
      if (payload.resync) this.resyncs++;
      this.bids.clear();
      this.asks.clear();
      this.hasSnapshot = true;
    } else if (!this.hasSnapshot) {
      this.changeBeforeSnapshot++;
      return;
    }
    set(this.bids, payload.bids);
    set(this.asks, payload.asks);
    if (this.crossed()) this.crossedSeen++;
  }

  get ready(): boolean {
    return this.hasSnapshot;
  }

  levels(): { bids: [number, number][]; asks: [number, number][] } {
    return { bids: sorted(this.bids, -1), asks: sorted(this.asks, 1) };
  }

  crossed(): boolean {
    const b = sorted(this.bids, -1)[0];
    const a = sorted(this.asks, 1)[0];
    return b !== undefined && a !== undefined && b[0] >= a[0];
  }
}

function set(side: Map<number, number>, levels: readonly Level[]): void {
  for (const [price, amount] of levels) {
    if (amount === 0) side.delete(price);
    else side.set(price, amount);
  }
}

function sorted(side: Map<number, number>, dir: 1 | -1): [number, number][] {
  return [...side.entries()].sort((x, y) => dir * (x[0] - y[0]));
}
