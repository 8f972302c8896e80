import type { Payload } from '../../common/json';
import type { BookPayload } from '../../common/market';
import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { Provider, ProviderContext, StreamFailure, SubscribeResult } from '../contract';
import type { ConnectionCounters, ConnectionHost, ConnectionSettings, StreamPayload } from './connection-types';
import { connectionSettings, type ResolvedExchangeOptions } from './options';
import type { MappedKind, Normalizer } from './normalize';
import { Pacer } from './pacer';
import { ConnectionPool, type PlacedStream, type PooledConnection } from './pool';
import { StreamRoutes } from './routes';
import { BookStream, type BookVenue } from './book/book-stream';
import { zeroBookCounters, type BookCounters } from './book/resync';

/**
 * The venue stream an identifier names and where it is served, or why there is none. A normalized
 * kind names the raw stream it reads and the schema it maps that stream to.
 */
export type StreamRef =
  | {
      readonly ok: true;
      readonly stream: string;
      readonly endpoint: string;
      readonly normalized?: MappedKind | 'book';
      /** Further venue streams (same endpoint) a kind merged from several feeds reads. */
      readonly also?: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

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
  /** A fresh normalizer of one stream's messages into `kind` (needed once `streamOf` names normalized kinds). */
  normalizer?(kind: MappedKind, id: Identifier): Normalizer;
  /** How the venue's book feed is kept (needed once `streamOf` names the `book` kind). */
  readonly book?: BookVenue;
  /** New sockets the venue lets one client (IP) open per second, if it limits that. */
  readonly connectionsPerSecond?: number;
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
  /** Stream messages a normalized kind could not map (a field missing or not a number); not emitted. */
  readonly unmappableMessages: number;
  /** Seen on both sockets while a connection was renewed; delivered once. */
  readonly duplicateFrames: number;
  readonly controlMessages: number;
  readonly reconnects: number;
  readonly renewals: number;
  readonly staleReplacements: number;
  /** Order books (`<symbol>.book`): how many are in sync now, and their counters (resyncs by reason, …). */
  readonly booksInSync: number;
  readonly books: BookCounters;
}

/** A provider of one venue's public streams over websockets, on the shared connection parts. */
export class ExchangeProvider<C extends PooledConnection = PooledConnection> implements Provider {
  private ctx: ProviderContext | undefined;
  private pool: ConnectionPool<C> | undefined;
  /** Subscribed (or subscribing) stream names → the identifiers they feed. */
  private streams = new StreamRoutes(() => {});
  private readonly counters: ConnectionCounters = zeroCounters();
  private messages = 0;
  private unknownStreamFrames = 0;
  private unmappableMessages = 0;
  /** `<symbol>.book` identifiers (canonical) → their keepers; shared counters for stats. */
  private readonly books = new Map<string, { id: Identifier; stream: BookStream }>();
  private readonly bookCounters = zeroBookCounters();

  constructor(
    private readonly venue: Venue<C>,
    protected readonly options: ResolvedExchangeOptions,
  ) {}

  start(ctx: ProviderContext): void {
    if (this.ctx) throw new Error(`${this.venue.name} provider is already started`);
    this.ctx = ctx;
    this.streams = new StreamRoutes((id, payload, eventTs) => {
      this.messages++;
      ctx.emit(id, payload, eventTs);
    });
    const settings = connectionSettings(this.options);
    const host = this.connectionHost(ctx);
    this.pool = new ConnectionPool((endpoint) => this.venue.connect(endpoint, host, settings), this.options.streamsPerConnection);
  }

  /** Closes every connection; safe to call twice, and the provider may be started again. */
  stop(): void {
    for (const { stream } of this.books.values()) stream.keeper.stop();
    this.books.clear();
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
      else if (!this.streams.has(id)) {
        const streams = ref.also ? [ref.stream, ...ref.also] : [ref.stream];
        const normalizer = ref.normalized === 'book' ? this.book(id, ref.stream, ref.endpoint) : ref.normalized && this.normalizer(ref.normalized, id);
        for (const stream of this.streams.add(streams, id, normalizer)) placed.push({ stream, endpoint: ref.endpoint });
      }
    }
    const unread: string[] = [];
    for (const { stream, reason } of await pool.subscribe(placed)) {
      const dropped = this.streams.drop(stream);
      for (const id of dropped.ids) if (!failed.some((f) => f.id === id)) failed.push({ id, reason });
      unread.push(...dropped.unread);
    }
    // An identifier refused one of its streams lets go of the others.
    pool.unsubscribe(unread);
    for (const f of failed) this.dropBook(f.id);
    // Books start once their venue stream is on: an out-of-band snapshot then has deltas under it.
    for (const id of ids) this.books.get(id.canonical)?.stream.keeper.start();
    return failed.length > 0 ? { failed } : {};
  }

  unsubscribe(ids: readonly Identifier[]): void {
    const gone: string[] = [];
    for (const id of ids) {
      gone.push(...this.streams.remove(id));
      this.dropBook(id);
    }
    this.pool?.unsubscribe(gone);
  }

  stats(): ExchangeStats {
    return {
      connections: this.pool?.size ?? 0,
      streams: this.streams.size,
      messages: this.messages,
      unknownStreamFrames: this.unknownStreamFrames,
      unmappableMessages: this.unmappableMessages,
      ...this.counters,
      booksInSync: [...this.books.values()].filter((b) => b.stream.keeper.live).length,
      books: { ...this.bookCounters, resyncsBy: { ...this.bookCounters.resyncsBy } },
    };
  }

  /** A `<symbol>.book` identifier's keeper; stateful, so a joiner gets the current book first. */
  private book(id: Identifier, stream: string, endpoint: string): BookStream {
    const ctx = this.ctx!;
    if (!this.venue.book) throw new Error(`${this.venue.name} names the book kind but keeps no books`);
    const book = new BookStream(
      this.venue.book,
      id,
      {
        emit: (payload, eventTs) => {
          this.messages++;
          ctx.emit(id, asPayload(payload), eventTs);
        },
        gap: (reason) => ctx.gap(id, reason),
        now: () => ctx.clock.now(),
        setTimeout: (callback, ms) => ctx.setTimeout(callback, ms),
        resubscribe: (ticket, keeper) => this.resubscribe(stream, endpoint, () => keeper.snapshotFailed(ticket)),
      },
      this.bookCounters,
    );
    this.books.set(id.canonical, { id, stream: book });
    ctx.stateful(id, () => {
      const current = book.keeper.current();
      return current && asPayload(current);
    });
    return book;
  }

  private dropBook(id: Identifier): void {
    const book = this.books.get(id.canonical);
    if (!book) return;
    book.stream.keeper.stop();
    this.books.delete(id.canonical);
    this.ctx?.stateful(id, undefined);
  }

  /** Subscribes `stream` afresh so the venue sends its snapshot again (an in-band book's resync). */
  private resubscribe(stream: string, endpoint: string, refused: () => void): void {
    const pool = this.pool;
    if (!pool || !this.streams.idsOf(stream).length) return;
    pool.unsubscribe([stream]);
    pool.subscribe([{ stream, endpoint }]).then(
      (rejected) => {
        if (rejected.length > 0 && this.pool === pool) refused();
      },
      (error: unknown) => this.ctx?.fail(error),
    );
  }

  private normalizer(kind: MappedKind, id: Identifier): Normalizer {
    if (!this.venue.normalizer) throw new Error(`${this.venue.name} names the normalized kind ${kind} but has no normalizer`);
    return this.venue.normalizer(kind, id);
  }

  private requirePool(): ConnectionPool<C> {
    if (!this.pool) throw new Error(`${this.venue.name} provider is not started`);
    return this.pool;
  }

  private connectionHost(ctx: ProviderContext): ConnectionHost {
    const live = (): boolean => this.ctx === ctx && this.pool !== undefined;
    const limit = this.venue.connectionsPerSecond;
    const opens = limit === undefined ? undefined : new Pacer(() => ctx.clock.now(), limit);
    return {
      ...(opens && { connectSlot: () => opens.reserve() }),
      now: () => ctx.clock.now(),
      setTimeout: (callback, ms) => ctx.setTimeout(callback, ms),
      setInterval: (callback, ms) => ctx.setInterval(callback, ms),
      logger: ctx.logger,
      counters: this.counters,
      fail: (error) => ctx.fail(error),
      data: (stream, payload) => {
        if (live()) this.deliver(stream, payload);
      },
      streamDown: (stream, reason) => {
        this.streams.reset(stream);
        const down = this.streams.down(stream);
        if (!live()) return;
        // What the venue sends until the stream is back is lost: its clients get a gap notice, placed
        // after the last message that came before the break.
        for (const id of down) {
          ctx.gap(id, reason);
          ctx.streamDown(id, reason);
        }
      },
      streamUp: (stream) => {
        const up = this.streams.up(stream);
        if (live()) for (const id of up) ctx.streamUp(id);
      },
    };
  }

  private deliver(stream: string, payload: StreamPayload): void {
    switch (this.streams.deliver(stream, payload, this.venue.eventTime(payload))) {
      case 'unknown-stream':
        this.unknownStreamFrames++;
        return;
      case 'unmappable':
        this.unmappableMessages++;
        return;
      case 'delivered':
        return;
    }
  }
}

/** The book payloads are JSON; their readonly arrays only keep the keeper's own code honest. */
function asPayload(payload: BookPayload): Payload {
  return payload as unknown as Payload;
}

function zeroCounters(): ConnectionCounters {
  return { framesReceived: 0, malformedFrames: 0, duplicateFrames: 0, controlMessages: 0, reconnects: 0, renewals: 0, staleReplacements: 0 };
}
