import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { Provider, ProviderContext, StreamFailure, SubscribeResult } from '../contract';
import type { ConnectionCounters, ConnectionHost, ConnectionSettings, StreamPayload } from './connection-types';
import { connectionSettings, type ResolvedExchangeOptions } from './options';
import { ConnectionPool, type PlacedStream, type PooledConnection } from './pool';

/** The venue stream an identifier names and where it is served, or why there is none. */
export type StreamRef = { readonly ok: true; readonly stream: string; readonly endpoint: string } | { readonly ok: false; readonly reason: string };

/**
 * What makes a venue a venue; everything else (the stream map, subscribe and unsubscribe over a
 * pool of connections, stats, the wiring to the host) is `ExchangeProvider`'s.
 * See docs/adding-a-venue.md.
 */
export interface Venue<C extends PooledConnection = PooledConnection> {
  /** The provider type's name, in errors ("binance provider is not started"). */
  readonly name: string;
  /** Identifier → the venue's stream name (the text its frames carry) and endpoint. */
  streamOf(id: Identifier): StreamRef;
  /** The streams a wildcard pattern (already in this provider's namespace) should start. */
  expand(pattern: Pattern): readonly Identifier[];
  /** The venue's event time of a message, if it has one. */
  eventTime(payload: StreamPayload): number | undefined;
  /** Opens one connection to `endpoint` (a `ManagedConnection` subclass). */
  connect(endpoint: string, host: ConnectionHost, settings: ConnectionSettings): C;
}

/** Counters for `stats()`. Frames dropped are counted by why, never emitted. */
export interface ExchangeStats {
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

/** A provider of one venue's public streams over websockets, on the shared connection parts. */
export class ExchangeProvider<C extends PooledConnection = PooledConnection> implements Provider {
  private ctx: ProviderContext | undefined;
  private pool: ConnectionPool<C> | undefined;
  /** Subscribed (or subscribing) stream name → the identifier it is emitted under. */
  private readonly streams = new Map<string, Identifier>();
  private readonly counters: ConnectionCounters = zeroCounters();
  private messages = 0;
  private unknownStreamFrames = 0;

  constructor(
    private readonly venue: Venue<C>,
    protected readonly options: ResolvedExchangeOptions,
  ) {}

  start(ctx: ProviderContext): void {
    if (this.ctx) throw new Error(`${this.venue.name} provider is already started`);
    this.ctx = ctx;
    const settings = connectionSettings(this.options);
    const host = this.connectionHost(ctx);
    this.pool = new ConnectionPool((endpoint) => this.venue.connect(endpoint, host, settings), this.options.streamsPerConnection);
  }

  /** Closes every connection; safe to call twice, and the provider may be started again. */
  stop(): void {
    this.pool?.closeAll();
    this.pool = undefined;
    this.ctx = undefined;
    this.streams.clear();
  }

  validate(id: Identifier): string | undefined {
    const ref = this.venue.streamOf(id);
    return ref.ok ? undefined : ref.reason;
  }

  expand(pattern: Pattern): readonly Identifier[] {
    if (this.ctx && pattern.namespace !== this.ctx.name) return [];
    return this.venue.expand(pattern);
  }

  async subscribe(ids: readonly Identifier[]): Promise<SubscribeResult> {
    const pool = this.requirePool();
    const failed: StreamFailure[] = [];
    const placed: PlacedStream[] = [];
    for (const id of ids) {
      const ref = this.venue.streamOf(id);
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
      const ref = this.venue.streamOf(id);
      if (ref.ok && this.streams.delete(ref.stream)) gone.push(ref.stream);
    }
    this.pool?.unsubscribe(gone);
  }

  stats(): ExchangeStats {
    return {
      connections: this.pool?.size ?? 0,
      streams: this.streams.size,
      messages: this.messages,
      unknownStreamFrames: this.unknownStreamFrames,
      ...this.counters,
    };
  }

  private requirePool(): ConnectionPool<C> {
    if (!this.pool) throw new Error(`${this.venue.name} provider is not started`);
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
    ctx.emit(id, payload, this.venue.eventTime(payload));
  }
}

function zeroCounters(): ConnectionCounters {
  return { framesReceived: 0, malformedFrames: 0, duplicateFrames: 0, controlMessages: 0, reconnects: 0, renewals: 0, staleReplacements: 0 };
}
