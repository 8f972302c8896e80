import { BookHistory } from '../tools/soak/book-history';

/** The soak's memory of a venue's book states, which invariant 9 compares snapshots against. */
const book = (bid: number): { bids: [number, number][]; asks: [number, number][] } => ({ bids: [[bid, 1]], asks: [[bid + 1, 1]] });

describe("the soak's book history", () => {
  it('finds the state in force at an event time, and later ones only when asked', () => {
    const h = new BookHistory();
    h.record(100, book(10));
    h.record(110, book(11));
    h.record(120, book(12));
    expect(h.match(110, book(11), false)).toBe('equal');
    // Between two updates the earlier one is in force.
    expect(h.match(115, book(11), false)).toBe('equal');
    expect(h.match(115, book(12), false)).toBe('unequal');
    // A snapshot with deltas put on top (REST venues) may be a later state, never an earlier one.
    expect(h.match(115, book(12), true)).toBe('equal');
    expect(h.match(115, book(10), true)).toBe('unequal');
    expect(h.match('any', book(10), false)).toBe('equal');
    expect(h.match(99, book(10), false)).toBe('unknown');
    expect(h.match(undefined, book(10), false)).toBe('unknown');
  });

  it('stays bounded: the oldest states are forgotten, and a time before them is unknown', () => {
    const h = new BookHistory();
    for (let i = 0; i < 2_000; i++) h.record(i * 10, book(i));
    expect(h.match(10, book(1), false)).toBe('unknown');
    expect(h.match(19_990, book(1_999), false)).toBe('equal');
    expect(h.match('any', book(1), false)).toBe('unequal');
  });
});
