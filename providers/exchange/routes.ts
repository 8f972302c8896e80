import type { JsonValue } from '../../common/json';
import type { Identifier } from '../../router/identifier';
import type { Normalizer, NormalizedOut } from './normalize';

/** Hands one message to the router (the provider context's `emit`). */
export type Emit = (id: Identifier, payload: JsonValue, eventTs: number | undefined) => void;

interface Route {
  readonly id: Identifier;
  /** Absent for a raw kind: the venue's payload goes out as it came. */
  readonly normalizer?: Normalizer;
  /** Bound once, so delivering allocates no closure per message. */
  readonly out: NormalizedOut;
}

/** What delivering one venue message did. */
export type Delivery = 'delivered' | 'unknown-stream' | 'unmappable';

/**
 * Which identifiers each venue stream feeds. Several identifiers may read one stream (a raw kind
 * and the normalized kind made from it, such as `aggTrade` and `trade`): the venue is subscribed
 * once, and each identifier gets its own payloads.
 */
export class StreamRoutes {
  private readonly byStream = new Map<string, Route[]>();
  private readonly streamOf = new Map<string, string>();

  constructor(private readonly emit: Emit) {}

  /** Venue streams with at least one identifier. */
  get size(): number {
    return this.byStream.size;
  }

  has(id: Identifier): boolean {
    return this.streamOf.has(id.canonical);
  }

  /** Routes `stream` to `id`; true when the stream is new, so the venue must be subscribed to it. */
  add(stream: string, id: Identifier, normalizer?: Normalizer): boolean {
    const emit = this.emit;
    const out: NormalizedOut = (payload, eventTs) => emit(id, payload as JsonValue, eventTs);
    const routes = this.byStream.get(stream);
    const route: Route = normalizer ? { id, normalizer, out } : { id, out };
    this.streamOf.set(id.canonical, stream);
    if (routes) {
      routes.push(route);
      return false;
    }
    this.byStream.set(stream, [route]);
    return true;
  }

  /** Unroutes `id`; returns its stream when nothing reads that stream any more. */
  remove(id: Identifier): string | undefined {
    const stream = this.streamOf.get(id.canonical);
    if (stream === undefined) return undefined;
    this.streamOf.delete(id.canonical);
    const routes = (this.byStream.get(stream) ?? []).filter((r) => r.id.canonical !== id.canonical);
    if (routes.length > 0) {
      this.byStream.set(stream, routes);
      return undefined;
    }
    this.byStream.delete(stream);
    return stream;
  }

  /** Drops every route of `stream` (the venue refused it); returns the identifiers it fed. */
  drop(stream: string): Identifier[] {
    const routes = this.byStream.get(stream) ?? [];
    this.byStream.delete(stream);
    for (const r of routes) this.streamOf.delete(r.id.canonical);
    return routes.map((r) => r.id);
  }

  /** The identifiers `stream` feeds (for stream up/down reports). */
  idsOf(stream: string): readonly Identifier[] {
    return (this.byStream.get(stream) ?? []).map((r) => r.id);
  }

  /** Delivers one venue message to every identifier reading `stream`. */
  deliver(stream: string, payload: JsonValue, eventTs: number | undefined): Delivery {
    const routes = this.byStream.get(stream);
    if (!routes) return 'unknown-stream';
    let result: Delivery = 'delivered';
    for (const r of routes) {
      if (!r.normalizer) r.out(payload, eventTs);
      else if (!r.normalizer.push(payload, r.out)) result = 'unmappable';
    }
    return result;
  }

  /** The stream broke: stateful normalizers start over from the venue's next snapshot. */
  reset(stream: string): void {
    for (const r of this.byStream.get(stream) ?? []) r.normalizer?.reset();
  }

  clear(): void {
    this.byStream.clear();
    this.streamOf.clear();
  }
}
