import type { Side } from '../../common/market';

/** How a bar stream is cut: on event time, on a trade count, or on traded volume. */
export type BarCut =
  | { readonly kind: 'time'; readonly intervalMs: number }
  | { readonly kind: 'ticks'; readonly count: number }
  | { readonly kind: 'volume'; readonly volume: number };

/** The payload of `bars::<symbol>.bar[…]`: closed bars on the stream, the bar in progress as its state. */
export type Bar = {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly buyVolume: number;
  readonly sellVolume: number;
  readonly trades: number;
  readonly vwap: number;
  readonly startTs: number;
  readonly endTs: number;
  readonly closed: boolean;
};

/**
 * Folds trades into OHLCV bars. Pure and allocation-light: the bar in progress is a handful of
 * numbers on this object, and a `Bar` is allocated only when one closes (or is asked for).
 *
 * Time bars are half-open `[startTs, startTs + interval)` aligned to the epoch and cut on the
 * trades' event time: a bar closes when the first trade at or past its end arrives (so trades
 * stamped exactly on a boundary open the next bar), or, for a live source, when `closeDue` finds
 * the service clock a grace past its end. An interval with no trades gives no bar. A trade
 * stamped before the bar in progress (out of order, or after a grace close) cannot reopen a bar
 * already sent: it is folded into the bar in progress, or opens the bar at the last closed end,
 * and is counted in `late`; so no trade's volume is ever lost.
 *
 * Tick bars close on their N-th trade, volume bars on the trade that brings volume to X or more
 * (that trade stays whole); their startTs/endTs are the first and last trade's event time.
 * Within a bar trades are taken in arrival order (open is the first to arrive, close the last).
 */
export class BarAggregator {
  /** Trades that arrived stamped before the bar they were counted in. */
  late = 0;
  private trades = 0;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  private buyVolume = 0;
  private sellVolume = 0;
  private notional = 0;
  private startTs = 0;
  private endTs = 0;
  /** Time bars: the end of the last bar sent; nothing earlier may open a bar. */
  private watermark = -Infinity;

  constructor(readonly cut: BarCut) {}

  /** Folds one trade in; returns the bar it closed, if any (at most one closes per trade). */
  add(price: number, amount: number, side: Side | 'unknown', eventTs: number): Bar | undefined {
    const cut = this.cut;
    if (cut.kind === 'time') {
      const closed = this.trades > 0 && eventTs >= this.endTs ? this.finish() : undefined;
      if (this.trades === 0) {
        const from = eventTs < this.watermark ? this.watermark : eventTs;
        this.startTs = Math.floor(from / cut.intervalMs) * cut.intervalMs;
        this.endTs = this.startTs + cut.intervalMs;
      }
      if (eventTs < this.startTs) this.late++;
      this.fold(price, amount, side);
      return closed;
    }
    if (this.trades === 0) this.startTs = eventTs;
    this.endTs = eventTs;
    this.fold(price, amount, side);
    if (cut.kind === 'ticks' ? this.trades >= cut.count : this.volume >= cut.volume) return this.finish();
    return undefined;
  }

  /** Live sources only: closes a time bar once `now` is `graceMs` past its end with no trade to close it. */
  closeDue(now: number, graceMs: number): Bar | undefined {
    if (this.cut.kind !== 'time' || this.trades === 0 || now < this.endTs + graceMs) return undefined;
    return this.finish();
  }

  /** When a live time bar in progress would be closed by `closeDue` (undefined: none pending). */
  dueAt(graceMs: number): number | undefined {
    return this.cut.kind === 'time' && this.trades > 0 ? this.endTs + graceMs : undefined;
  }

  /** The bar in progress (`closed: false`), or undefined between bars. */
  current(): Bar | undefined {
    return this.trades > 0 ? this.snapshot(false) : undefined;
  }

  private fold(price: number, amount: number, side: Side | 'unknown'): void {
    if (this.trades === 0) {
      this.open = price;
      this.high = price;
      this.low = price;
    } else {
      if (price > this.high) this.high = price;
      if (price < this.low) this.low = price;
    }
    this.close = price;
    this.trades++;
    this.volume += amount;
    this.notional += price * amount;
    if (side === 'buy') this.buyVolume += amount;
    else if (side === 'sell') this.sellVolume += amount;
  }

  private finish(): Bar {
    const bar = this.snapshot(true);
    if (this.cut.kind === 'time') this.watermark = this.endTs;
    this.trades = 0;
    this.volume = 0;
    this.buyVolume = 0;
    this.sellVolume = 0;
    this.notional = 0;
    return bar;
  }

  private snapshot(closed: boolean): Bar {
    return {
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      buyVolume: this.buyVolume,
      sellVolume: this.sellVolume,
      trades: this.trades,
      vwap: this.volume > 0 ? this.notional / this.volume : this.close,
      startTs: this.startTs,
      endTs: this.endTs,
      closed,
    };
  }
}
