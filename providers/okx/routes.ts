import type { JsonValue } from '../../common/json';
import type { Derivative, Liquidation, Quote, Trade } from '../../common/market';
import type { Identifier } from '../../router/identifier';
import type { ChannelName, OkxStream } from './kinds';
import { DerivativeState, derivativeUpdate, timestamp, toLiquidations, toQuote, toTrade, type JsonObject } from './normalize';

/** Where messages go: the provider context's `emit`, bound once. */
export type Emit = (id: Identifier, payload: JsonValue, eventTs: number | undefined) => void;

export interface RouteCounters {
  /** Messages emitted. */
  messages: number;
  /** Pushes for a subscription no stream holds (in flight across an unsubscribe). */
  unknownStreamFrames: number;
  /** Elements a stream could not map (missing or non-numeric fields, an empty book side). */
  unmappableElements: number;
}

/** One stream's consumer of venue elements. */
interface Sink {
  readonly id: Identifier;
  readonly stream: OkxStream;
  /** Its subscriptions currently reported down; the stream is up when this is 0. */
  down: number;
  handle(channel: ChannelName, e: JsonObject): void;
}

/**
 * Streams ↔ venue subscriptions. Several streams may share one subscription (a raw `mark-price`
 * and a `derivative` of the same swap; every `liquidation` on `liquidation-orders:SWAP`) and a
 * stream may need several (`derivative`), so subscriptions are counted. A push is looked up by
 * channel and argument (no string building per message) and handed to each sink; a new channel
 * is one more case in `sinkFor`.
 */
export class Routes {
  private readonly byId = new Map<string, Sink>();
  private readonly bySubscription = new Map<string, Sink[]>();
  private readonly byChannel = new Map<string, Map<string, Sink[]>>();

  constructor(
    private readonly emit: Emit,
    readonly counters: RouteCounters,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: Identifier): boolean {
    return this.byId.has(id.canonical);
  }

  /** Adds a stream; returns the subscriptions it is the first to need. */
  add(id: Identifier, stream: OkxStream): string[] {
    if (this.byId.has(id.canonical)) return [];
    const sink = this.sinkFor(id, stream);
    this.byId.set(id.canonical, sink);
    const fresh: string[] = [];
    stream.spec.channels.forEach((channel, i) => {
      const name = stream.subscriptions[i];
      const list = this.bySubscription.get(name);
      if (list) list.push(sink);
      else {
        fresh.push(name);
        this.bySubscription.set(name, [sink]);
      }
      const argument = name.slice(channel.length + 1);
      let perArgument = this.byChannel.get(channel);
      if (!perArgument) this.byChannel.set(channel, (perArgument = new Map()));
      perArgument.set(argument, this.bySubscription.get(name)!);
    });
    return fresh;
  }

  /** Removes a stream; returns the subscriptions no stream needs any more. */
  remove(id: Identifier): string[] {
    const sink = this.byId.get(id.canonical);
    if (!sink) return [];
    this.byId.delete(id.canonical);
    const gone: string[] = [];
    sink.stream.spec.channels.forEach((channel, i) => {
      const name = sink.stream.subscriptions[i];
      const list = this.bySubscription.get(name)!;
      list.splice(list.indexOf(sink), 1);
      if (list.length > 0) return;
      gone.push(name);
      this.bySubscription.delete(name);
      this.byChannel.get(channel)?.delete(name.slice(channel.length + 1));
    });
    return gone;
  }

  /** The streams that need `subscription`. */
  idsOf(subscription: string): Identifier[] {
    return (this.bySubscription.get(subscription) ?? []).map((s) => s.id);
  }

  /** `subscription` dropped: streams that were up go down (each reported once). */
  down(subscription: string): Identifier[] {
    const out: Identifier[] = [];
    for (const sink of this.bySubscription.get(subscription) ?? []) if (sink.down++ === 0) out.push(sink.id);
    return out;
  }

  /** `subscription` is back: streams none of whose subscriptions is still down come up. */
  up(subscription: string): Identifier[] {
    const out: Identifier[] = [];
    for (const sink of this.bySubscription.get(subscription) ?? []) if (sink.down > 0 && --sink.down === 0) out.push(sink.id);
    return out;
  }

  clear(): void {
    this.byId.clear();
    this.bySubscription.clear();
    this.byChannel.clear();
  }

  /** One push from the venue. */
  deliver(channel: string, argument: string, data: readonly JsonValue[]): void {
    const sinks = this.byChannel.get(channel)?.get(argument);
    if (!sinks) {
      this.counters.unknownStreamFrames++;
      return;
    }
    for (const e of data) {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) {
        this.counters.unmappableElements++;
        continue;
      }
      for (const sink of sinks) sink.handle(channel as ChannelName, e);
    }
  }

  private send(id: Identifier, payload: JsonValue | Trade | Quote | Derivative | Liquidation | undefined, eventTs: number | undefined): void {
    if (payload === undefined) {
      this.counters.unmappableElements++;
      return;
    }
    this.counters.messages++;
    // The schema's interfaces are plain JSON objects; they only lack an index signature.
    this.emit(id, payload as JsonValue, eventTs);
  }

  private sinkFor(id: Identifier, stream: OkxStream): Sink {
    const sink = (handle: Sink['handle']): Sink => ({ id, stream, down: 0, handle });
    const { instId } = stream;
    switch (stream.spec.mapping) {
      case 'raw':
        return sink((channel, e) => {
          if (channel !== 'liquidation-orders') return this.send(id, e, timestamp(e.ts));
          if (e.instId === instId) this.send(id, e, firstDetailTs(e));
        });
      case 'trade':
        return sink((_, e) => this.send(id, toTrade(e), timestamp(e.ts)));
      case 'quote':
        return sink((_, e) => this.send(id, toQuote(e), timestamp(e.ts)));
      case 'derivative': {
        const state = new DerivativeState();
        return sink((channel, e) => {
          if (channel !== 'mark-price' && channel !== 'funding-rate' && channel !== 'open-interest' && channel !== 'index-tickers') return;
          const update = derivativeUpdate(channel, e);
          if (!update) return void this.counters.unmappableElements++;
          const payload = state.apply(update);
          // Until the mark price is known there is nothing to emit; that is not a loss.
          if (payload) this.send(id, payload, timestamp(e.ts));
        });
      }
      case 'liquidation':
        return sink((_, e) => {
          if (e.instId !== instId) return;
          const all = toLiquidations(e);
          if (!all) return void this.counters.unmappableElements++;
          for (const { payload, ts } of all) this.send(id, payload, ts);
        });
    }
  }
}

function firstDetailTs(e: JsonObject): number | undefined {
  const details = e.details;
  const first = Array.isArray(details) ? details[0] : undefined;
  return typeof first === 'object' && first !== null && !Array.isArray(first) ? timestamp(first.ts) : undefined;
}
