/** Why a book was dropped and fetched again. */
export const RESYNC_REASONS = ['sequence', 'checksum', 'crossed', 'bad-data', 'stale-snapshot', 'reconnect'] as const;
export type ResyncReason = (typeof RESYNC_REASONS)[number];

/** Book counters of a provider, over all its symbols; reported by its `stats()`. */
export interface BookCounters {
  snapshots: number;
  changes: number;
  levelsChanged: number;
  resyncs: number;
  resyncsBy: Record<ResyncReason, number>;
  /** Resyncs held back because the symbol kept breaking. */
  delayedResyncs: number;
  /** Deltas already contained in the book (old or repeated ids). */
  skippedDeltas: number;
  /** Deltas that came before an in-band snapshot and could not be used. */
  deltasBeforeSnapshot: number;
  /** Deltas held while a snapshot loaded, and those dropped because the hold was full. */
  bufferedDeltas: number;
  bufferOverflows: number;
  /** Snapshots that answered a request already given up (a break or reconnect came between). */
  lateSnapshots: number;
  /** Snapshot requests that failed (REST errors, timeouts, refused resubscriptions). */
  failedSnapshots: number;
  /** Frames for a book whose numbers or shape made no sense. */
  badMessages: number;
}

export function zeroBookCounters(): BookCounters {
  const resyncsBy = Object.fromEntries(RESYNC_REASONS.map((r) => [r, 0])) as Record<ResyncReason, number>;
  return {
    snapshots: 0,
    changes: 0,
    levelsChanged: 0,
    resyncs: 0,
    resyncsBy,
    delayedResyncs: 0,
    skippedDeltas: 0,
    deltasBeforeSnapshot: 0,
    bufferedDeltas: 0,
    bufferOverflows: 0,
    lateSnapshots: 0,
    failedSnapshots: 0,
    badMessages: 0,
  };
}

export interface ResyncSettings {
  /** Delay of the second resync in a row; each later one doubles, up to `maxMs`. */
  readonly initialMs: number;
  readonly maxMs: number;
  /** A book that stayed in sync this long starts over with an immediate resync. */
  readonly stableMs: number;
}

export const RESYNC_DEFAULTS: ResyncSettings = { initialMs: 500, maxMs: 30_000, stableMs: 60_000 };

/**
 * Spaces the resyncs of one symbol: the first after a quiet spell is immediate, then they back
 * off while the venue keeps breaking the book, so a storm costs bounded requests.
 */
export class ResyncBackoff {
  private attempts = 0;
  private syncedAt: number | undefined;

  constructor(private readonly settings: ResyncSettings = RESYNC_DEFAULTS) {}

  /** The delay before the next snapshot request. */
  next(now: number): number {
    if (this.syncedAt !== undefined && now - this.syncedAt >= this.settings.stableMs) this.attempts = 0;
    this.syncedAt = undefined;
    const n = this.attempts++;
    return n === 0 ? 0 : Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** Math.min(n - 1, 30));
  }

  synced(now: number): void {
    this.syncedAt = now;
  }

  /** Resyncs in the current run of breaks. */
  get streak(): number {
    return this.attempts;
  }
}
