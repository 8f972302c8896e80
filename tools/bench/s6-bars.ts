import type { Side } from '../../common/market';
import { PayloadGenerator } from '../../providers/synthetic/generator';
import { BarAggregator, type BarCut } from '../../workers/bars/aggregator';
import type { Envelope } from '../../common/envelope';
import type { Provider, ProviderContext } from '../../providers/contract';
import type { Identifier } from '../../router/identifier';
import { BarsWorker } from '../../workers/bars/bars-worker';
import { closedLoop } from './drive';
import { openClient, startBench } from './harness';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { median } from './stats';

/** A delivered trade as the worker sees it: the envelope's event time and the normalized payload. */
interface TradeItem {
  readonly eventTs: number;
  readonly payload: { readonly price: number; readonly amount: number; readonly side: Side | 'unknown'; readonly tradeId: string };
}

/** Seeded synthetic trades, one per millisecond of event time (so 1 s bars hold 1,000 trades). */
function makeTrades(count: number): TradeItem[] {
  const generator = new PayloadGenerator('bench', 'synthetic::btcusdt.trade', { symbol: 'btcusdt', basePrice: 60_000, kind: 'trade', rate: 1000, size: 0 });
  const start = 1_700_000_000_000;
  return Array.from({ length: count }, (_, i) => ({ eventTs: start + i, payload: generator.next() as TradeItem['payload'] }));
}

/** Trades per second through one aggregator, the loop shaped like the worker's batch loop. */
function throughBars(trades: readonly TradeItem[], cut: BarCut): { perSec: number; bars: number } {
  const agg = new BarAggregator(cut);
  let bars = 0;
  const started = performance.now();
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    const p = t.payload;
    if (agg.add(p.price, p.amount, p.side, t.eventTs) !== undefined) bars++;
  }
  return { perSec: trades.length / ((performance.now() - started) / 1000), bars };
}

/** The least any aggregation does: read each trade and add its amount to the current 1 s bucket. */
function throughLoop(trades: readonly TradeItem[]): { perSec: number; bars: number } {
  let bucket = -1;
  let volume = 0;
  let bars = 0;
  const started = performance.now();
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    const b = Math.floor(t.eventTs / 1000);
    if (b !== bucket) {
      if (volume > 0) bars++;
      bucket = b;
      volume = 0;
    }
    volume += t.payload.amount;
  }
  return { perSec: trades.length / ((performance.now() - started) / 1000), bars };
}

const TARGET = 2_000_000;
/** Trades per burst: one bar's worth, since they are 1 ms of event time apart. */
const BURST = 1000;

/** Emits pre-built normalized trades on `feed::btcusdt.trade`, a burst at a time, through the real context. */
class TradeFeed implements Provider {
  private ctx: ProviderContext | undefined;
  private id: Identifier | undefined;
  private next = 0;

  constructor(private readonly trades: readonly TradeItem[]) {}

  start(ctx: ProviderContext): void {
    this.ctx = ctx;
  }
  stop(): void {
    this.ctx = undefined;
  }
  subscribe(ids: readonly Identifier[]): void {
    this.id = ids[0];
  }
  unsubscribe(): void {}

  burst(): void {
    const { ctx, id, trades } = this;
    if (ctx === undefined || id === undefined) return;
    for (let i = 0; i < BURST; i++, this.next++) {
      // Event time runs on past the prepared trades, so every burst closes one bar.
      const t = trades[this.next % trades.length];
      ctx.emit(id, t.payload, 1_700_000_000_000 + this.next);
    }
  }
}

/**
 * Trades/s through the service: context → router → the bars worker's input port → its turn
 * (aggregation) → a bar emitted → router → client; or, for the baseline, the same trades routed
 * to one client. `delivered` counts trades: a bar is worth BURST of them.
 */
async function throughService(trades: readonly TradeItem[], viaBars: boolean, timing: { warmupMs: number; durationMs: number }): Promise<number> {
  const { service } = await startBench(1);
  try {
    const feed = new TradeFeed(trades);
    await service.addProvider('feed', feed);
    await service.addWorker('bars', () => new BarsWorker({ eventTimeOnly: ['feed'] }));
    let delivered = 0;
    const worth = viaBars ? BURST : 1;
    const onEnvelope = (envelope: Envelope): void => {
      if (envelope.type === 'message') delivered += worth;
    };
    await openClient(service, [viaBars ? 'bars::btcusdt.bar[venue=feed;interval=1s]' : 'feed::btcusdt.trade'], onEnvelope);
    const result = await closedLoop({ burst: () => feed.burst(), perBurst: BURST, delivered: () => delivered, window: 3, ...timing });
    return result.deliveriesPerSec;
  } finally {
    await service.stop();
  }
}

/**
 * Scenario 6: the bars worker. Its aggregation alone (trades/s folded into time, tick and volume
 * bars from seeded synthetic trades) against a bare loop that only sums each trade into its
 * bucket; and the whole path through the service (the worker's input port, its turn, the bars
 * routed to a client) against the same trades routed straight to a client.
 */
export async function bars(options: BenchOptions): Promise<ScenarioReport> {
  const count = options.quick ? 200_000 : 2_000_000;
  const reps = options.quick ? 1 : 3;
  const trades = makeTrades(count);
  const cuts: readonly [string, BarCut][] = [
    ['time bars (interval=1s)', { kind: 'time', intervalMs: 1000 }],
    ['tick bars (ticks=100)', { kind: 'ticks', count: 100 }],
    ['volume bars (volume=50)', { kind: 'volume', volume: 50 }],
  ];
  // Warm both loops up so neither pays the compiler in its measured runs.
  throughLoop(trades);
  for (const [, cut] of cuts) throughBars(trades, cut);
  const rows: Row[] = [];
  const details: Record<string, unknown> = { trades: count, reps };
  for (const [label, cut] of cuts) {
    const ours: number[] = [];
    const base: number[] = [];
    let made = 0;
    for (let r = 0; r < reps; r++) {
      const o = throughBars(trades, cut);
      made = o.bars;
      ours.push(o.perSec);
      base.push(throughLoop(trades).perSec);
    }
    const value = median(ours);
    const baseline = median(base);
    rows.push({ label: `${label}: trades/s`, value, unit: '/s', baseline, ratio: ratio(value, baseline), target: '>= 2 M/s', pass: value >= TARGET });
    details[cut.kind] = { bars: made, tessera: ours, loop: base };
  }
  const timing = options.quick ? { warmupMs: 200, durationMs: 500 } : { warmupMs: 500, durationMs: 1500 };
  const ours: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < reps; r++) {
    ours.push(await throughService(trades, true, timing));
    base.push(await throughService(trades, false, timing));
  }
  const value = median(ours);
  const baseline = median(base);
  rows.push({ label: 'through the service into 1 s bars: trades/s', value, unit: '/s', baseline, ratio: ratio(value, baseline), target: '>= 2 M/s', pass: value >= TARGET });
  details.service = { tessera: ours, routedToOneClient: base, burst: BURST, window: 3, ...timing };
  return {
    scenario: 6,
    title: `bars aggregation, ${count.toLocaleString('en')} seeded synthetic trades, one aggregator per cut`,
    baseline: 'aggregator rows: a bare loop that reads each trade and sums its amount into its 1 s bucket; service row: the same trades routed to one client',
    rows,
    details,
  };
}
