import { StreamSet } from './stream-set';

/** How the union of all holders' streams changed. */
export interface UnionChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

interface Lease {
  readonly streams: StreamSet;
  expiresAt: number;
}

export interface LeaseInfo {
  readonly holder: string;
  readonly streams: number;
  readonly expiresInMs: number;
}

/**
 * The exporter's book of remote interest. Each remote holder (one importing provider on one
 * node) is a single consumer whose lease ends unless renewed; a stream is wanted while at least
 * one live lease holds it. Pure bookkeeping: time is passed in, nothing here talks to NATS.
 */
export class Leases {
  private readonly leases = new Map<string, Lease>();
  private readonly refs = new Map<string, number>();

  /** Creates or renews `holder`'s lease until `now + leaseMs`. */
  renew(holder: string, now: number, leaseMs: number): StreamSet {
    let lease = this.leases.get(holder);
    if (lease === undefined) this.leases.set(holder, (lease = { streams: new StreamSet(), expiresAt: 0 }));
    lease.expiresAt = now + leaseMs;
    return lease.streams;
  }

  add(holder: string, ids: Iterable<string>): UnionChange {
    const lease = this.leases.get(holder);
    const added: string[] = [];
    if (lease === undefined) return { added, removed: [] };
    for (const id of ids) if (lease.streams.add(id) && this.ref(id, 1)) added.push(id);
    return { added, removed: [] };
  }

  remove(holder: string, ids: Iterable<string>): UnionChange {
    const lease = this.leases.get(holder);
    const removed: string[] = [];
    if (lease === undefined) return { added: [], removed };
    for (const id of ids) if (lease.streams.delete(id) && this.ref(id, -1)) removed.push(id);
    return { added: [], removed };
  }

  /** Replaces the holder's streams with `ids`. */
  set(holder: string, ids: readonly string[]): UnionChange {
    const lease = this.leases.get(holder);
    if (lease === undefined) return { added: [], removed: [] };
    const next = new Set(ids);
    const removed = this.remove(holder, lease.streams.toArray().filter((id) => !next.has(id))).removed;
    return { added: this.add(holder, next).added, removed };
  }

  /** Ends a lease now (a graceful release). */
  drop(holder: string): UnionChange {
    const lease = this.leases.get(holder);
    if (lease === undefined) return { added: [], removed: [] };
    const change = this.remove(holder, lease.streams.toArray());
    this.leases.delete(holder);
    return change;
  }

  /** Takes a stream out of every lease (it could not be started upstream). */
  forget(id: string): void {
    for (const holder of this.leases.keys()) this.remove(holder, [id]);
  }

  /** Ends every lease not renewed in time; returns the holders dropped and the streams freed. */
  expire(now: number): { holders: string[]; removed: string[] } {
    const holders: string[] = [];
    const removed: string[] = [];
    for (const [holder, lease] of this.leases) {
      if (lease.expiresAt > now) continue;
      holders.push(holder);
      removed.push(...this.drop(holder).removed);
    }
    return { holders, removed };
  }

  /** A holder's view, for its renewal check. */
  describe(holder: string): { count: number; digest: number } {
    const streams = this.leases.get(holder)?.streams;
    return { count: streams?.size ?? 0, digest: streams?.digest ?? 0 };
  }

  /** Every stream some live lease holds. */
  union(): string[] {
    return [...this.refs.keys()];
  }

  wants(id: string): boolean {
    return this.refs.has(id);
  }

  info(now: number): LeaseInfo[] {
    return [...this.leases].map(([holder, lease]) => ({ holder, streams: lease.streams.size, expiresInMs: lease.expiresAt - now }));
  }

  /** Moves a stream's count; true when it crossed zero (first holder came, or last one left). */
  private ref(id: string, delta: 1 | -1): boolean {
    const next = (this.refs.get(id) ?? 0) + delta;
    if (next <= 0) this.refs.delete(id);
    else this.refs.set(id, next);
    return delta === 1 ? next === 1 : next === 0;
  }
}
