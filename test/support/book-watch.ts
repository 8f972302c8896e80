import type { BookPayload } from '../../common/market';
import { BookReplica } from '../../testkit/book-replica';
import type { CaptureContext } from '../../testkit';

/**
 * One book stream as a client of a CaptureContext sees it: the replica built from every payload
 * in order, and the stream's events ('gap', 'snapshot', 'resync', 'change') with the gaps placed
 * where the provider announced them.
 */
export function watchBook(ctx: CaptureContext, canonical: string): { replica: BookReplica; events: string[] } {
  const replica = new BookReplica();
  const events: string[] = [];
  const gaps = ctx.gaps.filter((g) => g.id === canonical);
  let g = 0;
  ctx.emits.forEach((e, i) => {
    while (g < gaps.length && gaps[g].afterEmits <= i) {
      events.push('gap');
      g++;
    }
    if (e.id !== canonical) return;
    const payload = e.payload as unknown as BookPayload;
    replica.apply(payload);
    events.push(payload.type === 'snapshot' ? (payload.resync ? 'resync' : 'snapshot') : 'change');
  });
  while (g++ < gaps.length) events.push('gap');
  return { replica, events };
}

/** The stream's contract: a snapshot first, never crossed, and after each gap a resync snapshot before any change. */
export function expectBookContract(watch: { replica: BookReplica; events: string[] }): void {
  const { replica, events } = watch;
  expect(events.find((e) => e !== 'gap')).toBe('snapshot');
  expect(replica.crossedSeen).toBe(0);
  expect(replica.changeBeforeSnapshot).toBe(0);
  events.forEach((e, i) => {
    if (e !== 'gap') return;
    const next = events.slice(i + 1).find((x) => x !== 'gap');
    if (next !== undefined) expect(next).toBe('resync');
  });
}

export function sameBook(a: { bids: [number, number][]; asks: [number, number][] }, b: { bids: [number, number][]; asks: [number, number][] }): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A venue's books as a test drives them. */
export interface DrivenBooks {
  step(symbol: string): unknown;
  levels(symbol: string): { bids: [number, number][]; asks: [number, number][] };
}

/**
 * Keeps every symbol's book moving, as a venue does, until the client's books of `symbols` equal
 * the venue's: after each round it waits for the deltas in flight to land, then moves on (the next
 * delta is also what shows a loss, or restarts a book after a reconnect).
 */
export async function settleBooks(ctx: CaptureContext, canonicalOf: (symbol: string) => string, books: DrivenBooks, all: readonly string[], symbols: readonly string[], steps = 5): Promise<void> {
  const equal = (): boolean => symbols.every((s) => sameBook(watchBook(ctx, canonicalOf(s)).replica.levels(), books.levels(s)));
  for (let i = 0; i < steps; i++) for (const s of all) books.step(s);
  const deadline = Date.now() + 8000;
  for (;;) {
    const quietUntil = Date.now() + 400;
    while (!equal() && Date.now() < quietUntil) await new Promise((resolve) => setTimeout(resolve, 10));
    if (equal()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the ${symbols.join(', ')} book to match`);
    for (const s of all) books.step(s);
  }
}
