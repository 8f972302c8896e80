import type { Identifier } from '../../router/identifier';
import { readDerivedId, readDuration, readPositive } from '../derived-id';
import type { BarCut } from './aggregator';

/** A bar stream, checked: the trade stream it reads and how it cuts. */
export interface BarSpec {
  readonly input: Identifier;
  readonly cut: BarCut;
}

const MAX_INTERVAL_MS = 86_400_000;
const MAX_TICKS = 1_000_000;

/**
 * Reads `bars::<symbol>.bar[venue=<ns>;interval=<n>s|m|h]`, `…[venue=…;ticks=N]` or
 * `…[venue=…;volume=X]`; returns the reason when `id` is none of them.
 */
export function describeBar(id: Identifier): BarSpec | string {
  const derived = readDerivedId(id, 'bar', 'trade');
  if (typeof derived === 'string') return derived;
  const { params, input } = derived;
  const keys = [...params.keys()];
  if (keys.length !== 1 || !['interval', 'ticks', 'volume'].includes(keys[0])) {
    return `"bar" takes venue and exactly one of interval, ticks, volume; got ${keys.length === 0 ? 'none' : keys.join(', ')}`;
  }
  const text = params.get(keys[0])!;
  switch (keys[0]) {
    case 'interval': {
      const ms = readDuration(text, ['s', 'm', 'h'], MAX_INTERVAL_MS);
      return typeof ms === 'string' ? `interval ${ms}` : { input, cut: { kind: 'time', intervalMs: ms } };
    }
    case 'ticks': {
      const n = readPositive('ticks', text, true, MAX_TICKS);
      return typeof n === 'string' ? n : { input, cut: { kind: 'ticks', count: n } };
    }
    default: {
      const x = readPositive('volume', text, false, Number.MAX_VALUE);
      return typeof x === 'string' ? x : { input, cut: { kind: 'volume', volume: x } };
    }
  }
}
