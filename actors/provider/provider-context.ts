import type { Cancel, Clock } from '../../common/clock';
import type { MessageEnvelope } from '../../common/envelope';
import { TesseraError, toError } from '../../common/errors';
import type { Payload } from '../../common/json';
import type { Logger } from '../../common/logger';
import { messageBytes } from '../../common/payload-size';
import type { BridgeContext } from '../../providers/contract';
import { Identifier, parseIdentifier } from '../../router/identifier';
import type { RouterPort } from '../../router/port';
import type { StateSupplier, StreamCounter, StreamDirectory } from '../../router/streams';

/** What the context reports upwards; the manager turns these into notices. */
export interface ProviderEvents {
  streamDown(id: Identifier, reason: string): void;
  streamUp(id: Identifier): void;
  providerDown(reason: string): void;
  providerUp(): void;
  fail(error: Error): void;
}

export interface ProviderCounters {
  msgs: number;
  invalidEmits: number;
  /** Stream counters outlive incarnations, so `seq` carries on after a restart. */
  readonly directory: StreamDirectory;
}

/** Distinct ids (strings or objects) an incarnation remembers the counter of. */
const MAX_CACHED_IDS = 10_000;

/**
 * The context of one provider incarnation. `emit` is the first step of the hot path: one Map
 * lookup per message (the id is parsed once per distinct string or object), one envelope
 * allocation (its epoch a shared reference), one push into the router port.
 */
export class IncarnationContext implements BridgeContext {
  private alive = true;
  private readonly streams = new Map<string | Identifier, StreamCounter>();
  private readonly timers = new Set<Cancel>();
  /** Streams this incarnation made stateful; its state goes with it. */
  private readonly statefulStreams = new Set<StreamCounter>();

  constructor(
    readonly name: string,
    readonly logger: Logger,
    readonly clock: Clock,
    private readonly port: RouterPort,
    private readonly counters: ProviderCounters,
    private readonly events: ProviderEvents,
  ) {}

  get isAlive(): boolean {
    return this.alive;
  }

  emit(id: Identifier | string, payload: Payload, eventTs?: number): void {
    if (!this.alive) return;
    const stream = this.lookup(id);
    if (stream === undefined) return;
    const msg: MessageEnvelope = { type: 'message', id: stream.id, seq: ++stream.seq, epoch: stream.epoch, ts: this.clock.now(), eventTs, payload, size: messageBytes(payload) };
    stream.last = msg;
    this.counters.msgs++;
    this.port.push(msg);
  }

  forward(id: Identifier | string, epoch: string, seq: number, ts: number, payload: Payload, eventTs?: number, size?: number): void {
    if (!this.alive) return;
    const stream = this.lookup(id);
    if (stream === undefined) return;
    // The origin's position is the stream's position: keep one reference per distinct epoch.
    if (epoch !== stream.epoch) stream.epoch = epoch;
    stream.seq = seq;
    const msg: MessageEnvelope = { type: 'message', id: stream.id, seq, epoch: stream.epoch, ts, eventTs, payload, size: size ?? messageBytes(payload) };
    stream.last = msg;
    this.counters.msgs++;
    this.port.push(msg);
  }

  gap(id: Identifier | string, reason: string): void {
    if (!this.alive) return;
    const stream = this.lookup(id);
    if (stream !== undefined) this.port.gap({ type: 'notice', kind: 'gap', id: stream.id, reason });
  }

  stateful(id: Identifier | string, state: StateSupplier | undefined): void {
    if (!this.alive) return;
    const stream = this.lookup(id);
    if (stream === undefined) return;
    this.counters.directory.setState(stream, state);
    if (state === undefined) this.statefulStreams.delete(stream);
    else this.statefulStreams.add(stream);
  }

  streamDown(id: Identifier, reason: string): void {
    if (this.alive) this.events.streamDown(id, reason);
  }

  streamUp(id: Identifier): void {
    if (this.alive) this.events.streamUp(id);
  }

  providerDown(reason: string): void {
    if (this.alive) this.events.providerDown(reason);
  }

  providerUp(): void {
    if (this.alive) this.events.providerUp();
  }

  fail(error: unknown): void {
    if (this.alive) this.events.fail(toError(error));
  }

  setTimeout(callback: () => void, ms: number): () => void {
    // A closed incarnation arms nothing: a late callback of an old instance (a socket closing,
    // a reconnect loop) would otherwise leave a live timer behind for every restart.
    if (!this.alive) return () => undefined;
    const cancel = this.clock.setTimeout(() => {
      this.timers.delete(cancel);
      this.guarded(callback);
    }, ms);
    this.timers.add(cancel);
    return () => {
      if (this.timers.delete(cancel)) cancel();
    };
  }

  setInterval(callback: () => void, ms: number): () => void {
    let cancelled = false;
    let cancelCurrent: () => void = () => undefined;
    const tick = (): void => {
      if (cancelled || !this.alive) return;
      cancelCurrent = this.setTimeout(() => {
        tick();
        callback();
      }, ms);
    };
    tick();
    return () => {
      cancelled = true;
      cancelCurrent();
    };
  }

  /** The incarnation is over: emits are ignored and every timer is cancelled. */
  close(): void {
    this.alive = false;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    for (const stream of this.statefulStreams) this.counters.directory.setState(stream, undefined);
    this.statefulStreams.clear();
  }

  private guarded(callback: () => void): void {
    if (!this.alive) return;
    try {
      callback();
    } catch (error) {
      this.fail(error);
    }
  }

  /** The provider let these streams go: so does the cache (under the spellings it is told). */
  released(ids: readonly Identifier[]): void {
    for (const id of ids) {
      this.streams.delete(id);
      this.streams.delete(id.canonical);
      this.streams.delete(id.canonical.slice(this.name.length + 2));
    }
  }

  /** The stream's counter: cached per distinct id, unless the directory let it go since. */
  private lookup(id: Identifier | string): StreamCounter | undefined {
    const stream = this.streams.get(id);
    return stream !== undefined && !stream.retired ? stream : this.resolve(id);
  }

  private resolve(raw: Identifier | string): StreamCounter | undefined {
    let id: Identifier;
    try {
      id = raw instanceof Identifier ? raw : parseIdentifier(raw.includes('::') ? raw : `${this.name}::${raw}`);
      if (id.namespace !== this.name) {
        throw new TesseraError('INVALID_IDENTIFIER', `"${id.canonical}" is outside namespace "${this.name}"`);
      }
    } catch (error) {
      // Counted, and logged only the first few times: a provider bug must not flood the log.
      if (this.counters.invalidEmits++ < 10) this.logger.warn('emit with an invalid identifier dropped', { error: toError(error).message });
      return undefined;
    }
    const counter = this.counters.directory.counter(id);
    // A cache, not a registry: a provider cycling through endless spellings must not grow it.
    if (this.streams.size >= MAX_CACHED_IDS) this.streams.clear();
    this.streams.set(raw, counter);
    return counter;
  }
}
