import { isTesseraError } from '../common/errors';
import { parseIdentifier, type Identifier } from './identifier';
import type { Pattern } from './pattern';

/** One pattern (by canonical form) and everyone bound to it. */
interface Binding<S> {
  readonly pattern: Pattern;
  readonly subs: Set<S>;
}

/** What `entry` answers: the subscribers for one identifier text, and scratch for its caller. */
export interface LookupEntry<S> {
  readonly subs: readonly S[];
  /** Scratch for the router's per-batch counting (which batch, how many of its messages). */
  batchMark: number;
  batchCount: number;
}

/** A memoised lookup answer; `counts` says how many of a subscriber's patterns match (≥ 1). */
interface Entry<S> extends LookupEntry<S> {
  /** The text it is memoised under. */
  readonly text: string;
  readonly id: Identifier | undefined;
  readonly counts: Map<S, number>;
  subs: readonly S[];
}

/** Everything in one namespace: bindings, and the memo entries they may affect. */
interface Space<S> {
  readonly exact: Map<string, Binding<S>>;
  readonly wild: Map<string, Binding<S>>;
  /** canonical identifier → memo entries (one per distinct text that parsed to it). */
  readonly entries: Map<string, Set<Entry<S>>>;
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Pattern → subscribers, answering "who wants this identifier?" The answer per identifier text is
 * memoised and kept current by bind/unbind, so the hot path is one Map get with no parsing.
 */
export class RoutingTable<S> {
  private readonly maxCacheEntries: number;
  private readonly spaces = new Map<string, Space<S>>();
  private readonly memo = new Map<string, Entry<S>>();
  private readonly bySub = new Map<S, Set<Binding<S>>>();
  private bindings = 0;

  constructor(options: { maxCacheEntries?: number } = {}) {
    const max = options.maxCacheEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxCacheEntries must be a positive integer, got ${max}`);
    this.maxCacheEntries = max;
  }

  get cacheSize(): number {
    return this.memo.size;
  }

  get bindingCount(): number {
    return this.bindings;
  }

  /** Idempotent per (canonical pattern, subscriber). */
  bind(pattern: Pattern, subscriber: S): void {
    const space = this.space(pattern.namespace);
    const map = pattern.exact ? space.exact : space.wild;
    let binding = map.get(pattern.canonical);
    if (binding === undefined) {
      binding = { pattern, subs: new Set() };
      map.set(pattern.canonical, binding);
    }
    if (binding.subs.has(subscriber)) return;
    binding.subs.add(subscriber);
    this.bindings++;
    let mine = this.bySub.get(subscriber);
    if (mine === undefined) this.bySub.set(subscriber, (mine = new Set()));
    mine.add(binding);
    this.affected(space, binding.pattern, (entry) => {
      const n = entry.counts.get(subscriber) ?? 0;
      entry.counts.set(subscriber, n + 1);
      if (n === 0) entry.subs = Object.freeze([...entry.subs, subscriber]);
    });
  }

  /** No-op when the subscriber is not bound to this pattern. */
  unbind(pattern: Pattern, subscriber: S): void {
    const space = this.spaces.get(pattern.namespace);
    const binding = (pattern.exact ? space?.exact : space?.wild)?.get(pattern.canonical);
    if (space !== undefined && binding?.subs.has(subscriber)) this.release(space, binding, subscriber);
  }

  unbindAll(subscriber: S): void {
    const mine = this.bySub.get(subscriber);
    if (mine === undefined) return;
    for (const binding of [...mine]) this.release(this.spaces.get(binding.pattern.namespace)!, binding, subscriber);
  }

  /**
   * Subscribers for an identifier's text (canonical, as providers emit): memoised, parsed only on
   * first sight. Invalid text → empty. The array is a frozen snapshot; changes replace it.
   */
  lookup(id: string): readonly S[] {
    const entry = this.memo.get(id);
    return entry !== undefined ? entry.subs : this.firstSight(id).subs;
  }

  /** As `lookup`, but the memo entry itself (the same object for the same text while cached). */
  entry(id: string): LookupEntry<S> {
    return this.memo.get(id) ?? this.firstSight(id);
  }

  /** Uncached answer, for explain and as a reference. */
  match(id: Identifier): S[] {
    const out = new Set<S>();
    const space = this.spaces.get(id.namespace);
    if (space !== undefined) this.matching(space, id, (binding) => binding.subs.forEach((s) => out.add(s)));
    return [...out];
  }

  /** The stream is gone: its memoised answers go too (a later lookup works them out again). */
  forget(id: Identifier): void {
    const space = this.spaces.get(id.namespace);
    const same = space?.entries.get(id.canonical);
    if (space === undefined || same === undefined) return;
    for (const entry of same) this.memo.delete(entry.text);
    space.entries.delete(id.canonical);
    this.dropIfEmpty(id.namespace, space);
  }

  clear(): void {
    this.spaces.clear();
    this.memo.clear();
    this.bySub.clear();
    this.bindings = 0;
  }

  private firstSight(text: string): Entry<S> {
    let id: Identifier | undefined;
    try {
      id = parseIdentifier(text);
    } catch (error) {
      if (!isTesseraError(error, 'INVALID_IDENTIFIER')) throw error;
    }
    const entry: Entry<S> = { text, id, counts: new Map(), subs: EMPTY, batchMark: 0, batchCount: 0 };
    if (id !== undefined) {
      const space = this.space(id.namespace);
      this.matching(space, id, (binding) => {
        for (const s of binding.subs) entry.counts.set(s, (entry.counts.get(s) ?? 0) + 1);
      });
      if (entry.counts.size > 0) entry.subs = Object.freeze([...entry.counts.keys()]);
      let same = space.entries.get(id.canonical);
      if (same === undefined) space.entries.set(id.canonical, (same = new Set()));
      same.add(entry);
    }
    this.memo.set(text, entry);
    if (this.memo.size > this.maxCacheEntries) this.evictOldest();
    return entry;
  }

  private evictOldest(): void {
    const [text, entry] = this.memo.entries().next().value!;
    this.memo.delete(text);
    if (entry.id === undefined) return;
    const space = this.spaces.get(entry.id.namespace)!;
    const same = space.entries.get(entry.id.canonical)!;
    same.delete(entry);
    if (same.size === 0) space.entries.delete(entry.id.canonical);
    this.dropIfEmpty(entry.id.namespace, space);
  }

  private release(space: Space<S>, binding: Binding<S>, subscriber: S): void {
    binding.subs.delete(subscriber);
    this.bindings--;
    const mine = this.bySub.get(subscriber)!;
    mine.delete(binding);
    if (mine.size === 0) this.bySub.delete(subscriber);
    const pattern = binding.pattern;
    if (binding.subs.size === 0) (pattern.exact ? space.exact : space.wild).delete(pattern.canonical);
    this.affected(space, pattern, (entry) => {
      const n = entry.counts.get(subscriber)!;
      if (n > 1) entry.counts.set(subscriber, n - 1);
      else {
        entry.counts.delete(subscriber);
        entry.subs = entry.counts.size === 0 ? EMPTY : Object.freeze(entry.subs.filter((s) => s !== subscriber));
      }
    });
    this.dropIfEmpty(pattern.namespace, space);
  }

  /** Calls `visit` for every binding in the namespace whose pattern matches `id`. */
  private matching(space: Space<S>, id: Identifier, visit: (binding: Binding<S>) => void): void {
    const exact = space.exact.get(id.canonical);
    if (exact !== undefined) visit(exact);
    for (const binding of space.wild.values()) if (binding.pattern.matches(id)) visit(binding);
  }

  /** Calls `visit` for every memo entry the pattern matches (only its namespace is looked at). */
  private affected(space: Space<S>, pattern: Pattern, visit: (entry: Entry<S>) => void): void {
    if (pattern.exact) {
      space.entries.get(pattern.canonical)?.forEach(visit);
      return;
    }
    for (const same of space.entries.values()) {
      const first = same.values().next().value!;
      if (pattern.matches(first.id!)) same.forEach(visit);
    }
  }

  private space(namespace: string): Space<S> {
    let space = this.spaces.get(namespace);
    if (space === undefined) {
      space = { exact: new Map(), wild: new Map(), entries: new Map() };
      this.spaces.set(namespace, space);
    }
    return space;
  }

  private dropIfEmpty(namespace: string, space: Space<S>): void {
    if (space.exact.size + space.wild.size + space.entries.size === 0) this.spaces.delete(namespace);
  }
}
