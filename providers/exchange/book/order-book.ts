import type { Level } from '../../../common/market';
import { BookSide } from './book-side';
import { isDecimalNotation } from '../normalize';

/** The one empty list of levels, shared. */
export const NO_LEVELS: readonly Level[] = Object.freeze([]);

/**
 * An L2 book: bids and asks, each best first. Venue levels come in as the venues send them,
 * `[priceText, amountText, …]` (Binance, Bybit and OKX alike); they are parsed once, here, and
 * what actually changed is appended to the caller's arrays as `[price, amount]` (0: removed).
 */
export class OrderBook {
  readonly bids: BookSide;
  readonly asks: BookSide;

  /** @param keepText keep the venue's texts of each level (a checksum over them needs them). */
  constructor(readonly keepText = false) {
    this.bids = new BookSide('bid', keepText);
    this.asks = new BookSide('ask', keepText);
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /**
   * What the last `collect` changed on its side, in order: an array of its own, exactly as long
   * as the changes (it can go out as a payload's list), or the shared empty one.
   */
  changed: readonly Level[] = NO_LEVELS;

  /**
   * Applies venue levels to one side. Levels that change nothing (an absent level removed, an
   * amount rewritten) are not reported. Returns why the levels are unusable, or undefined; on
   * a problem some levels may be applied already, so the caller must drop the book.
   */
  apply(side: BookSide, raw: unknown, out: Level[] | null): string | undefined {
    const bad = this.applyLevels(side, raw, out !== null);
    if (out !== null) for (let i = 0; i < this.changed.length; i++) out.push(this.changed[i]);
    return bad;
  }

  /** As `apply`, leaving what changed in `changed`. */
  collect(side: BookSide, raw: unknown): string | undefined {
    return this.applyLevels(side, raw, true);
  }

  private applyLevels(side: BookSide, raw: unknown, record: boolean): string | undefined {
    this.changed = NO_LEVELS;
    if (!Array.isArray(raw)) return 'levels are not an array';
    for (let i = 0; i < raw.length; i++) {
      const level: unknown = raw[i];
      if (!Array.isArray(level) || level.length < 2) return 'a level is not [price, amount]';
      const p: unknown = level[0];
      const a: unknown = level[1];
      const price = typeof p === 'string' ? parseDecimal(p) : typeof p === 'number' ? p : NaN;
      const amount = typeof a === 'string' ? parseDecimal(a) : typeof a === 'number' ? a : NaN;
      if (!(price > 0) || !Number.isFinite(price)) return `bad price ${JSON.stringify(p)}`;
      if (!(amount >= 0) || !Number.isFinite(amount)) return `bad amount ${JSON.stringify(a)}`;
      const changed = this.keepText ? side.set(price, amount, String(p), String(a)) : side.set(price, amount);
      if (!changed || !record) continue;
      // Most messages change a level or two a side: a literal is exactly that long, where
      // pushing onto an empty array reserves 17 slots.
      if (this.changed === NO_LEVELS) this.changed = [[price, amount]];
      else (this.changed as Level[]).push([price, amount]);
    }
    return undefined;
  }

  /**
   * Replaces the book with a venue snapshot. Each side must be strictly ordered best first and
   * carry no zero amounts, as the venues send them; anything else is refused.
   */
  load(rawBids: unknown, rawAsks: unknown): string | undefined {
    this.clear();
    return this.apply(this.bids, rawBids, null) ?? ordered(this.bids, rawBids) ?? this.apply(this.asks, rawAsks, null) ?? ordered(this.asks, rawAsks);
  }

  /** Best bid at or above best ask. */
  crossed(): boolean {
    return this.bids.bestPrice() >= this.asks.bestPrice(); // false when a side is empty (NaN)
  }

  snapshot(): { bids: Level[]; asks: Level[] } {
    return { bids: this.bids.levels(), asks: this.asks.levels() };
  }

  /**
   * Makes this book equal to `next` and lists, per side, what a holder of this book must
   * change to get there (a walk over both sorted sides, O(n + m)).
   */
  become(next: OrderBook, outBids: Level[], outAsks: Level[]): void {
    diffSide(this.bids, next.bids, outBids);
    diffSide(this.asks, next.asks, outAsks);
    this.clear();
    for (const [side, from] of [
      [this.bids, next.bids],
      [this.asks, next.asks],
    ] as const) {
      for (const c = from.cursor.reset(); c.valid; c.next()) side.set(c.price, c.amount, c.priceText, c.amountText);
    }
  }
}

/** Why a snapshot side is not strictly ordered best first (or carries zero amounts), or undefined. */
function ordered(side: BookSide, raw: unknown): string | undefined {
  const levels = raw as unknown[][];
  if (side.size !== levels.length) return `${side.side}s repeat a price or carry a zero amount`;
  for (let i = 1; i < levels.length; i++) {
    if (!side.worse(Number(levels[i][0]), Number(levels[i - 1][0]))) return `${side.side}s are not ordered best first`;
  }
  return undefined;
}

function diffSide(from: BookSide, to: BookSide, out: Level[]): void {
  const a = from.cursor.reset();
  const b = to.cursor.reset();
  while (a.valid || b.valid) {
    if (!b.valid || (a.valid && a.key < b.key)) {
      out.push([a.price, 0]);
      a.next();
    } else if (!a.valid || b.key < a.key) {
      out.push([b.price, b.amount]);
      b.next();
    } else {
      if (a.amount !== b.amount) out.push([b.price, b.amount]);
      a.next();
      b.next();
    }
  }
}

/**
 * A venue's decimal text as a number, exactly as `Number` reads it. Plain decimals of up to 15
 * digits (all venue prices and amounts) take a fast path: the digits as an integer divided by a
 * power of ten, both exact doubles, so the one rounding of the division gives the same nearest
 * double. Other decimal notation (exponents, signs, long texts) goes to `Number`; anything else
 * (blanks, hex, `Infinity`, "") is NaN, though `Number` would read some of it.
 */
export function parseDecimal(text: string): number {
  const len = text.length;
  if (len === 0) return NaN;
  if (len > 15) return slow(text);
  let mantissa = 0;
  let scale = 1;
  let dot = false;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      if (dot) scale *= 10;
    } else if (c === 46 && !dot) dot = true;
    else return slow(text);
  }
  if (dot && len === 1) return NaN;
  return scale === 1 ? mantissa : mantissa / scale;
}

function slow(text: string): number {
  return isDecimalNotation(text) ? Number(text) : NaN;
}
