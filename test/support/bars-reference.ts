import type { Side } from '../../common/market';
import type { Bar } from '../../workers/bars/aggregator';

/** A trade as the bar tests write it. */
export interface T {
  readonly price: number;
  readonly amount: number;
  readonly side: Side | 'unknown';
  readonly ts: number;
}

/** An independent reference: group first, then summarise each group (same float order as trades arrive). */
export function summarise(group: readonly T[], startTs: number, endTs: number, closed: boolean): Bar {
  let volume = 0;
  let buyVolume = 0;
  let sellVolume = 0;
  let notional = 0;
  for (const t of group) {
    volume += t.amount;
    notional += t.price * t.amount;
    if (t.side === 'buy') buyVolume += t.amount;
    if (t.side === 'sell') sellVolume += t.amount;
  }
  const prices = group.map((t) => t.price);
  return {
    open: prices[0],
    high: Math.max(...prices),
    low: Math.min(...prices),
    close: prices[prices.length - 1],
    volume,
    buyVolume,
    sellVolume,
    trades: group.length,
    vwap: volume > 0 ? notional / volume : prices[prices.length - 1],
    startTs,
    endTs,
    closed,
  };
}

export function referenceTimeBars(trades: readonly T[], intervalMs: number): Bar[] {
  const groups = new Map<number, T[]>();
  for (const t of trades) {
    const start = Math.floor(t.ts / intervalMs) * intervalMs;
    groups.set(start, [...(groups.get(start) ?? []), t]);
  }
  const starts = [...groups.keys()];
  return starts.map((start, i) => summarise(groups.get(start)!, start, start + intervalMs, i < starts.length - 1));
}

export function referenceCountBars(trades: readonly T[], full: (group: readonly T[]) => boolean): Bar[] {
  const bars: Bar[] = [];
  let group: T[] = [];
  for (const t of trades) {
    group.push(t);
    if (full(group)) {
      bars.push(summarise(group, group[0].ts, t.ts, true));
      group = [];
    }
  }
  if (group.length > 0) bars.push(summarise(group, group[0].ts, group[group.length - 1].ts, false));
  return bars;
}
