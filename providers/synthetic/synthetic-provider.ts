import type { JsonValue } from '../../common/json';
import { TesseraError } from '../../common/errors';
import type { Provider, ProviderContext, StreamFailure, SubscribeResult } from '../contract';
import { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import { PayloadGenerator } from './generator';
import {
  buildCatalogue,
  DEFAULT_SYMBOLS,
  describeStream,
  SYNTHETIC_KINDS,
  SYNTHETIC_LIMITS,
  type StreamSpec,
  type SyntheticKind,
  type SyntheticSymbol,
} from './streams';

export interface SyntheticOptions {
  /** Same seed, same payloads per stream (default 1). */
  seed?: number | string;
  /** The catalogue `validate` checks and `expand` enumerates (default btcusdt, ethusdt, solusdt). */
  symbols?: readonly (string | SyntheticSymbol)[];
  /** Kinds offered (default ticks, trades, quotes, trade). */
  kinds?: readonly SyntheticKind[];
  /** Rate of a stream without `rate=` (default 10 per second). */
  defaultRate?: number;
  /** `timer` emits on ctx timers; `manual` only when `pump` is called (benchmarks, tests). */
  emitMode?: 'timer' | 'manual';
  /** How often the timer emits a burst (default 10 ms). */
  tickMs?: number;
}

/** The reply to `request(id, …)`. */
export interface SyntheticSnapshot {
  readonly id: string;
  readonly last: JsonValue | null;
  readonly emitted: number;
  readonly [key: string]: JsonValue;
}

interface Stream {
  readonly id: Identifier;
  readonly spec: StreamSpec;
  readonly generator: PayloadGenerator;
  /** Clock time and count the rate is measured from; moved on when a backlog is dropped. */
  anchorTs: number;
  anchorCount: number;
}

/**
 * Deterministic generator of `<symbol>.<kind>[rate=…;size=…]` streams. Emission runs on one
 * interval for all streams; each tick emits however many messages the clock says are due, so
 * high rates need no timer per message and the average rate holds whatever the tick jitter.
 */
export class SyntheticProvider implements Provider {
  private readonly seed: string;
  private readonly catalogue: ReadonlyMap<string, number>;
  private readonly kinds: readonly SyntheticKind[];
  private readonly defaultRate: number;
  private readonly emitMode: 'timer' | 'manual';
  private readonly tickMs: number;
  private ctx: ProviderContext | undefined;
  private readonly streams = new Map<string, Stream>();
  private cancelTick: (() => void) | undefined;

  constructor(options: SyntheticOptions = {}) {
    this.seed = String(options.seed ?? 1);
    this.catalogue = buildCatalogue(options.symbols ?? DEFAULT_SYMBOLS);
    this.kinds = options.kinds ?? SYNTHETIC_KINDS;
    for (const kind of this.kinds) {
      if (!SYNTHETIC_KINDS.includes(kind)) throw new Error(`synthetic: option "kinds" has unknown kind "${kind}"`);
    }
    this.defaultRate = options.defaultRate ?? SYNTHETIC_LIMITS.defaultRate;
    if (!(this.defaultRate >= SYNTHETIC_LIMITS.minRate && this.defaultRate <= SYNTHETIC_LIMITS.maxRate)) {
      throw new Error(`synthetic: option "defaultRate" must be from ${SYNTHETIC_LIMITS.minRate} to ${SYNTHETIC_LIMITS.maxRate}`);
    }
    this.emitMode = options.emitMode ?? 'timer';
    this.tickMs = options.tickMs ?? 10;
    if (!(this.tickMs >= 1)) throw new Error('synthetic: option "tickMs" must be at least 1');
  }

  start(ctx: ProviderContext): void {
    if (this.ctx) return;
    this.ctx = ctx;
    ctx.logger.info('synthetic provider started', { symbols: [...this.catalogue.keys()], emitMode: this.emitMode });
  }

  stop(): void {
    this.cancelTick?.();
    this.cancelTick = undefined;
    this.streams.clear();
    this.ctx = undefined;
  }

  validate(id: Identifier): string | undefined {
    if (this.ctx && id.namespace !== this.ctx.name) return `namespace "${id.namespace}" is not "${this.ctx.name}"`;
    const spec = describeStream(id, this.catalogue, this.kinds, this.defaultRate);
    return typeof spec === 'string' ? spec : undefined;
  }

  /**
   * Every catalogue symbol × kind the pattern matches: with default params, or with the params
   * the pattern names on the kind (`ticks[rate=100].*` starts every symbol's ticks at rate 100).
   */
  expand(pattern: Pattern): readonly Identifier[] {
    const out: Identifier[] = [];
    if (this.ctx && pattern.namespace !== this.ctx.name) return out;
    for (const kind of this.kinds) {
      const named = pattern.constraints.find((c) => c.name === kind && (c.match === 'exact' || c.match === 'at-least'));
      const params = named ? Object.fromEntries(named.params) : {};
      for (const symbol of this.catalogue.keys()) {
        const id = Identifier.of(pattern.namespace, { [symbol]: {}, [kind]: params });
        if (pattern.matches(id) && this.validate(id) === undefined) out.push(id);
      }
    }
    return out;
  }

  subscribe(ids: readonly Identifier[]): SubscribeResult {
    const ctx = this.requireStarted();
    const failed: StreamFailure[] = [];
    for (const id of ids) {
      if (this.streams.has(id.canonical)) continue;
      const reason = id.namespace === ctx.name ? undefined : `namespace "${id.namespace}" is not "${ctx.name}"`;
      const spec = reason ?? describeStream(id, this.catalogue, this.kinds, this.defaultRate);
      if (typeof spec === 'string') {
        failed.push({ id, reason: spec });
        continue;
      }
      const generator = new PayloadGenerator(this.seed, id.canonical, spec);
      this.streams.set(id.canonical, { id, spec, generator, anchorTs: ctx.clock.now(), anchorCount: 0 });
    }
    this.syncTimer();
    return failed.length > 0 ? { failed } : {};
  }

  unsubscribe(ids: readonly Identifier[]): void {
    for (const id of ids) this.streams.delete(id.canonical);
    this.syncTimer();
  }

  request(id: Identifier, _body: JsonValue): SyntheticSnapshot {
    const stream = this.streams.get(id.canonical);
    if (!stream) throw new TesseraError('BAD_REQUEST', `synthetic: stream ${id.canonical} is not subscribed`, { details: { id: id.canonical } });
    return { id: id.canonical, last: stream.generator.last, emitted: stream.generator.count };
  }

  /**
   * Emits `count` messages on every subscribed stream now, or on `id` alone; returns how many
   * were emitted. Works in both modes (in `timer` mode pumped messages count towards the rate);
   * `manual` mode emits only this way.
   */
  pump(count = 1, id?: Identifier | string): number {
    const ctx = this.requireStarted();
    const now = ctx.clock.now();
    let emitted = 0;
    for (const stream of this.selected(id)) {
      for (let i = 0; i < count; i++) ctx.emit(stream.id, stream.generator.next(), now);
      emitted += count;
    }
    return emitted;
  }

  /** Subscribed streams (canonical text). */
  get subscribed(): readonly string[] {
    return [...this.streams.keys()];
  }

  private selected(id: Identifier | string | undefined): Iterable<Stream> {
    if (id === undefined) return this.streams.values();
    const stream = this.streams.get(typeof id === 'string' ? id : id.canonical);
    return stream ? [stream] : [];
  }

  /** One interval while any stream runs in timer mode; none otherwise, so an idle provider costs nothing. */
  private syncTimer(): void {
    const want = this.emitMode === 'timer' && this.streams.size > 0;
    if (want && !this.cancelTick && this.ctx) {
      this.cancelTick = this.ctx.setInterval(() => this.tick(), this.tickMs);
    } else if (!want && this.cancelTick) {
      this.cancelTick();
      this.cancelTick = undefined;
    }
  }

  private tick(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const now = ctx.clock.now();
    for (const stream of this.streams.values()) {
      const { generator, spec } = stream;
      let due = stream.anchorCount + Math.floor(((now - stream.anchorTs) * spec.rate) / 1000) - generator.count;
      // After a stall, send at most a second's worth and forget the rest rather than flood.
      const cap = Math.max(1, Math.ceil(spec.rate));
      if (due > cap) {
        due = cap;
        stream.anchorTs = now;
        stream.anchorCount = generator.count + cap;
      }
      for (let i = 0; i < due; i++) ctx.emit(stream.id, generator.next(), now);
    }
  }

  private requireStarted(): ProviderContext {
    if (!this.ctx) throw new Error('synthetic: provider is not started');
    return this.ctx;
  }
}
