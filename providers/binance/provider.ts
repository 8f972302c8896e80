import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { Provider, ProviderContext, StreamFailure, SubscribeResult } from '../contract';
import { BinanceConnection } from './binance-connection';
import type { ConnectionCounters, ConnectionHost, ConnectionSettings, StreamPayload } from '../exchange/connection-types';
import { expandPattern } from './expand';
import { resolveOptions, type BinanceOptions, type ResolvedBinanceOptions } from './options';
import { ConnectionPool, type PlacedStream } from '../exchange/pool';
import { streamOf } from './streams';

/** Counters for `stats()`. Frames dropped are counted by why, never emitted. */
export interface BinanceStats {
  readonly connections: number;
  readonly streams: number;
  /** Messages emitted. */
  readonly messages: number;
  readonly framesReceived: number;
  /** Not JSON, no stream name, no data, or an unknown shape. */
  readonly malformedFrames: number;
  /** Well-formed, for a stream not subscribed (for example in flight across an unsubscribe). */
  readonly unknownStreamFrames: number;
  /** Seen on both sockets while a connection was renewed; delivered once. */
  readonly duplicateFrames: number;
  readonly controlMessages: number;
  readonly reconnects: number;
  readonly renewals: number;
  readonly staleReplacements: number;
}

/**
 * Binance USD-M futures market streams over combined-stream websockets (SPEC §6). Identifiers are
 * `<namespace>::<symbol>.<kind>[params]`; see `streams.ts` for the kinds and their params.
 */
export class BinanceProvider implements Provider {
  private readonly options: ResolvedBinanceOptions;
  private ctx: ProviderContext | undefined;
  private pool: ConnectionPool<BinanceConnection> | undefined;
  /** Subscribed (or subscribing) stream name → the identifier it is emitted under. */
  private readonly streams = new Map<string, Identifier>();
  private readonly counters: ConnectionCounters = zeroCounters();
  private messages = 0;
  private unknownStreamFrames = 0;

  constructor(options: BinanceOptions = {}) {
    this.options = resolveOptions(options);
  }

  start(ctx: ProviderContext): void {
    if (this.ctx) throw new Error('binance provider is already started');
    this.ctx = ctx;
    const o = this.options;
    const settings: ConnectionSettings = {
      messagesPerSecond: o.controlMessagesPerSecond,
      streamsPerRequest: o.streamsPerRequest,
      ackTimeoutMs: o.ackTimeoutMs,
      subscribeTimeoutMs: o.subscribeTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
      pingIntervalMs: o.pingIntervalMs,
      staleTimeoutMs: o.staleTimeoutMs,
      renewAfterMs: o.renewAfterMs,
      backoff: { initialMs: o.reconnectInitialMs, maxMs: o.reconnectMaxMs, jitter: o.reconnectJitter, random: o.random },
    };
    const host = this.connectionHost(ctx);
    this.pool = new ConnectionPool((endpoint) => new BinanceConnection(host, settings, endpoint, o.baseUrl), o.streamsPerConnection);
  }

  /** Closes every connection; safe to call twice, and the provider may be started again. */
  stop(): void {
    this.pool?.closeAll();
    this.pool = undefined;
    this.ctx = undefined;
    this.streams.clear();
  }

  validate(id: Identifier): string | undefined {
    const ref = streamOf(id);
    return ref.ok ? undefined : ref.reason;
  }

  expand(pattern: Pattern): readonly Identifier[] {
    if (this.ctx && pattern.namespace !== this.ctx.name) return [];
    return expandPattern(pattern, this.options.symbols);
  }

  async subscribe(ids: readonly Identifier[]): Promise<SubscribeResult> {
    const pool = this.requirePool();
    const failed: StreamFailure[] = [];
    const placed: PlacedStream[] = [];
    for (const id of ids) {
      const ref = streamOf(id);
      if (!ref.ok) failed.push({ id, reason: ref.reason });
      else if (!this.streams.has(ref.stream)) {
        this.streams.set(ref.stream, id);
        placed.push(ref);
      }
    }
    for (const { stream, reason } of await pool.subscribe(placed)) {
      const id = this.streams.get(stream);
      this.streams.delete(stream);
      if (id) failed.push({ id, reason });
    }
    return failed.length > 0 ? { failed } : {};
  }

  unsubscribe(ids: readonly Identifier[]): void {
    const gone: string[] = [];
    for (const id of ids) {
      const ref = streamOf(id);
      if (ref.ok && this.streams.delete(ref.stream)) gone.push(ref.stream);
    }
    this.pool?.unsubscribe(gone);
  }

  stats(): BinanceStats {
    return {
      connections: this.pool?.size ?? 0,
      streams: this.streams.size,
      messages: this.messages,
      unknownStreamFrames: this.unknownStreamFrames,
      ...this.counters,
    };
  }

  private requirePool(): ConnectionPool<BinanceConnection> {
    if (!this.pool) throw new Error('binance provider is not started');
    return this.pool;
  }

  private connectionHost(ctx: ProviderContext): ConnectionHost {
    const live = (): boolean => this.ctx === ctx && this.pool !== undefined;
    return {
      now: () => ctx.clock.now(),
      setTimeout: (callback, ms) => ctx.setTimeout(callback, ms),
      setInterval: (callback, ms) => ctx.setInterval(callback, ms),
      logger: ctx.logger,
      counters: this.counters,
      fail: (error) => ctx.fail(error),
      data: (stream, payload) => {
        if (live()) this.deliver(ctx, stream, payload);
      },
      streamDown: (stream, reason) => {
        const id = this.streams.get(stream);
        if (id && live()) ctx.streamDown(id, reason);
      },
      streamUp: (stream) => {
        const id = this.streams.get(stream);
        if (id && live()) ctx.streamUp(id);
      },
    };
  }

  private deliver(ctx: ProviderContext, stream: string, payload: StreamPayload): void {
    const id = this.streams.get(stream);
    if (!id) {
      this.unknownStreamFrames++;
      return;
    }
    this.messages++;
    ctx.emit(id, payload, eventTime(payload));
  }
}

/** The exchange's event time `E` (of the first element for the all-market arrays). */
function eventTime(payload: StreamPayload): number | undefined {
  const first = Array.isArray(payload) ? payload[0] : payload;
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return undefined;
  return typeof first.E === 'number' ? first.E : undefined;
}

function zeroCounters(): ConnectionCounters {
  return { framesReceived: 0, malformedFrames: 0, duplicateFrames: 0, controlMessages: 0, reconnects: 0, renewals: 0, staleReplacements: 0 };
}
