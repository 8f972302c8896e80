import type { MessageEnvelope } from '../common/envelope';
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
}

/** What a session joining a stream first gets: its state, or its latest message. */
export interface JoinCandidate {
  readonly counter: StreamCounter;
  readonly kind: 'state' | 'cached';
}

/**
 * Every stream's counter, per namespace, for the service's life (a provider removed and added
 * again carries on counting). The router reads it when a session starts receiving a stream.
 */
export class StreamDirectory {
  private readonly spaces = new Map<string, Map<string, StreamCounter>>();
  /** Stateful streams per namespace, so a wildcard join does not scan every counter. */
  private readonly stateful = new Map<string, Set<StreamCounter>>();

  constructor(readonly epoch: string) {}

  namespace(name: string): Map<string, StreamCounter> {
    let space = this.spaces.get(name);
    if (space === undefined) this.spaces.set(name, (space = new Map()));
    return space;
  }

  counter(id: Identifier): StreamCounter {
    const space = this.namespace(id.namespace);
    let counter = space.get(id.canonical);
    if (counter === undefined) {
      counter = { id: id.canonical, identifier: id, epoch: this.epoch, seq: 0, last: undefined, state: undefined };
      space.set(id.canonical, counter);
    }
    return counter;
  }

  setState(counter: StreamCounter, supplier: StateSupplier | undefined): void {
    counter.state = supplier;
    let set = this.stateful.get(counter.identifier.namespace);
    if (supplier !== undefined) {
      if (set === undefined) this.stateful.set(counter.identifier.namespace, (set = new Set()));
      set.add(counter);
    } else if (set?.delete(counter) && set.size === 0) this.stateful.delete(counter.identifier.namespace);
  }

  /** The stream stopped: its latest message is let go. */
  stopped(canonical: string, namespace: string): void {
    const counter = this.spaces.get(namespace)?.get(canonical);
    if (counter !== undefined) counter.last = undefined;
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
