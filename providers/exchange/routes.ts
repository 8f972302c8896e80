import type { JsonValue } from '../../common/json';
import type { Identifier } from '../../router/identifier';
import type { Normalizer, NormalizedOut } from './normalize';

/** Hands one message to the router (the provider context's `emit`). */
export type Emit = (id: Identifier, payload: JsonValue, eventTs: number | undefined) => void;

/** One identifier: the venue streams it reads, and how many of them are down now. */
interface Reader {
  readonly id: Identifier;
  readonly streams: readonly string[];
  /** Absent for a raw kind: the venue's payload goes out as it came. */
  readonly normalizer?: Normalizer;
  /** Bound once, so delivering allocates no closure per message. */
  readonly out: NormalizedOut;
  down: number;
}

/** What delivering one venue message did. */
export type Delivery = 'delivered' | 'unknown-stream' | 'unmappable';

/**
 * Which identifiers each venue stream feeds. Several identifiers may read one stream (a raw kind
 * and the normalized kind made from it, such as `aggTrade` and `trade`): the venue is subscribed
 * once, and each identifier gets its own payloads. An identifier may also read several streams
 * (a derivative merged from a venue's mark-price, funding and open-interest feeds): it is down
 * while any of them is, and up again once all are.
 */
export class StreamRoutes {
  private readonly byStream = new Map<string, Reader[]>();
  private readonly byId = new Map<string, Reader>();

  constructor(private readonly emit: Emit) {}

  /** Venue streams with at least one identifier. */
  get size(): number {
    return this.byStream.size;
  }

  has(id: Identifier): boolean {
    return this.byId.has(id.canonical);
  }

  /** Routes `streams` to `id`; returns those new here, which the venue must be subscribed to. */
  add(streams: readonly string[], id: Identifier, normalizer?: Normalizer): string[] {
    const emit = this.emit;
    const out: NormalizedOut = (payload, eventTs) => emit(id, payload as JsonValue, eventTs);
    const reader: Reader = normalizer ? { id, streams, normalizer, out, down: 0 } : { id, streams, out, down: 0 };
    this.byId.set(id.canonical, reader);
    const fresh: string[] = [];
    for (const stream of streams) {
      const readers = this.byStream.get(stream);
      if (readers) readers.push(reader);
      else {
        this.byStream.set(stream, [reader]);
        fresh.push(stream);
      }
    }
    return fresh;
  }

  /** Unroutes `id`; returns its streams that nothing reads any more. */
  remove(id: Identifier): string[] {
    const reader = this.byId.get(id.canonical);
    if (!reader) return [];
    this.byId.delete(id.canonical);
    const unread: string[] = [];
    for (const stream of reader.streams) {
      const readers = (this.byStream.get(stream) ?? []).filter((r) => r !== reader);
      if (readers.length > 0) this.byStream.set(stream, readers);
      else if (this.byStream.delete(stream)) unread.push(stream);
    }
    return unread;
  }

  /**
   * Drops every identifier reading `stream` (the venue refused it); returns them, and their other
   * streams that nothing reads any more (to unsubscribe).
   */
  drop(stream: string): { ids: Identifier[]; unread: string[] } {
    const readers = this.byStream.get(stream) ?? [];
    this.byStream.delete(stream);
    const unread = readers.flatMap((r) => this.remove(r.id));
    return { ids: readers.map((r) => r.id), unread };
  }

  /** The identifiers `stream` feeds. */
  idsOf(stream: string): readonly Identifier[] {
    return (this.byStream.get(stream) ?? []).map((r) => r.id);
  }

  /** `stream` broke: the identifiers it takes down (those already down are not repeated). */
  down(stream: string): Identifier[] {
    const out: Identifier[] = [];
    for (const r of this.byStream.get(stream) ?? []) if (r.down++ === 0) out.push(r.id);
    return out;
  }

  /** `stream` is back: the identifiers none of whose streams is still down. */
  up(stream: string): Identifier[] {
    const out: Identifier[] = [];
    for (const r of this.byStream.get(stream) ?? []) if (r.down > 0 && --r.down === 0) out.push(r.id);
    return out;
  }

  /** Delivers one venue message to every identifier reading `stream`. */
  deliver(stream: string, payload: JsonValue, eventTs: number | undefined): Delivery {
    const readers = this.byStream.get(stream);
    if (!readers) return 'unknown-stream';
    let result: Delivery = 'delivered';
    for (const r of readers) {
      if (!r.normalizer) r.out(payload, eventTs);
      else if (!r.normalizer.push(payload, r.out, stream)) result = 'unmappable';
    }
    return result;
  }

  /** The stream broke: stateful normalizers start over from the venue's next snapshot. */
  reset(stream: string): void {
    for (const r of this.byStream.get(stream) ?? []) r.normalizer?.reset();
  }

  clear(): void {
    this.byStream.clear();
    this.byId.clear();
  }
}
