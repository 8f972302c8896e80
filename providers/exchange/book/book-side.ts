/** Levels per leaf: a change shifts at most one leaf's worth of numbers. */
const CAP = 64;

/** A walk over one side, best first; reused, so walking allocates nothing. */
export class SideCursor {
  private leaf = 0;
  /** Index of the current level in the side's pooled arrays. */
  private at = 0;
  private end = 0;
  constructor(private readonly side: BookSide) {}

  /** Back to the best level; returns this. */
  reset(): this {
    this.leaf = 0;
    this.enter();
    return this;
  }
  get valid(): boolean {
    return this.at < this.end;
  }
  get price(): number {
    return this.side.sign * this.side.keys[this.at];
  }
  get amount(): number {
    return this.side.amounts[this.at];
  }
  /** Sort key: ascending from best. */
  get key(): number {
    return this.side.keys[this.at];
  }
  get priceText(): string | undefined {
    return this.side.priceTexts?.[this.at];
  }
  get amountText(): string | undefined {
    return this.side.amountTexts?.[this.at];
  }
  next(): void {
    if (++this.at >= this.end && ++this.leaf < this.side.leafCount) this.enter();
  }
  private enter(): void {
    const side = this.side;
    if (this.leaf >= side.leafCount) {
      this.at = this.end = 0;
      return;
    }
    const slot = side.order[this.leaf];
    this.at = slot * CAP;
    this.end = this.at + side.fill[slot];
  }
}

/**
 * One side of an L2 book, best first, as a two-level B+tree: a sorted index of leaves, each up
 * to 64 levels. Finding a level is a binary search over the leaves' first keys, then one within
 * the leaf (O(log n)); a change shifts at most one leaf; a full leaf splits in two. All leaves
 * live in one pool of flat typed arrays (leaf `s` at `s × 64`), so a lookup follows no object
 * per leaf and nothing is allocated per update; the pool doubles when it runs out. Levels are
 * kept by key = price for asks, −price for bids.
 */
export class BookSide {
  size = 0;
  readonly sign: 1 | -1;
  readonly cursor: SideCursor;
  /** Leaves in use, in key order (never 0: an empty side has one empty leaf). */
  leafCount = 1;
  /** Per position in key order: the leaf's slot in the pool, and its first key. */
  order: Int32Array;
  firsts: Float64Array;
  /** Per slot: how many levels the leaf holds. */
  fill: Int32Array;
  /** Per level, slot × 64 + index: sort key and amount. */
  keys: Float64Array;
  amounts: Float64Array;
  /** The venue's texts of each level, only when the side keeps them (OKX checksum). */
  priceTexts: (string | undefined)[] | undefined;
  amountTexts: (string | undefined)[] | undefined;
  /** Slots no leaf uses. */
  private readonly free: number[] = [];

  constructor(
    readonly side: 'bid' | 'ask',
    private readonly texts = false,
  ) {
    this.sign = side === 'bid' ? -1 : 1;
    this.cursor = new SideCursor(this);
    const slots = 4;
    this.order = new Int32Array(slots);
    this.firsts = new Float64Array(slots);
    this.fill = new Int32Array(slots);
    this.keys = new Float64Array(slots * CAP);
    this.amounts = new Float64Array(slots * CAP);
    this.priceTexts = texts ? new Array<string | undefined>(slots * CAP).fill(undefined) : undefined;
    this.amountTexts = texts ? new Array<string | undefined>(slots * CAP).fill(undefined) : undefined;
    for (let s = slots - 1; s > 0; s--) this.free.push(s);
  }

  /** The best price, or NaN when the side is empty. */
  bestPrice(): number {
    return this.size === 0 ? NaN : this.sign * this.firsts[0];
  }

  /** The amount at `price`, 0 when there is no such level. */
  amountAt(price: number): number {
    const key = this.sign * price;
    const slot = this.order[this.leafFor(key)];
    const i = this.lowerBound(slot * CAP, this.fill[slot], key);
    return i >= 0 && this.keys[i] === key ? this.amounts[i] : 0;
  }

  /**
   * Sets a level's amount (0 removes it). Returns whether the book changed: removing an absent
   * level or writing the same amount is no change. Texts are kept when the side keeps them.
   */
  set(price: number, amount: number, priceText?: string, amountText?: string): boolean {
    const key = this.sign * price;
    const li = this.leafFor(key);
    const keys = this.keys;
    let slot = this.order[li];
    const base = slot * CAP;
    const n = this.fill[slot];
    let i = this.lowerBound(base, n, key);
    if (i >= 0 && keys[i] === key) {
      if (amount === 0) {
        this.removeAt(li, slot, i);
        return true;
      }
      if (this.priceTexts !== undefined) {
        this.priceTexts[i] = priceText;
        this.amountTexts![i] = amountText;
      }
      if (this.amounts[i] === amount) return false;
      this.amounts[i] = amount;
      return true;
    }
    if (amount === 0) return false;
    // Not found: the insertion point is the first key above, or the leaf's end.
    i = i >= 0 ? i : base + n;
    if (n !== CAP) return this.insertAt(li, slot, base, n, i, key, amount, priceText, amountText);
    this.split(li);
    if (i - base <= CAP / 2) return this.insertAt(li, slot, base, CAP / 2, i, key, amount, priceText, amountText);
    slot = this.order[li + 1];
    const right = slot * CAP;
    return this.insertAt(li + 1, slot, right, CAP / 2, right + (i - base - CAP / 2), key, amount, priceText, amountText);
  }

  clear(): void {
    this.leafCount = 1;
    this.free.length = 0;
    for (let s = this.fill.length - 1; s > 0; s--) this.free.push(s);
    this.order[0] = 0;
    this.fill[0] = 0;
    this.size = 0;
    // Let go of the texts of levels that are gone.
    this.priceTexts?.fill(undefined);
    this.amountTexts?.fill(undefined);
  }

  /** Levels best first as `[price, amount]`, at most `limit`. */
  levels(limit = Infinity): [number, number][] {
    const out: [number, number][] = [];
    for (const c = this.cursor.reset(); c.valid && out.length < limit; c.next()) out.push([c.price, c.amount]);
    return out;
  }

  /** Whether `price` sorts strictly after `than` on this side (worse). */
  worse(price: number, than: number): boolean {
    return this.sign * price > this.sign * than;
  }

  /** The leaf (position in key order) whose range holds `key`: the last one starting at or below it (or the first). */
  private leafFor(key: number): number {
    const firsts = this.firsts;
    let lo = 0;
    let hi = this.leafCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firsts[mid] <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The pool index of the first key in the leaf at `base` that is not below `key`, or −1 when all are below. */
  private lowerBound(base: number, n: number, key: number): number {
    const keys = this.keys;
    const end = base + n;
    let lo = base;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < end ? lo : -1;
  }

  private insertAt(li: number, slot: number, base: number, n: number, i: number, key: number, amount: number, priceText: string | undefined, amountText: string | undefined): boolean {
    const keys = this.keys;
    const amounts = this.amounts;
    // Plain loops: a shift of a few dozen numbers is cheaper than two copyWithin calls.
    for (let k = base + n; k > i; k--) {
      keys[k] = keys[k - 1];
      amounts[k] = amounts[k - 1];
    }
    keys[i] = key;
    amounts[i] = amount;
    if (this.priceTexts !== undefined) {
      const pt = this.priceTexts;
      const at = this.amountTexts!;
      for (let k = base + n; k > i; k--) {
        pt[k] = pt[k - 1];
        at[k] = at[k - 1];
      }
      pt[i] = priceText;
      at[i] = amountText;
    }
    if (i === base) this.firsts[li] = key;
    this.fill[slot] = n + 1;
    this.size++;
    return true;
  }

  private removeAt(li: number, slot: number, i: number): void {
    const keys = this.keys;
    const amounts = this.amounts;
    const base = slot * CAP;
    const n = this.fill[slot];
    const last = base + n - 1;
    for (let k = i; k < last; k++) {
      keys[k] = keys[k + 1];
      amounts[k] = amounts[k + 1];
    }
    if (this.priceTexts !== undefined) {
      const pt = this.priceTexts;
      const at = this.amountTexts!;
      for (let k = i; k < last; k++) {
        pt[k] = pt[k + 1];
        at[k] = at[k + 1];
      }
      pt[last] = at[last] = undefined;
    }
    this.fill[slot] = n - 1;
    this.size--;
    if (n > 1) {
      if (i === base) this.firsts[li] = keys[base];
    } else if (this.leafCount > 1) this.dropLeaf(li, slot);
  }

  /** Takes the empty leaf at `li` out of the index. */
  private dropLeaf(li: number, slot: number): void {
    const order = this.order;
    const firsts = this.firsts;
    const count = --this.leafCount;
    for (let k = li; k < count; k++) {
      order[k] = order[k + 1];
      firsts[k] = firsts[k + 1];
    }
    this.free.push(slot);
  }

  /** Splits the full leaf at `li`: its upper half moves to a new leaf right after it. */
  private split(li: number): void {
    if (this.free.length === 0) this.grow();
    const right = this.free.pop()!;
    const slot = this.order[li];
    const half = CAP / 2;
    const from = slot * CAP + half;
    const to = right * CAP;
    this.keys.copyWithin(to, from, from + half);
    this.amounts.copyWithin(to, from, from + half);
    if (this.priceTexts !== undefined) {
      const pt = this.priceTexts;
      const at = this.amountTexts!;
      for (let k = 0; k < half; k++) {
        pt[to + k] = pt[from + k];
        at[to + k] = at[from + k];
        pt[from + k] = at[from + k] = undefined;
      }
    }
    this.fill[slot] = half;
    this.fill[right] = half;
    const order = this.order;
    const firsts = this.firsts;
    for (let k = this.leafCount; k > li + 1; k--) {
      order[k] = order[k - 1];
      firsts[k] = firsts[k - 1];
    }
    order[li + 1] = right;
    firsts[li + 1] = this.keys[to];
    this.leafCount++;
  }

  /** Doubles the pool: new slots go on the free list. */
  private grow(): void {
    const slots = this.fill.length;
    const more = slots * 2;
    this.order = copied(new Int32Array(more), this.order);
    this.firsts = copied(new Float64Array(more), this.firsts);
    this.fill = copied(new Int32Array(more), this.fill);
    this.keys = copied(new Float64Array(more * CAP), this.keys);
    this.amounts = copied(new Float64Array(more * CAP), this.amounts);
    if (this.texts) {
      for (let k = slots * CAP; k < more * CAP; k++) {
        this.priceTexts!.push(undefined);
        this.amountTexts!.push(undefined);
      }
    }
    for (let s = more - 1; s >= slots; s--) this.free.push(s);
  }
}

function copied<T extends Int32Array | Float64Array>(into: T, from: T): T {
  into.set(from);
  return into;
}
