import type { Side } from '../../common/market';
import type { Identifier } from '../../router/identifier';
import { DerivedWorker, type Derivation, type DerivedWorkerOptions, type Emit } from '../derived-worker';
import type { InputMessage } from '../contract';
import { BarAggregator } from './aggregator';
import { describeBar } from './bar-spec';

export type BarsOptions = DerivedWorkerOptions;

/** One bar stream: its aggregator, fed from normalized trade payloads. */
class BarDerivation implements Derivation {
  constructor(private readonly agg: BarAggregator) {}

  fold(msg: InputMessage, out: Emit): boolean {
    const p = msg.payload as { price?: unknown; amount?: unknown; side?: unknown } | null;
    if (p === null || typeof p !== 'object') return false;
    const { price, amount, side } = p;
    if (typeof price !== 'number' || typeof amount !== 'number' || !(amount >= 0) || !Number.isFinite(price) || !Number.isFinite(amount)) return false;
    const bar = this.agg.add(price, amount, side === 'buy' || side === 'sell' ? (side as Side) : 'unknown', msg.eventTs ?? msg.ts);
    if (bar !== undefined) out(bar, bar.endTs);
    return true;
  }

  closeDue(now: number, graceMs: number, out: Emit): void {
    const bar = this.agg.closeDue(now, graceMs);
    if (bar !== undefined) out(bar, bar.endTs);
  }

  current(): ReturnType<BarAggregator['current']> {
    return this.agg.current();
  }
}

/**
 * The `bars` worker: `bars::<symbol>.bar[venue=<ns>;interval=<n>s|m|h]` (time),
 * `…[venue=…;ticks=N]` and `…[venue=…;volume=X]` from `<ns>::<symbol>.trade`. The stream carries
 * closed bars, each stamped with its `endTs`; the bar in progress is its state.
 */
export class BarsWorker extends DerivedWorker {
  constructor(options: BarsOptions = {}) {
    super('bars', options);
  }

  protected describe(id: Identifier): { input: Identifier; create: () => Derivation } | string {
    const spec = describeBar(id);
    if (typeof spec === 'string') return spec;
    return { input: spec.input, create: () => new BarDerivation(new BarAggregator(spec.cut)) };
  }
}
