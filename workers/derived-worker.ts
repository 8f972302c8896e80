import type { Payload } from '../common/json';
import type { StreamFailure, SubscribeResult } from '../providers/contract';
import type { Identifier } from '../router/identifier';
import type { InputMessage, Worker, WorkerContext } from './contract';

/** Options every shipped worker takes. */
export interface DerivedWorkerOptions {
  /**
   * For a live input, how long after a window's end (on the service clock) it is closed when no
   * input message has closed it (default 1000 ms).
   */
  readonly graceMs?: number;
  /** Input namespaces that are not live (replays): their windows close on event time alone. */
  readonly eventTimeOnly?: readonly string[];
  /** How often live windows are checked for their grace (default 100 ms). */
  readonly checkEveryMs?: number;
}

/** One derived stream's state, as a shipped worker keeps it. */
export interface Derivation {
  /** Folds one input message in; returns false when its payload is not what the input kind carries. */
  fold(msg: InputMessage, out: Emit): boolean;
  /** Live inputs: sends the window in progress if `now` is a grace past its end. */
  closeDue(now: number, graceMs: number, out: Emit): void;
  /** The window in progress (a joiner's state), or undefined. */
  current(): Payload | undefined;
}

export type Emit = (payload: Payload, eventTs: number) => void;

interface Entry {
  readonly id: Identifier;
  readonly input: string;
  readonly live: boolean;
  readonly derivation: Derivation;
  readonly out: Emit;
}

/**
 * The shared base of the shipped workers: each derived stream reads exactly one input stream
 * (`<venue>::<symbol>.<kind>`) and keeps one `Derivation`. The base indexes streams by input,
 * feeds each batch through them and runs one timer for the grace of live inputs.
 */
export abstract class DerivedWorker implements Worker {
  /** Input messages whose payload was not of the input's kind (counted, never folded in). */
  invalidInputs = 0;
  private ctx: WorkerContext | undefined;
  private readonly streams = new Map<string, Entry>();
  private readonly byInput = new Map<string, Entry[]>();
  private readonly graceMs: number;
  private readonly checkEveryMs: number;
  private readonly eventTimeOnly: ReadonlySet<string>;
  private cancelCheck: (() => void) | undefined;

  constructor(
    private readonly kind: string,
    options: DerivedWorkerOptions,
  ) {
    this.graceMs = options.graceMs ?? 1000;
    this.checkEveryMs = options.checkEveryMs ?? 100;
    if (!(Number.isFinite(this.graceMs) && this.graceMs >= 0)) throw new Error(`${kind}: option "graceMs" must be a number of ms, 0 or more`);
    if (!(Number.isInteger(this.checkEveryMs) && this.checkEveryMs >= 1)) throw new Error(`${kind}: option "checkEveryMs" must be an integer of 1 or more`);
    this.eventTimeOnly = new Set(options.eventTimeOnly ?? []);
  }

  /** The input `id` reads and a fresh derivation for it, or the reason `id` is not a stream of this worker. */
  protected abstract describe(id: Identifier): { readonly input: Identifier; readonly create: () => Derivation } | string;

  start(ctx: WorkerContext): void {
    this.ctx = ctx;
  }

  stop(): void {
    this.cancelCheck?.();
    this.cancelCheck = undefined;
    this.streams.clear();
    this.byInput.clear();
    this.ctx = undefined;
  }

  validate(id: Identifier): string | undefined {
    const spec = this.describe(id);
    return typeof spec === 'string' ? spec : undefined;
  }

  inputs(id: Identifier): readonly string[] {
    const spec = this.describe(id);
    if (typeof spec === 'string') throw new Error(spec);
    return [spec.input.canonical];
  }

  subscribe(ids: readonly Identifier[]): SubscribeResult {
    const ctx = this.requireCtx();
    const failed: StreamFailure[] = [];
    for (const id of ids) {
      if (this.streams.has(id.canonical)) continue;
      const spec = id.namespace === ctx.name ? this.describe(id) : `namespace "${id.namespace}" is not "${ctx.name}"`;
      if (typeof spec === 'string') {
        failed.push({ id, reason: spec });
        continue;
      }
      const entry: Entry = {
        id,
        input: spec.input.canonical,
        live: !this.eventTimeOnly.has(spec.input.namespace),
        derivation: spec.create(),
        out: (payload, eventTs) => ctx.emit(id, payload, eventTs),
      };
      this.streams.set(id.canonical, entry);
      // The window in progress is the stream's state: a session joining gets it first.
      ctx.stateful(id, () => entry.derivation.current());
      const list = this.byInput.get(entry.input);
      if (list === undefined) this.byInput.set(entry.input, [entry]);
      else list.push(entry);
    }
    this.syncCheck();
    return failed.length > 0 ? { failed } : {};
  }

  unsubscribe(ids: readonly Identifier[]): void {
    for (const id of ids) {
      const entry = this.streams.get(id.canonical);
      if (entry === undefined) continue;
      this.streams.delete(id.canonical);
      this.ctx?.stateful(id, undefined);
      const rest = (this.byInput.get(entry.input) ?? []).filter((e) => e !== entry);
      if (rest.length > 0) this.byInput.set(entry.input, rest);
      else this.byInput.delete(entry.input);
    }
    this.syncCheck();
  }

  receive(batch: readonly InputMessage[]): void {
    for (let i = 0; i < batch.length; i++) {
      const msg = batch[i];
      const entries = this.byInput.get(msg.id);
      if (entries === undefined) continue;
      for (let j = 0; j < entries.length; j++) {
        if (!entries[j].derivation.fold(msg, entries[j].out)) {
          this.invalidInputs++;
          break;
        }
      }
    }
  }

  /** The window in progress of a subscribed stream (what a joiner is given first). */
  current(id: Identifier | string): Payload | undefined {
    return this.streams.get(typeof id === 'string' ? id : id.canonical)?.derivation.current();
  }

  private syncCheck(): void {
    const want = [...this.streams.values()].some((e) => e.live);
    if (want && this.cancelCheck === undefined && this.ctx !== undefined) {
      const ctx = this.ctx;
      this.cancelCheck = ctx.setInterval(() => {
        const now = ctx.clock.now();
        for (const entry of this.streams.values()) if (entry.live) entry.derivation.closeDue(now, this.graceMs, entry.out);
      }, this.checkEveryMs);
    } else if (!want && this.cancelCheck !== undefined) {
      this.cancelCheck();
      this.cancelCheck = undefined;
    }
  }

  private requireCtx(): WorkerContext {
    if (this.ctx === undefined) throw new Error(`${this.kind}: worker is not started`);
    return this.ctx;
  }
}
