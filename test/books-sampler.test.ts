import fc from 'fast-check';
import type { BookPayload, Level } from '../common/market';
import { parseIdentifier } from '../router/identifier';
import { BookSampler, type TopOfBook } from '../workers/books/book-sampler';
import { describeBook } from '../workers/books/book-spec';

const snapshot = (bids: Level[], asks: Level[]): BookPayload => ({ type: 'snapshot', bids, asks });
const change = (bids: Level[], asks: Level[]): BookPayload => ({ type: 'change', bids, asks });

/** The book rebuilt from scratch, its top N taken by a full sort. */
function reference(updates: readonly BookPayload[], depth: number): TopOfBook {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  for (const u of updates) {
    if (u.type === 'snapshot') {
      bids.clear();
      asks.clear();
    }
    for (const [p, a] of u.bids) (a === 0 ? bids.delete(p) : bids.set(p, a));
    for (const [p, a] of u.asks) (a === 0 ? asks.delete(p) : asks.set(p, a));
  }
  const top = (m: Map<number, number>, desc: boolean): [number, number][] =>
    [...m.entries()].sort((x, y) => (desc ? y[0] - x[0] : x[0] - y[0])).slice(0, depth);
  return { bids: top(bids, true), asks: top(asks, false) };
}

describe('books: top-N sampler', () => {
  it('sends one sample per window in which the book changed, as it stood at the window end', () => {
    const s = new BookSampler(2, 100);
    expect(s.apply(snapshot([[10, 1], [9, 2], [8, 3]], [[11, 1], [12, 2]]), 1_005)).toBeUndefined();
    expect(s.apply(change([[10, 0]], [[11, 5]]), 1_050)).toBeUndefined();
    expect(s.end).toBe(1_100);
    // Stamped exactly on the boundary: the sample is the book before this change.
    expect(s.apply(change([[9.5, 1]], []), 1_100)).toEqual({ bids: [[9, 2], [8, 3]], asks: [[11, 5], [12, 2]] });
    // Nothing from 1_200 to 1_500: no samples for those windows.
    expect(s.apply(change([], [[11, 0]]), 1_530)).toEqual({ bids: [[9.5, 1], [9, 2]], asks: [[11, 5], [12, 2]] });
    expect(s.end).toBe(1_600);
    expect(s.current()).toEqual({ bids: [[9.5, 1], [9, 2]], asks: [[12, 2]] });
  });

  it('counts changes before the first snapshot and changes stamped before the window', () => {
    const s = new BookSampler(5, 1000);
    expect(s.apply(change([[1, 1]], []), 10)).toBeUndefined();
    expect(s.unsynced).toBe(1);
    expect(s.current()).toBeUndefined();
    s.apply(snapshot([[1, 1]], [[2, 1]]), 5_500);
    s.apply(change([[1, 3]], []), 4_900);
    expect(s.late).toBe(1);
    expect(s.current()).toEqual({ bids: [[1, 3]], asks: [[2, 1]] });
  });

  it('a live source sends the window a grace after its end; a resync snapshot replaces the book', () => {
    const s = new BookSampler(1, 1000);
    s.apply(snapshot([[1, 1]], [[2, 1]]), 500);
    expect(s.dueAt(100)).toBe(1_100);
    expect(s.closeDue(1_099, 100)).toBeUndefined();
    expect(s.closeDue(1_100, 100)).toEqual({ bids: [[1, 1]], asks: [[2, 1]] });
    expect(s.dueAt(100)).toBeUndefined();
    s.apply({ type: 'snapshot', bids: [[5, 1]], asks: [[6, 1]], resync: true }, 1_200);
    expect(s.current()).toEqual({ bids: [[5, 1]], asks: [[6, 1]] });
  });

  it('always samples exactly the top N of the book the updates describe', () => {
    const level = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom(0, 0, 1, 2.5, 7));
    const levels = fc.array(level, { maxLength: 8 }) as fc.Arbitrary<Level[]>;
    const update = fc.oneof(
      { weight: 1, arbitrary: fc.tuple(levels, levels).map(([b, a]) => snapshot(b.filter((l) => l[1] > 0), a.filter((l) => l[1] > 0))) },
      { weight: 6, arbitrary: fc.tuple(levels, levels).map(([b, a]) => change(b, a)) },
    );
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (updates, depth) => {
        const s = new BookSampler(depth, 10);
        const first = updates.findIndex((u) => u.type === 'snapshot');
        updates.forEach((u, i) => {
          const sample = s.apply(u, i * 10);
          // Each update opens its own window, so each sample is the book after the previous update.
          if (i > first && first >= 0 && i > 0) expect(sample).toEqual(reference(updates.slice(first, i), depth));
        });
        if (first >= 0) expect(s.current()).toEqual(reference(updates.slice(first), depth));
        else expect(s.current()).toBeUndefined();
      }),
    );
  });
});

describe('books: stream identifiers', () => {
  it('reads venue, depth and interval', () => {
    const spec = describeBook(parseIdentifier('books::btcusdt.book[venue=bybit;depth=10;interval=250ms]'));
    expect(typeof spec === 'string' ? spec : { ...spec, input: spec.input.canonical }).toEqual({ input: 'bybit::book.btcusdt', depth: 10, intervalMs: 250 });
  });

  it.each([
    ['books::btcusdt.book[venue=x;depth=10]', /needs venue, depth and interval/],
    ['books::btcusdt.book[venue=x;depth=0;interval=1s]', /depth must be/],
    ['books::btcusdt.book[venue=x;depth=5;interval=1m]', /interval/],
    ['books::btcusdt.book[venue=x;depth=5;interval=1s;side=bid]', /unknown param "side"/],
    ['books::btcusdt.book[venue=X;depth=5;interval=1s]', /lower case/],
  ])('refuses %s', (text, reason) => {
    expect(describeBook(parseIdentifier(text))).toMatch(reason);
  });
});
