import fc from 'fast-check';
import * as zlib from 'node:zlib';
import { BookSide } from '../providers/exchange/book/book-side';
import { OrderBook, parseDecimal } from '../providers/exchange/book/order-book';
import { crc32, okxChecksum, okxChecksumText } from '../providers/exchange/book/okx-checksum';
import type { Level } from '../common/market';

const opIn = (max: number) => fc.record({ price: fc.integer({ min: 1, max }), amount: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })) });
const op = opIn(60);

describe('book side', () => {
  it('keeps levels ordered best first and reports exactly what changed, against a plain map', () => {
    fc.assert(
      fc.property(fc.constantFrom<'bid' | 'ask'>('bid', 'ask'), fc.integer({ min: 10, max: 3000 }).chain((max) => fc.array(opIn(max), { minLength: 50, maxLength: 2000, size: 'max' })), (sideName, ops) => {
        const side = new BookSide(sideName, true);
        const model = new Map<number, number>();
        let wrongAnswers = 0;
        for (const { price, amount } of ops) {
          const before = model.get(price);
          const expected = amount === 0 ? before !== undefined : before !== amount;
          if (amount === 0) model.delete(price);
          else model.set(price, amount);
          if (side.set(price, amount, `p${price}`, `a${amount}`) !== expected) wrongAnswers++;
        }
        expect(wrongAnswers).toBe(0);
        const texts: string[] = [];
        for (const c = side.cursor.reset(); c.valid; c.next()) texts.push(`${c.priceText}/${c.amountText}`);
        const want = [...model.entries()].sort((a, b) => (sideName === 'bid' ? b[0] - a[0] : a[0] - b[0]));
        expect(side.levels()).toEqual(want);
        expect(side.size).toBe(model.size);
        expect(texts).toEqual(want.map(([p, a]) => `p${p}/a${a}`));
        expect(side.bestPrice()).toBe(want[0]?.[0] ?? NaN);
        expect(want.every(([price, amount]) => side.amountAt(price) === amount)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('stays exact while leaves fill, split, empty and are reused, across clears, with or without texts', () => {
    // Bursts of inserts and removals over a narrow or wide range: whole leaves empty out and
    // come back from the free list, and the pool grows past its first slots.
    const burst = fc.record({ from: fc.integer({ min: 1, max: 5000 }), count: fc.integer({ min: 1, max: 200 }), stride: fc.integer({ min: 1, max: 7 }), amount: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })) });
    const step = fc.oneof({ weight: 12, arbitrary: burst }, { weight: 1, arbitrary: fc.constant('clear' as const) }, { weight: 6, arbitrary: opIn(5000) });
    fc.assert(
      fc.property(fc.constantFrom<'bid' | 'ask'>('bid', 'ask'), fc.boolean(), fc.array(step, { minLength: 5, maxLength: 40 }), (sideName, texts, steps) => {
        const side = new BookSide(sideName, texts);
        const model = new Map<number, number>();
        const put = (price: number, amount: number): void => {
          const changed = amount === 0 ? model.has(price) : model.get(price) !== amount;
          if (amount === 0) model.delete(price);
          else model.set(price, amount);
          expect(side.set(price, amount, `p${price}`, `a${amount}`)).toBe(changed);
        };
        for (const s of steps) {
          if (s === 'clear') {
            side.clear();
            model.clear();
          } else if ('count' in s) for (let k = 0; k < s.count; k++) put(s.from + k * s.stride, s.amount);
          else put(s.price, s.amount);
          const want = [...model.entries()].sort((a, b) => (sideName === 'bid' ? b[0] - a[0] : a[0] - b[0]));
          expect(side.size).toBe(model.size);
          expect(side.bestPrice()).toBe(want[0]?.[0] ?? NaN);
          expect(side.levels()).toEqual(want);
        }
        // The whole walk once more, with the texts each level was last written with.
        const walked: string[] = [];
        for (const c = side.cursor.reset(); c.valid; c.next()) walked.push(`${c.priceText}/${c.amountText}`);
        const want = [...model.entries()].sort((a, b) => (sideName === 'bid' ? b[0] - a[0] : a[0] - b[0]));
        expect(walked).toEqual(want.map(([p, a]) => (texts ? `p${p}/a${a}` : 'undefined/undefined')));
        expect(want.every(([price, amount]) => side.amountAt(price) === amount)).toBe(true);
        expect(side.amountAt(0.5)).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('clear empties the side and it is usable again', () => {
    const side = new BookSide('ask');
    for (let i = 1; i <= 100; i++) side.set(i, i);
    side.clear();
    expect(side.bestPrice()).toBeNaN();
    expect(side.levels()).toEqual([]);
    side.set(5, 1);
    expect(side.levels()).toEqual([[5, 1]]);
  });
});

describe('order book', () => {
  it('applies venue text levels and lists only the real changes', () => {
    const book = new OrderBook();
    expect(book.load([['100.5', '1'], ['100', '2']], [['101', '3']])).toBeUndefined();
    const out: Level[] = [];
    expect(book.apply(book.bids, [['100.5', '1'], ['99', '0'], ['100', '0'], ['98', '4']], out)).toBeUndefined();
    expect(out).toEqual([
      [100, 0],
      [98, 4],
    ]);
    expect(book.snapshot()).toEqual({ bids: [[100.5, 1], [98, 4]], asks: [[101, 3]] });
  });

  it.each([
    ['NaN price', [['abc', '1']]],
    ['negative amount', [['100', '-1']]],
    ['zero price', [['0', '1']]],
    ['infinite amount', [['100', 'Infinity']]],
    ['not a level', [['100']]],
    ['not an array', { p: 1 }],
    ['a number for a level', [5]],
  ])('refuses %s with a reason', (_name, raw) => {
    const book = new OrderBook();
    expect(book.apply(book.bids, raw, [])).toEqual(expect.any(String));
  });

  it('keeps the texts of JSON-number levels as String writes them', () => {
    const book = new OrderBook(true);
    expect(book.load([[100.5, 2]], [['101', '3']])).toBeUndefined();
    const c = book.bids.cursor.reset();
    expect([c.price, c.amount, c.priceText, c.amountText]).toEqual([100.5, 2, '100.5', '2']);
  });

  it('refuses snapshots whose levels are out of order, repeated or zero', () => {
    const book = new OrderBook();
    expect(book.load([['99', '1'], ['100', '1']], [])).toMatch(/ordered/);
    expect(book.load([], [['101', '1'], ['100', '1']])).toMatch(/ordered/);
    expect(book.load([['99', '1'], ['99', '2']], [])).toMatch(/repeat/);
    expect(book.load([['99', '0']], [])).toMatch(/zero/);
  });

  it('knows a crossed book', () => {
    const book = new OrderBook();
    book.load([['100', '1']], [['101', '1']]);
    expect(book.crossed()).toBe(false);
    book.apply(book.asks, [['100', '1']], null);
    expect(book.crossed()).toBe(true);
  });

  it('becoming another book lists the difference a client must apply', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(op, { maxLength: 60 }), (a, b) => {
        const from = new OrderBook();
        const to = new OrderBook();
        for (const { price, amount } of a) from.bids.set(price, amount);
        for (const { price, amount } of b) to.bids.set(price, amount);
        const client = new Map(from.bids.levels());
        const outBids: Level[] = [];
        from.become(to, outBids, []);
        for (const [p, q] of outBids) (q === 0 ? client.delete(p) : client.set(p, q));
        expect([...client.entries()].sort((x, y) => y[0] - x[0])).toEqual(to.bids.levels());
        expect(from.bids.levels()).toEqual(to.bids.levels());
      }),
    );
  });
});

describe('decimal parsing', () => {
  it('reads venue decimals exactly as Number does', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 1, maxLength: 10 });
    fc.assert(fc.property(digits, fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), maxLength: 9 })), (int, frac) => {
      const text = frac === null ? int : `${int}.${frac}`;
      expect(parseDecimal(text)).toBe(Number(text));
    }), { numRuns: 2000 });
    for (const text of ['1e3', '-1', '12345678901234567.5', '.5', '5.']) expect(parseDecimal(text)).toBe(Number(text));
    // Notation no venue writes is no number, though Number reads it: a hex size must not pass for 16.
    for (const text of [' 5', '5 ', '0x10', '0b1', '1.2.3', 'Infinity', '+5', '1_000']) expect(parseDecimal(text)).toBeNaN();
    expect(parseDecimal('')).toBeNaN();
    expect(parseDecimal('.')).toBeNaN();
  });
});

describe('OKX checksum', () => {
  it('CRC-32 matches the standard check value and zlib', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.:-e'.split('')) }), (s) => expect(crc32(s)).toBe(zlib.crc32(s))));
  });

  it('builds the string of the docs example (bids and asks interleaved, px:sz)', () => {
    // OKX v5 docs, order book checksum: two levels a side give "3366.1:7:3366.8:9:3366:6:3368:8".
    const bids = [['3366.1', '7', '0', '3'], ['3366', '6', '3', '4']];
    const asks = [['3366.8', '9', '10', '3'], ['3368', '8', '3', '4']];
    expect(okxChecksumText(bids, asks)).toBe('3366.1:7:3366.8:9:3366:6:3368:8');
    const book = new OrderBook(true);
    book.load(bids, asks);
    expect(okxChecksum(book)).toBe(crc32('3366.1:7:3366.8:9:3366:6:3368:8') | 0);
  });

  it('covers 25 levels a side, keeps going on the longer side, and uses the venue texts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), (nb, na) => {
        const bids = Array.from({ length: nb }, (_, i) => [(1000 - i).toFixed(2), `${i + 1}.50`]);
        const asks = Array.from({ length: na }, (_, i) => [(1001 + i).toFixed(2), `${i + 2}.0`]);
        const book = new OrderBook(true);
        expect(book.load(bids, asks)).toBeUndefined();
        expect(okxChecksum(book)).toBe(crc32(okxChecksumText(bids, asks)) | 0);
      }),
    );
  });
});
