import type { Cancel, Clock } from '../../common/clock';
import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { StreamCounter, StreamDirectory } from '../../router/streams';

export interface PublishedLimits {
  /** Published ids remembered at once; past it the least recently published is let go. */
  readonly maxStreams: number;
  /** An id nobody published for this long, and no session's pattern matches, is let go. */
  readonly idleMs: number;
}

/**
 * The counters of ids clients publish into. Any client may publish any id, so they cannot be
 * kept for the service's life: an id goes when it is idle and unwatched, or, under churn, when
 * it is the least recently used of too many. One that comes back gets a new epoch (the stream
 * directory sees to that), so no position is ever reused.
 */
export class PublishedStreams {
  /** canonical id → counter and last publish time; oldest use first (re-inserted on every use). */
  private readonly recent = new Map<string, { readonly counter: StreamCounter; at: number }>();
  private timer: Cancel | null = null;

  constructor(
    private readonly directory: StreamDirectory,
    private readonly clock: Clock,
    private readonly limits: PublishedLimits,
    /** Whether some session's pattern matches the id now (such an id is never idle). */
    private readonly watched: (id: Identifier) => boolean,
    /** Asks for `sweep` in the owner's own turn. */
    private readonly requestSweep: () => void,
  ) {}

  get size(): number {
    return this.recent.size;
  }

  counter(id: Identifier): StreamCounter {
    const now = this.clock.now();
    let entry = this.recent.get(id.canonical);
    if (entry === undefined || entry.counter.retired) entry = { counter: this.directory.counter(id), at: now };
    else this.recent.delete(id.canonical);
    entry.at = now;
    this.recent.set(id.canonical, entry);
    while (this.recent.size > this.limits.maxStreams) this.evictOldest();
    this.arm();
    return entry.counter;
  }

  /** Ids remembered now that `pattern` matches. */
  matching(pattern: Pattern): string[] {
    const out: string[] = [];
    for (const { counter } of this.recent.values()) if (counter.identifier.namespace === pattern.namespace && pattern.matches(counter.identifier)) out.push(counter.id);
    return out;
  }

  /** Lets idle, unwatched ids go; watched ones count as used now. */
  sweep(): void {
    this.timer = null;
    const now = this.clock.now();
    const keep: { readonly counter: StreamCounter; at: number }[] = [];
    for (const [canonical, entry] of this.recent) {
      if (now - entry.at < this.limits.idleMs) break;
      this.recent.delete(canonical);
      if (this.watched(entry.counter.identifier)) {
        entry.at = now;
        keep.push(entry);
      } else this.directory.forget(canonical, entry.counter.identifier.namespace);
    }
    for (const entry of keep) this.recent.set(entry.counter.id, entry);
    this.arm();
  }

  stop(): void {
    this.timer?.();
    this.timer = null;
  }

  private evictOldest(): void {
    const [canonical, entry] = this.recent.entries().next().value!;
    this.recent.delete(canonical);
    this.directory.forget(canonical, entry.counter.identifier.namespace);
  }

  private arm(): void {
    if (this.timer !== null || this.recent.size === 0) return;
    this.timer = this.clock.setTimeout(() => this.requestSweep(), this.limits.idleMs);
  }
}
