import { TesseraError } from '../common/errors';
import type { JsonValue, Payload } from '../common/json';
import type { Provider, ProviderContext, ProviderFactory, SubscribeResult } from '../providers/contract';
import type { Identifier } from '../router/identifier';
import type { Pattern } from '../router/pattern';

export type ScriptedMethod = 'start' | 'stop' | 'subscribe' | 'unsubscribe' | 'request' | 'expand';

/** One call a provider incarnation received. */
export interface ScriptedCall {
  readonly incarnation: number;
  readonly method: ScriptedMethod;
  readonly ids: readonly string[];
}

type Fault = { kind: 'throw' | 'reject'; error: Error } | { kind: 'stall'; until: Promise<void> };

/**
 * A provider for supervision tests, scripted from the test: emit, refuse streams, throw or
 * reject in any method, stall a call until released, fail from a timer or through `ctx.fail`.
 * It keeps the history of every call across restarts; `factory` gives a fresh instance per
 * incarnation, as a real provider factory would.
 */
export class ProviderScript {
  readonly calls: ScriptedCall[] = [];
  readonly instances: ScriptedProvider[] = [];
  /** Streams the current incarnation has subscribed. */
  readonly subscribed = new Set<string>();
  /** What `expand` returns for wildcard patterns (filtered by the pattern). */
  catalogue: Identifier[] = [];
  private readonly refusals = new Map<string, string>();
  private readonly faults = new Map<ScriptedMethod, Fault[]>();
  readonly factory: ProviderFactory = () => {
    const provider = new ScriptedProvider(this, this.instances.length + 1);
    this.instances.push(provider);
    return provider;
  };

  get current(): ScriptedProvider | undefined {
    return this.instances[this.instances.length - 1];
  }

  /** Calls of one method, in order. */
  callsOf(method: ScriptedMethod): ScriptedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** `subscribe` reports this stream as refused (STREAM_START_FAILED for the caller). */
  refuse(id: string, reason = 'refused by script'): void {
    this.refusals.set(id, reason);
  }

  allow(id: string): void {
    this.refusals.delete(id);
  }

  /** The next call of `method` throws (synchronously) or rejects. */
  failNext(method: ScriptedMethod, kind: 'throw' | 'reject' = 'throw', error = new Error(`scripted ${method} failure`)): void {
    this.push(method, { kind, error });
  }

  /** The next call of `method` waits until the returned function is called. */
  stallNext(method: ScriptedMethod): () => void {
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    this.push(method, { kind: 'stall', until });
    return release;
  }

  /** Emits on the current incarnation. */
  emit(id: string, payload: Payload, eventTs?: number): void {
    this.ctx().emit(id, payload, eventTs);
  }

  /** The current incarnation announces lost data on a stream (`ctx.gap`). */
  gap(id: string, reason: string): void {
    this.ctx().gap(id, reason);
  }

  /** The current incarnation marks a stream stateful (`ctx.stateful`), or unmarks it. */
  stateful(id: string, state: (() => Payload | undefined) | undefined): void {
    this.ctx().stateful(id, state);
  }

  /** The current incarnation reports a failure through `ctx.fail`. */
  fail(error = new Error('scripted ctx.fail')): void {
    this.ctx().fail(error);
  }

  /** The current incarnation throws from one of its own timers after `ms`. */
  throwFromTimer(error = new Error('scripted timer throw'), ms = 0): void {
    this.ctx().setTimeout(() => {
      throw error;
    }, ms);
  }

  /** Used by ScriptedProvider: records the call and applies the next scripted fault, if any. */
  enter(incarnation: number, method: ScriptedMethod, ids: readonly Identifier[]): Promise<void> | undefined {
    this.calls.push({ incarnation, method, ids: ids.map((id) => id.canonical) });
    const fault = this.faults.get(method)?.shift();
    if (fault === undefined) return undefined;
    if (fault.kind === 'stall') return fault.until;
    if (fault.kind === 'throw') throw fault.error;
    return Promise.reject(fault.error);
  }

  /**
   * Used by ScriptedProvider: splits requested ids into started and refused. Only the current
   * incarnation updates `subscribed`: a late answer of an old one must not show up there.
   */
  outcome(ids: readonly Identifier[], from: ScriptedProvider): SubscribeResult {
    const failed = ids.filter((id) => this.refusals.has(id.canonical)).map((id) => ({ id, reason: this.refusals.get(id.canonical)! }));
    if (from === this.current) for (const id of ids) if (!this.refusals.has(id.canonical)) this.subscribed.add(id.canonical);
    return { failed };
  }

  private ctx(): ProviderContext {
    const ctx = this.current?.context;
    if (ctx === undefined) throw new Error('no running scripted provider');
    return ctx;
  }

  private push(method: ScriptedMethod, fault: Fault): void {
    const list = this.faults.get(method) ?? [];
    list.push(fault);
    this.faults.set(method, list);
  }
}

export class ScriptedProvider implements Provider {
  context: ProviderContext | undefined;

  constructor(
    private readonly script: ProviderScript,
    readonly incarnation: number,
  ) {}

  /** The script's latest instance; older ones are left over from before a restart. */
  get isCurrent(): boolean {
    return this.script.current === this;
  }

  start(ctx: ProviderContext): Promise<void> | void {
    this.context = ctx;
    this.script.subscribed.clear();
    return this.script.enter(this.incarnation, 'start', []);
  }

  stop(): Promise<void> | void {
    return then(this.script.enter(this.incarnation, 'stop', []), () => {
      if (this.isCurrent) this.script.subscribed.clear();
    });
  }

  subscribe(ids: readonly Identifier[]): SubscribeResult | Promise<SubscribeResult> {
    return then(this.script.enter(this.incarnation, 'subscribe', ids), () => this.script.outcome(ids, this));
  }

  unsubscribe(ids: readonly Identifier[]): Promise<void> | void {
    return then(this.script.enter(this.incarnation, 'unsubscribe', ids), () => {
      if (this.isCurrent) for (const id of ids) this.script.subscribed.delete(id.canonical);
    });
  }

  expand(pattern: Pattern): readonly Identifier[] | Promise<readonly Identifier[]> {
    return then(this.script.enter(this.incarnation, 'expand', []), () => this.script.catalogue.filter((id) => pattern.matches(id)));
  }

  request(id: Identifier, body: JsonValue): JsonValue | Promise<JsonValue> {
    return then(this.script.enter(this.incarnation, 'request', [id]), () => {
      if (!this.script.subscribed.has(id.canonical)) throw new TesseraError('BAD_REQUEST', `${id.canonical} is not subscribed`);
      return { id: id.canonical, echo: body };
    });
  }
}

/** Runs `next` now when nothing was scripted (so a throw stays synchronous), else after `wait`. */
function then<T>(wait: Promise<void> | undefined, next: () => T): T | Promise<T> {
  return wait === undefined ? next() : wait.then(next);
}
