import { SerialQueue } from '../../common/serial-queue';
import { toError } from '../../common/errors';
import { parseIdentifier, type Identifier } from '../../router/identifier';
import { parsePattern, type Pattern } from '../../router/pattern';
import type { RouteTarget, RouterMsg } from '../../router/router-actor';
import { configureSession, type ConfigureEnv, type Subscriber } from '../manager/configure';
import { wantedOf, type Binding } from '../session/session-record';

/** A worker's input bindings, held like a session's: the router delivers what they match to `outbox`. */
export class InputSubscriber implements Subscriber {
  bindings = new Map<string, Binding>();
  closed = false;

  constructor(
    readonly id: string,
    readonly outbox: RouteTarget,
  ) {}

  wanted(): Map<string, Map<string, Identifier>> {
    return wantedOf(this.bindings.values());
  }

  /** Takes the configured bindings: the new patterns are bound before the old are unbound. */
  rebind(next: Map<string, Binding>, toRouter: (msg: RouterMsg) => void): void {
    const old = this.bindings;
    this.bindings = next;
    for (const [canonical, b] of next) if (!old.has(canonical)) toRouter({ type: 'bind', pattern: b.pattern, target: this.outbox });
    for (const [canonical, b] of old) if (!next.has(canonical)) toRouter({ type: 'unbind', pattern: b.pattern, target: this.outbox });
  }
}

export interface InputsEnv {
  readonly configure: ConfigureEnv<InputSubscriber>;
  /** Sends to the router's current incarnation. */
  readonly toRouter: (msg: RouterMsg) => void;
  /** The namespaces worker `name` takes input from now; undefined when `name` is not a worker. */
  readonly dependencies: (name: string) => ReadonlySet<string> | undefined;
}

interface Need {
  readonly patterns: readonly string[];
  readonly parsed: readonly Pattern[];
  readonly namespaces: readonly string[];
}

/**
 * What a worker's subscribed streams need, bound through the same atomic configure a session
 * uses, so inputs are reference-counted with every session's (a stream wanted by a worker and by
 * three sessions starts upstream once). The bound set is the union of every subscribed stream's
 * input patterns; changes apply one at a time.
 */
export class WorkerInputs {
  readonly subscriber: InputSubscriber;
  private readonly needs = new Map<string, Need>();
  private readonly queue = new SerialQueue();

  constructor(
    private readonly name: string,
    private readonly env: InputsEnv,
    target: RouteTarget,
  ) {
    this.subscriber = new InputSubscriber(`worker:${name}`, target);
  }

  /** Namespaces the worker's subscribed streams read from (cycle checks walk these). */
  namespaces(): Set<string> {
    const out = new Set<string>();
    for (const need of this.needs.values()) for (const ns of need.namespaces) out.add(ns);
    return out;
  }

  /** Derived streams whose input patterns match stream `canonical` (an input's gap is theirs too). */
  fedBy(canonical: string): string[] {
    const out: string[] = [];
    let id: Identifier;
    try {
      id = parseIdentifier(canonical);
    } catch {
      return out;
    }
    for (const [derived, need] of this.needs) if (need.parsed.some((p) => p.matches(id))) out.push(derived);
    return out;
  }

  /** Binds what derived stream `id` needs; resolves with the reason it cannot, or undefined. */
  async bind(id: string, patterns: readonly string[]): Promise<string | undefined> {
    const parsed: Pattern[] = [];
    for (const text of patterns) {
      try {
        parsed.push(parsePattern(text));
      } catch (error) {
        return `input "${text}": ${toError(error).message}`;
      }
    }
    const namespaces = parsed.map((p) => p.namespace);
    const cycle = this.cycle(namespaces);
    if (cycle !== undefined) return `its inputs would make a cycle of workers: ${cycle.join(' -> ')}`;
    const previous = this.needs.get(id);
    // Recorded before the configure runs, so a concurrent cycle check already sees this edge.
    this.needs.set(id, { patterns, parsed, namespaces });
    try {
      await this.apply();
      return undefined;
    } catch (error) {
      // The configure left the previous bindings in full effect; the record follows them.
      if (previous === undefined) this.needs.delete(id);
      else this.needs.set(id, previous);
      return `inputs: ${toError(error).message}`;
    }
  }

  /** Lets go of what these streams needed (inputs still needed by another stream stay). */
  release(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.needs.delete(id);
    return this.applyQuietly();
  }

  /** After a restart: forget what streams no longer wanted needed. */
  keepOnly(wanted: ReadonlySet<string>): Promise<void> {
    for (const id of [...this.needs.keys()]) if (!wanted.has(id)) this.needs.delete(id);
    return this.applyQuietly();
  }

  /** A namespace went away: the streams that read it lose those inputs; returns them. */
  dropNamespace(namespace: string): Promise<string[]> {
    const hit = [...this.needs].filter(([, need]) => need.namespaces.includes(namespace)).map(([id]) => id);
    for (const id of hit) this.needs.delete(id);
    return this.applyQuietly().then(() => hit);
  }

  /** The worker is gone for good: every input is released. */
  /**
   * A new worker incarnation starts with empty derivations: every stateful input it is bound to
   * (a book) hands it its state again, in order with the messages, as a joiner would get it.
   */
  restate(): Promise<void> {
    return this.queue.run(async () => {
      for (const b of this.subscriber.bindings.values()) this.env.toRouter({ type: 'restate', pattern: b.pattern, target: this.subscriber.outbox });
    });
  }

  async close(): Promise<void> {
    this.needs.clear();
    await this.applyQuietly();
    this.subscriber.closed = true;
  }

  private apply(): Promise<string[]> {
    return this.queue.run(() => {
      const patterns = new Set<string>();
      for (const need of this.needs.values()) for (const p of need.patterns) patterns.add(p);
      return configureSession(this.env.configure, this.subscriber, [...patterns]);
    });
  }

  private applyQuietly(): Promise<void> {
    return this.apply().then(
      () => undefined,
      (error: unknown) => {
        this.env.configure.logger.warn('worker inputs could not be updated', { worker: this.name, error: toError(error).message });
      },
    );
  }

  /** The path back to this worker through workers' inputs, if one of `namespaces` leads to it. */
  private cycle(namespaces: readonly string[]): string[] | undefined {
    const seen = new Set<string>();
    const walk = (ns: string, path: string[]): string[] | undefined => {
      if (ns === this.name) return [...path, ns];
      if (seen.has(ns)) return undefined;
      seen.add(ns);
      for (const next of this.env.dependencies(ns) ?? []) {
        const found = walk(next, [...path, ns]);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    for (const ns of namespaces) {
      const found = walk(ns, [this.name]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
