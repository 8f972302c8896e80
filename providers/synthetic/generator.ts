import { assertNever } from '../../common/assert-never';
import type { JsonValue } from '../../common/json';
import { hash32, seededRandom, type Random } from './prng';
import type { StreamSpec } from './streams';

/** Relative size of one random-walk step. */
const VOLATILITY = 0.0005;

function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/**
 * The payload sequence of one stream: a pure function of (seed, canonical id), so two instances
 * with the same seed produce identical streams.
 */
export class PayloadGenerator {
  /** Messages generated so far; also the `n` of the last payload. */
  count = 0;
  last: JsonValue | null = null;
  private readonly random: Random;
  private price: number;
  private readonly priceDecimals: number;
  private readonly qtyDecimals: number;
  /** Notional of a typical order, so quantities look plausible at any price. */
  private readonly qtyScale: number;
  private readonly pad: string;

  constructor(
    seed: string,
    canonical: string,
    private readonly spec: StreamSpec,
  ) {
    this.random = seededRandom(hash32(`${seed}|${canonical}`));
    this.price = spec.basePrice;
    this.priceDecimals = spec.basePrice >= 1000 ? 2 : spec.basePrice >= 1 ? 4 : 8;
    this.qtyDecimals = spec.basePrice >= 1000 ? 4 : spec.basePrice >= 1 ? 2 : 0;
    this.qtyScale = 1000 / spec.basePrice;
    this.pad = 'x'.repeat(spec.size);
  }

  next(): JsonValue {
    this.count++;
    this.price = Math.max(this.price * (1 + VOLATILITY * (this.random() * 2 - 1)), 10 ** -this.priceDecimals);
    const payload = this.build();
    if (this.spec.size > 0) payload.pad = this.pad;
    this.last = payload;
    return payload;
  }

  private build(): { [key: string]: JsonValue } {
    const { symbol } = this.spec;
    const n = this.count;
    const price = roundTo(this.price, this.priceDecimals);
    switch (this.spec.kind) {
      case 'ticks':
        return { symbol, price, qty: this.qty(), side: this.side(), n };
      case 'trades':
        return { symbol, tradeId: n, price, qty: this.qty(), side: this.side(), n };
      case 'trade':
        return { price, amount: this.qty(), side: this.side(), tradeId: String(n) };
      case 'quotes': {
        const halfSpread = Math.max(this.price * VOLATILITY * this.random(), 10 ** -this.priceDecimals);
        return {
          symbol,
          bid: roundTo(this.price - halfSpread, this.priceDecimals),
          ask: roundTo(this.price + halfSpread, this.priceDecimals),
          bidQty: this.qty(),
          askQty: this.qty(),
          n,
        };
      }
      default:
        return assertNever(this.spec.kind);
    }
  }

  private qty(): number {
    const minQty = 10 ** -this.qtyDecimals;
    return Math.max(roundTo(this.qtyScale * (0.05 + this.random() * 2), this.qtyDecimals), minQty);
  }

  private side(): 'buy' | 'sell' {
    return this.random() < 0.5 ? 'buy' : 'sell';
  }
}
