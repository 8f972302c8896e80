/** Levels per leaf: a shift inside one leaf is a short memmove of typed arrays. */
const CAP = 64;

/** A run of adjacent levels, ascending by key, in flat typed arrays (no object per level). */
class Leaf {
  n = 0;
  readonly keys = new Float64Array(CAP);
  readonly amounts = new Float64Array(CAP);
  /** The venue's texts of each level, only when the book keeps them (OKX checksum). */
  readonly priceTexts: (string | undefined)[] | undefined;
  readonly amountTexts: (string | undefined)[] | undefined;
  constructor(texts: boolean) {
    this.priceTexts = texts ? new Array<string | undefined>(CAP).fill(undefined) : undefined;
    this.amountTexts = texts ? new Array<string | undefined>(CAP).fill(undefined) : undefined;
  }
}

/** A walk over one side, best first; reused, so walking allocates nothing. */
export class SideCursor {
  private leaf = 0;
  private at = 0;
  constructor(private readonly side: BookSide) {}

  /** Back to the best level; returns this. */
  reset(): this {
    this.leaf = 0;
    this.at = 0;
    return this;
  }
  get valid(): boolean {
    return this.leaf < this.side.leaves.length && this.at < this.side.leaves[this.leaf].n;
  }
  get price(): number {
    return this.side.sign * this.side.leaves[this.leaf].keys[this.at];
  }
  get amount(): number {
    return this.side.leaves[this.leaf].amounts[this.at];
  }
  /** Sort key: ascending from best. */
  get key(): number {
    return this.side.leaves[this.leaf].keys[this.at];
  }
  get priceText(): string | undefined {
    return this.side.leaves[this.leaf].priceTexts?.[this.at];
  }
  get amountText(): string | undefined {
    return this.side.leaves[this.leaf].amountTexts?.[this.at];
  }
  next(): void {
    if (++this.at >= this.side.leaves[this.leaf].n) {
      this.leaf++;
      this.at = 0;
    }
  }
}

/**
 * One side of an L2 book, best first, as a two-level B+tree: a sorted index of leaves, each up
 * to 64 levels in typed arrays. Finding a level is two binary searches (O(log n)); a change
 * shifts at most one leaf; a full leaf splits in two. Nothing is allocated per update except a
 * new leaf when one splits. Levels are kept by key = price for asks, −price for bids.
 */
export class BookSide {
  size = 0;
  /** Never empty leaves, except one when the side is empty. */
  readonly leaves: Leaf[];
  readonly sign: 1 | -1;
  readonly cursor: SideCursor;

  constructor(
    readonly side: 'bid' | 'ask',
    private readonly texts = false,
  ) {
    this.sign = side === 'bid' ? -1 : 1;
    this.leaves = [new Leaf(texts)];
    this.cursor = new SideCursor(this);
  }

  /** The best price, or NaN when the side is empty. */
  bestPrice(): number {
    return this.size === 0 ? NaN : this.sign * this.leaves[0].keys[0];
  }

  /** The amount at `price`, 0 when there is no such level. */
  amountAt(price: number): number {
    const key = this.sign * price;
    const leaf = this.leaves[this.leafFor(key)];
    const i = lowerBound(leaf, key);
    return i < leaf.n && leaf.keys[i] === key ? leaf.amounts[i] : 0;
  }

  /**
   * Sets a level's amount (0 removes it). Returns whether the book changed: removing an absent
   * level or writing the same amount is no change. Texts are kept when the side keeps them.
   */
  set(price: number, amount: number, priceText?: string, amountText?: string): boolean {
    const key = this.sign * price;
    const li = this.leafFor(key);
    let leaf = this.leaves[li];
    let i = lowerBound(leaf, key);
    if (i < leaf.n && leaf.keys[i] === key) {
      if (amount === 0) {
        this.removeAt(li, i);
        return true;
      }
      if (leaf.priceTexts) {
        leaf.priceTexts[i] = priceText;
        leaf.amountTexts![i] = amountText;
      }
      if (leaf.amounts[i] === amount) return false;
      leaf.amounts[i] = amount;
      return true;
    }
    if (amount === 0) return false;
    if (leaf.n === CAP) {
      this.split(li);
      if (i > CAP / 2) {
        leaf = this.leaves[li + 1];
        i -= CAP / 2;
      }
    }
    const n = leaf.n;
    leaf.keys.copyWithin(i + 1, i, n);
    leaf.amounts.copyWithin(i + 1, i, n);
    leaf.keys[i] = key;
    leaf.amounts[i] = amount;
    if (leaf.priceTexts) {
      const pt = leaf.priceTexts;
      const at = leaf.amountTexts!;
      // Plain loops: copyWithin on ordinary arrays takes V8's slow generic path.
      for (let k = n; k > i; k--) {
        pt[k] = pt[k - 1];
        at[k] = at[k - 1];
      }
      pt[i] = priceText;
      at[i] = amountText;
    }
    leaf.n++;
    this.size++;
    return true;
  }

  clear(): void {
    this.leaves.length = 1;
    this.leaves[0].n = 0;
    this.size = 0;
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

  /** The leaf whose range holds `key`: the last one starting at or below it (or the first). */
  private leafFor(key: number): number {
    const leaves = this.leaves;
    let lo = 0;
    let hi = leaves.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (leaves[mid].keys[0] <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private removeAt(li: number, i: number): void {
    const leaf = this.leaves[li];
    const n = leaf.n;
    leaf.keys.copyWithin(i, i + 1, n);
    leaf.amounts.copyWithin(i, i + 1, n);
    if (leaf.priceTexts) {
      const pt = leaf.priceTexts;
      const at = leaf.amountTexts!;
      for (let k = i; k < n - 1; k++) {
        pt[k] = pt[k + 1];
        at[k] = at[k + 1];
      }
      pt[n - 1] = at[n - 1] = undefined;
    }
    leaf.n--;
    this.size--;
    if (leaf.n === 0 && this.leaves.length > 1) this.leaves.splice(li, 1);
  }

  private split(li: number): void {
    const leaf = this.leaves[li];
    const half = CAP / 2;
    const right = new Leaf(this.texts);
    right.keys.set(leaf.keys.subarray(half, CAP));
    right.amounts.set(leaf.amounts.subarray(half, CAP));
    if (leaf.priceTexts) {
      for (let k = half; k < CAP; k++) {
        right.priceTexts![k - half] = leaf.priceTexts[k];
        right.amountTexts![k - half] = leaf.amountTexts![k];
        leaf.priceTexts[k] = leaf.amountTexts![k] = undefined;
      }
    }
    right.n = CAP - half;
    leaf.n = half;
    this.leaves.splice(li + 1, 0, right);
  }
}

/** The first index in `leaf` whose key is not below `key`. */
function lowerBound(leaf: Leaf, key: number): number {
  const keys = leaf.keys;
  let lo = 0;
  let hi = leaf.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
