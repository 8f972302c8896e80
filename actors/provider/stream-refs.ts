import { toError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { StreamFailure } from '../../providers/contract';
import type { Identifier } from '../../router/identifier';

/** The provider side of the reconciler: one call at a time, rejecting when the provider crashes. */
export interface StreamHost {
  subscribe(ids: readonly Identifier[]): Promise<StreamFailure[]>;
  unsubscribe(ids: readonly Identifier[]): Promise<void>;
}

/** Why a stream could not be started; undefined means it is running. */
export type StreamOutcome = string | undefined;

interface Entry {
  readonly id: Identifier;
  /** Sessions that want the stream. */
  refs: number;
  /** The provider has it subscribed. */
  live: boolean;
  /** The provider refused it; not retried until someone asks again or the provider restarts. */
  refused: boolean;
  waiters: ((outcome: StreamOutcome) => void)[];
}

/**
 * Reference-counted streams of one provider, reconciled towards the wanted set: the
 * first session that needs a stream makes the provider subscribe, the last to let go makes it
 * unsubscribe. Calls are batched and strictly one at a time, so concurrent configures of
 * different sessions share one subscribe and never race each other.
 */
export class StreamRefs {
  private readonly entries = new Map<string, Entry>();
  private running = false;
  private available = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly host: StreamHost,
    private readonly logger: Logger,
    /** A stream refused while nobody was waiting on it (during a resubscribe). */
    private readonly onRefused: (id: Identifier, reason: string) => void,
    /** Streams the provider no longer serves (unsubscribed, or abandoned). */
    private readonly onStopped: (ids: readonly Identifier[]) => void = () => undefined,
  ) {}

  /** Takes a reference on each stream; resolves with the ones that could not be started. */
  acquire(ids: readonly Identifier[]): Promise<StreamFailure[]> {
    const waits: Promise<StreamFailure | undefined>[] = [];
    for (const id of ids) {
      const entry = this.entry(id);
      entry.refs++;
      if (entry.live) continue;
      entry.refused = false;
      waits.push(new Promise((resolve) => entry.waiters.push((reason) => resolve(reason === undefined ? undefined : { id, reason }))));
    }
    this.kick();
    return Promise.all(waits).then((outcomes) => outcomes.filter((f): f is StreamFailure => f !== undefined));
  }

  release(ids: readonly Identifier[]): void {
    for (const id of ids) {
      const entry = this.entries.get(id.canonical);
      if (entry === undefined || entry.refs === 0) continue;
      entry.refs--;
      this.forgetIfUnused(entry);
    }
    this.kick();
  }

  isLive(canonical: string): boolean {
    return this.entries.get(canonical)?.live === true;
  }

  /** Streams the provider is serving now. */
  live(): Identifier[] {
    return [...this.entries.values()].filter((e) => e.live).map((e) => e.id);
  }

  wanted(): Identifier[] {
    return [...this.entries.values()].filter((e) => e.refs > 0).map((e) => e.id);
  }

  refCount(canonical: string): number {
    return this.entries.get(canonical)?.refs ?? 0;
  }

  /** The provider is gone (crashed or stopping): nothing is live; waiters wait for `resume`. */
  suspend(): void {
    this.available = false;
    for (const entry of this.entries.values()) {
      entry.live = false;
      entry.refused = false;
    }
  }

  /** A new incarnation is up: subscribe the whole wanted set; resolves when that is done. */
  resume(): Promise<void> {
    this.available = true;
    return this.settled();
  }

  /** Resolves once the provider has caught up with the wanted set. */
  settled(): Promise<void> {
    if (!this.running && !this.available) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idle.push(resolve));
    this.kick();
    if (!this.running) this.flushIdle();
    return done;
  }

  /** The provider will not come back: every waiter fails with `reason`. */
  abandon(reason: string): void {
    this.available = false;
    for (const entry of this.entries.values()) {
      entry.live = false;
      this.settle(entry, reason);
    }
    this.onStopped([...this.entries.values()].map((e) => e.id));
  }

  private entry(id: Identifier): Entry {
    let entry = this.entries.get(id.canonical);
    if (entry === undefined) {
      entry = { id, refs: 0, live: false, refused: false, waiters: [] };
      this.entries.set(id.canonical, entry);
    }
    return entry;
  }

  private forgetIfUnused(entry: Entry): void {
    if (entry.refs === 0 && !entry.live && entry.waiters.length === 0) this.entries.delete(entry.id.canonical);
  }

  private settle(entry: Entry, outcome: StreamOutcome): void {
    const waiters = entry.waiters;
    entry.waiters = [];
    for (const waiter of waiters) waiter(outcome);
  }

  private kick(): void {
    if (this.running) return;
    if (!this.available) return;
    this.running = true;
    void this.reconcile().finally(() => {
      this.running = false;
      this.flushIdle();
    });
  }

  private flushIdle(): void {
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }

  private async reconcile(): Promise<void> {
    while (this.available) {
      const all = [...this.entries.values()];
      const stale = all.filter((e) => e.live && e.refs === 0);
      const wanted = all.filter((e) => !e.live && e.refs > 0 && !e.refused);
      if (stale.length > 0) await this.unsubscribe(stale);
      else if (wanted.length > 0) await this.subscribe(wanted);
      else return;
    }
  }

  private async unsubscribe(stale: Entry[]): Promise<void> {
    // Not live from here on: a session asking meanwhile waits for the resubscribe that follows.
    for (const entry of stale) entry.live = false;
    try {
      await this.host.unsubscribe(stale.map((e) => e.id));
    } catch (error) {
      // A failed release is logged, never returned (ARCHITECTURE.md, "Release timing"); the provider restarts anyway.
      this.logger.warn('unsubscribe failed', { error: toError(error).message });
    }
    // Unless someone wanted it back meanwhile (it is subscribed again next).
    this.onStopped(stale.filter((e) => e.refs === 0).map((e) => e.id));
    for (const entry of stale) this.forgetIfUnused(entry);
  }

  private async subscribe(wanted: Entry[]): Promise<void> {
    let failures: StreamFailure[];
    try {
      failures = await this.host.subscribe(wanted.map((e) => e.id));
    } catch (error) {
      const reason = toError(error).message;
      for (const entry of wanted) {
        entry.refused = true;
        this.settle(entry, reason);
      }
      return;
    }
    const refused = new Map(failures.map((f) => [f.id.canonical, f.reason]));
    for (const entry of wanted) {
      const reason = refused.get(entry.id.canonical);
      entry.live = reason === undefined;
      entry.refused = reason !== undefined;
      if (reason !== undefined && entry.waiters.length === 0) this.onRefused(entry.id, reason);
      this.settle(entry, reason);
    }
  }
}
