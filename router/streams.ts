import type { MessageEnvelope } from '../common/envelope';
import { newEpoch } from '../common/epoch';
import type { Payload } from '../common/json';
import type { Identifier } from './identifier';
import type { Pattern } from './pattern';

/** Gives a stateful stream's current state, or undefined while it has none. */
export type StateSupplier = () => Payload | undefined;

/**
 * Per-stream state that outlives provider incarnations: the position counter, the latest
 * message (for `last`), and the state supplier of a stateful stream. The emit path touches
 * only this object: `seq` up by one, `last` replaced.
 */
export interface StreamCounter {
  readonly id: string;
  readonly identifier: Identifier;
  /** Origin of `seq`: the service's own epoch, or the remote exporter's for forwarded messages. */
  epoch: string;
  seq: number;
  /** The latest message while the stream flows; cleared when it stops. */
  last: MessageEnvelope | undefined;
  /** Set while the stream is stateful (ProviderContext.stateful). */
  state: StateSupplier | undefined;
  /** Forgotten by the directory (the stream is gone): holders of the object must look it up again. */
  retired: boolean;
}

/** What a session joining a stream first gets: its state, or its latest message. */
export interface JoinCandidate {
  readonly counter: StreamCounter;
  readonly kind: 'state' | 'cached';
}

const NONE: ReadonlyMap<string, StreamCounter> = new Map();

/**
 * Every flowing stream's counter, per namespace. The router reads it when a session starts
 * receiving a stream. A stream that is gone (released by every session, its provider removed,
 * a published id left idle) is forgotten, so ids that come and go leave nothing behind; when
 * one comes back its counter starts again under a new epoch, never reusing a position.
 */
export class StreamDirectory {
  private readonly spaces = new Map<string, Map<string, StreamCounter>>();
  /** Stateful streams per namespace, so a wildcard join does not scan every counter. */
  private readonly stateful = new Map<string, Set<StreamCounter>>();
  /** The epoch new counters get; changes after a counter was forgotten (see `forget`). */
  private current: string;
  private forgotten = false;
  /** Told of every stream let go (the router drops what it memoised for it). */
  onForget: (id: Identifier) => void = () => undefined;

  constructor(
    readonly epoch: string,
    private readonly nextEpoch: () => string = newEpoch,
  ) {
    this.current = epoch;
  }

  namespace(name: string): ReadonlyMap<string, StreamCounter> {
    return this.spaces.get(name) ?? NONE;
  }

  /** Counters held now, in every namespace. */
  get size(): number {
    let n = 0;
    for (const space of this.spaces.values()) n += space.size;
    return n;
  }

  counter(id: Identifier): StreamCounter {
    let space = this.spaces.get(id.namespace);
    if (space === undefined) this.spaces.set(id.namespace, (space = new Map()));
    let counter = space.get(id.canonical);
    if (counter === undefined) {
      // After any counter was forgotten, the next new counter opens a new epoch: a stream that
      // comes back can never carry an (epoch, seq) it had before.
      if (this.forgotten) {
        this.current = this.nextEpoch();
        this.forgotten = false;
      }
      counter = { id: id.canonical, identifier: id, epoch: this.current, seq: 0, last: undefined, state: undefined, retired: false };
      space.set(id.canonical, counter);
    }
    return counter;
  }

  /** Lets a stream's counter go (a stateful one keeps its supplier, and so its counter). */
  forget(canonical: string, namespace: string): void {
    const space = this.spaces.get(namespace);
    const counter = space?.get(canonical);
    if (space === undefined || counter === undefined) return;
    counter.last = undefined;
    if (counter.state !== undefined) return;
    space.delete(canonical);
    if (space.size === 0) this.spaces.delete(namespace);
    counter.retired = true;
    this.forgotten = true;
    this.onForget(counter.identifier);
  }

  setState(counter: StreamCounter, supplier: StateSupplier | undefined): void {
    counter.state = supplier;
    let set = this.stateful.get(counter.identifier.namespace);
    if (supplier !== undefined) {
      if (set === undefined) this.stateful.set(counter.identifier.namespace, (set = new Set()));
      set.add(counter);
    } else if (set?.delete(counter) && set.size === 0) this.stateful.delete(counter.identifier.namespace);
  }

  /** The stream stopped: it is gone, and so is its state here. */
  stopped(canonical: string, namespace: string): void {
    this.forget(canonical, namespace);
  }

  /**
   * Flowing streams `pattern` matches that a joiner should first get something of: the state
   * of a stateful stream, or with `last` the latest message of any other.
   */
  joinable(pattern: Pattern, last: boolean): JoinCandidate[] {
    const out: JoinCandidate[] = [];
    const add = (counter: StreamCounter): void => {
      if (counter.last === undefined) return;
      if (counter.state !== undefined) out.push({ counter, kind: 'state' });
      else if (last) out.push({ counter, kind: 'cached' });
    };
    if (pattern.exact) {
      const counter = this.spaces.get(pattern.namespace)?.get(pattern.canonical);
      if (counter !== undefined) add(counter);
      return out;
    }
    const candidates = last ? this.spaces.get(pattern.namespace)?.values() : this.stateful.get(pattern.namespace)?.values();
    for (const counter of candidates ?? []) if (pattern.matches(counter.identifier)) add(counter);
    return out;
  }
}
