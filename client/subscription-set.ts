import { parseIdentifier, type Identifier } from '../router/identifier';
import type { Subscription } from './subscription';

/**
 * The client's subscriptions and the session's pattern set they add up to (a pattern held by
 * two subscriptions is wanted until both let go). Which subscriptions a stream id goes to is
 * worked out once per id and kept until the subscriptions change.
 */
export class SubscriptionSet {
  private readonly subs = new Set<Subscription>();
  /** Canonical pattern → how many subscriptions hold it. */
  private readonly wanted = new Map<string, number>();
  private routes = new Map<string, readonly Subscription[]>();

  /** The session's patterns, canonical. */
  get patterns(): string[] {
    return [...this.wanted.keys()];
  }

  get empty(): boolean {
    return this.wanted.size === 0;
  }

  add(sub: Subscription): void {
    for (const p of sub.patterns) this.wanted.set(p, (this.wanted.get(p) ?? 0) + 1);
    this.subs.add(sub);
    this.routes = new Map();
  }

  /** False when `sub` was not in the set. */
  remove(sub: Subscription): boolean {
    if (!this.subs.delete(sub)) return false;
    for (const p of sub.patterns) {
      const count = this.wanted.get(p);
      if (count === undefined) continue;
      if (count <= 1) this.wanted.delete(p);
      else this.wanted.set(p, count - 1);
    }
    this.routes = new Map();
    return true;
  }

  /** The server dropped these patterns (their namespace went away): asking again would be refused. */
  forget(patterns: readonly string[]): void {
    for (const p of patterns) this.wanted.delete(p);
  }

  endAll(): void {
    for (const sub of this.subs) sub.end();
  }

  /** The subscriptions whose patterns match `id`. */
  route(id: string): readonly Subscription[] {
    let subs = this.routes.get(id);
    if (subs === undefined) {
      let identifier: Identifier | undefined;
      try {
        identifier = parseIdentifier(id);
      } catch {
        identifier = undefined;
      }
      subs = identifier === undefined ? [] : [...this.subs].filter((s) => s.matches(identifier));
      this.routes.set(id, subs);
    }
    return subs;
  }
}
