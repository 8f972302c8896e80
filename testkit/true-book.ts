import { seededRandom, type Random } from '../providers/synthetic/prng';

/** A level as a venue sends it: `[priceText, amountText]`. */
export type TextLevel = [price: string, amount: string];

/** What one step changed, per side, in venue text (amount "0" removes). */
export interface TextChange {
  readonly bids: TextLevel[];
  readonly asks: TextLevel[];
}

export interface TrueBookOptions {
  readonly seed?: number;
  /** Levels per side to start with; the book then wanders between half and twice that. */
  readonly depth?: number;
  readonly tickSize?: number;
  readonly lotSize?: number;
  readonly midPrice?: number;
}

/**
 * A venue's true order book for fakes and benchmarks: integer ticks and lots, mutated from a
 * seeded PRNG, never crossed. Its texts are what a fake venue sends (fixed decimals), so a
 * client parsing them must end with `levels()` exactly.
 */
export class TrueBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  readonly random: Random;
  private readonly depth: number;
  private readonly tickSize: number;
  private readonly lotSize: number;
  private readonly priceDecimals: number;
  private readonly amountDecimals: number;

  constructor(options: TrueBookOptions = {}) {
    this.random = seededRandom(options.seed ?? 1);
    this.depth = options.depth ?? 50;
    this.tickSize = options.tickSize ?? 0.1;
    this.lotSize = options.lotSize ?? 0.001;
    this.priceDecimals = decimals(this.tickSize);
    this.amountDecimals = decimals(this.lotSize);
    const mid = Math.round((options.midPrice ?? 50_000) / this.tickSize);
    for (let i = 0; i < this.depth; i++) {
      this.bids.set(mid - 1 - i * (1 + this.int(2)), 1 + this.int(5000));
      this.asks.set(mid + 1 + i * (1 + this.int(2)), 1 + this.int(5000));
    }
  }

  /** Changes `count` levels at random (never crossing the book) and returns what changed. */
  step(count = 1 + this.int(4)): TextChange {
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const bid = this.random() < 0.5;
      const side = bid ? this.bids : this.asks;
      const out = bid ? bids : asks;
      const r = this.random();
      const tick = r < 0.45 && side.size > 0 ? this.existing(side) : this.fresh(bid);
      if (tick === undefined) continue;
      const remove = side.has(tick) && (side.size > this.depth * 2 || (side.size > this.depth / 2 && this.random() < 0.3));
      const lots = remove ? 0 : 1 + this.int(5000);
      if (lots === 0) side.delete(tick);
      else side.set(tick, lots);
      out.set(tick, lots);
    }
    return { bids: this.texts(bids), asks: this.texts(asks) };
  }

  /** The whole book in venue text, best first, at most `limit` per side. */
  snapshot(limit = Infinity): { bids: TextLevel[]; asks: TextLevel[] } {
    return { bids: this.texts(this.bids, 'desc').slice(0, limit), asks: this.texts(this.asks, 'asc').slice(0, limit) };
  }

  /** The book as `[price, amount]` numbers parsed from its texts, best first. */
  levels(): { bids: [number, number][]; asks: [number, number][] } {
    const parse = (levels: TextLevel[]): [number, number][] => levels.map(([p, a]) => [Number(p), Number(a)]);
    const s = this.snapshot();
    return { bids: parse(s.bids), asks: parse(s.asks) };
  }

  priceText(tick: number): string {
    return (tick * this.tickSize).toFixed(this.priceDecimals);
  }

  amountText(lots: number): string {
    return lots === 0 ? '0' : (lots * this.lotSize).toFixed(this.amountDecimals);
  }

  private texts(side: Map<number, number>, order: 'asc' | 'desc' | 'none' = 'none'): TextLevel[] {
    const ticks = [...side.keys()];
    if (order !== 'none') ticks.sort((a, b) => (order === 'asc' ? a - b : b - a));
    return ticks.map((t) => [this.priceText(t), this.amountText(side.get(t)!)]);
  }

  private existing(side: Map<number, number>): number {
    let k = this.int(side.size);
    for (const tick of side.keys()) if (k-- === 0) return tick;
    throw new Error('unreachable');
  }

  /** A tick on the side's own half of the book, mostly near the top. */
  private fresh(bid: boolean): number | undefined {
    const bestBid = max(this.bids.keys());
    const bestAsk = min(this.asks.keys());
    const reach = 1 + this.int(this.depth * 2);
    if (bid) {
      const top = bestAsk === undefined ? (bestBid ?? 0) + 1 : bestAsk - 1;
      return top - this.int(reach);
    }
    const bottom = bestBid === undefined ? (bestAsk ?? 0) - 1 : bestBid + 1;
    return bottom + this.int(reach);
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
}

function max(values: Iterable<number>): number | undefined {
  let m: number | undefined;
  for (const v of values) if (m === undefined || v > m) m = v;
  return m;
}

function min(values: Iterable<number>): number | undefined {
  let m: number | undefined;
  for (const v of values) if (m === undefined || v < m) m = v;
  return m;
}

function decimals(step: number): number {
  const text = String(step);
  return text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
}
