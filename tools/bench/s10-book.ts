import type { BookPayload, Level } from '../../common/market';
import { BookKeeper, type BookKeeperHost } from '../../providers/exchange/book/book-keeper';
import { okxChecksum } from '../../providers/exchange/book/okx-checksum';
import { OrderBook } from '../../providers/exchange/book/order-book';
import { zeroBookCounters } from '../../providers/exchange/book/resync';
import { BinanceSequencer, OkxSequencer } from '../../providers/exchange/book/sequencers';
import { TrueBook, type TextLevel } from '../../testkit/true-book';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { median } from './stats';

/** Levels per side the generated book starts with (it wanders between half and twice that): Binance's REST snapshot holds up to 1000. */
const DEPTH = 1000;

interface Delta {
  readonly bids: TextLevel[];
  readonly asks: TextLevel[];
  readonly U: number;
  readonly u: number;
  readonly pu: number;
}

interface Feed {
  readonly snapshot: { bids: TextLevel[]; asks: TextLevel[] };
  readonly deltas: Delta[];
  readonly levels: number;
}

/** A seeded book and `count` deltas on it, with Binance-style ids (the venue parse is not measured). */
function makeFeed(count: number): Feed {
  const book = new TrueBook({ seed: 42, depth: DEPTH });
  const snapshot = book.snapshot();
  const deltas: Delta[] = [];
  let u = 1000;
  let levels = 0;
  for (let i = 0; i < count; i++) {
    const change = book.step();
    levels += change.bids.length + change.asks.length;
    deltas.push({ ...change, U: u + 1, u: u + 1, pu: u });
    u++;
  }
  // Laid out in the order it is replayed, as deltas fresh from the venue's JSON are: generated
  // in place they sit scattered among the generator's own objects, and most of the keeper's time
  // went to cache misses reading them (the keeper ran at about half the rate it does on this).
  const laidOut = JSON.parse(JSON.stringify({ snapshot, deltas })) as Pick<Feed, 'snapshot' | 'deltas'>;
  return { ...laidOut, levels };
}

interface Run {
  readonly changesPerSec: number;
  readonly levelsPerSec: number;
}

/** Tessera's keeper: sequence check, parse, B+tree update, crossed check, change payload per delta. */
function runKeeper(feed: Feed, okx: boolean, passes: number): Run {
  let emitted = 0;
  let levels = 0;
  let seconds = 0;
  const host: BookKeeperHost = {
    emit: (payload: BookPayload) => {
      emitted++;
      levels += payload.bids.length + payload.asks.length;
    },
    gap: (reason) => {
      throw new Error(`bench book broke: ${reason}`);
    },
    requestSnapshot: () => undefined,
    now: () => 0,
    setTimeout: () => () => undefined,
  };
  const deltas = feed.deltas;
  for (let pass = 0; pass < passes; pass++) {
    const counters = zeroBookCounters();
    const keeper = new BookKeeper(host, okx ? { sequencer: new OkxSequencer(), counters, checksum: okxChecksum } : { sequencer: new BinanceSequencer(), counters });
    keeper.start();
    keeper.snapshot(feed.snapshot.bids, feed.snapshot.asks, 1000, NaN, 0, 0, okx ? undefined : 0);
    const started = process.cpuUsage();
    for (let i = 0; i < deltas.length; i++) {
      const d = deltas[i];
      // OKX: seqId = u, prevSeqId = pu; the checksum is left at 0 here and measured apart below.
      if (okx) keeper.delta(d.bids, d.asks, d.u, d.u, d.pu, NaN, 0, 0);
      else keeper.delta(d.bids, d.asks, d.U, d.u, d.pu, NaN, 0, 0);
    }
    seconds += cpuSeconds(started);
  }
  if (emitted < deltas.length * passes * 0.9) throw new Error(`only ${emitted} of ${deltas.length * passes} changes emitted`);
  return { changesPerSec: emitted / seconds, levelsPerSec: levels / seconds };
}

/** OKX's per-message work on top: the CRC-32 over the best 25 levels a side. */
function runChecksum(feed: Feed, rounds: number): number {
  const book = new OrderBook(true);
  if (book.load(feed.snapshot.bids, feed.snapshot.asks) !== undefined) throw new Error('bench snapshot refused');
  let sink = 0;
  const started = process.cpuUsage();
  for (let i = 0; i < rounds; i++) sink ^= okxChecksum(book);
  const seconds = cpuSeconds(started);
  return sink === 0.5 ? 0 : rounds / seconds;
}

/**
 * The baseline: what a plain implementation does, per side a sorted array of [price, amount]
 * found by binary search and changed by splice, emitting the same change lists.
 */
function runSortedArray(feed: Feed, passes: number): Run {
  let emitted = 0;
  let levels = 0;
  let seconds = 0;
  for (let pass = 0; pass < passes; pass++) {
    const r = sortedArrayPass(feed);
    emitted += r.emitted;
    levels += r.levels;
    seconds += r.seconds;
  }
  return { changesPerSec: emitted / seconds, levelsPerSec: levels / seconds };
}

function sortedArrayPass(feed: Feed): { emitted: number; levels: number; seconds: number } {
  const bids: [number, number][] = feed.snapshot.bids.map(([p, a]) => [Number(p), Number(a)]);
  const asks: [number, number][] = feed.snapshot.asks.map(([p, a]) => [Number(p), Number(a)]);
  let emitted = 0;
  let levels = 0;
  let last = 1000;
  const apply = (side: [number, number][], raw: TextLevel[], desc: boolean, out: Level[]): void => {
    for (const [p, a] of raw) {
      const price = Number(p);
      const amount = Number(a);
      if (!(price > 0) || !(amount >= 0)) throw new Error('bad level');
      let lo = 0;
      let hi = side.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (desc ? side[mid][0] > price : side[mid][0] < price) lo = mid + 1;
        else hi = mid;
      }
      const hit = lo < side.length && side[lo][0] === price;
      if (amount === 0) {
        if (!hit) continue;
        side.splice(lo, 1);
      } else if (hit) {
        if (side[lo][1] === amount) continue;
        side[lo][1] = amount;
      } else side.splice(lo, 0, [price, amount]);
      out.push([price, amount]);
    }
  };
  const started = process.cpuUsage();
  for (const d of feed.deltas) {
    if (d.pu !== last) throw new Error('sequence');
    last = d.u;
    const outBids: Level[] = [];
    const outAsks: Level[] = [];
    apply(bids, d.bids, true, outBids);
    apply(asks, d.asks, false, outAsks);
    if (bids.length > 0 && asks.length > 0 && bids[0][0] >= asks[0][0]) throw new Error('crossed');
    if (outBids.length + outAsks.length > 0) {
      const payload: BookPayload = { type: 'change', bids: outBids, asks: outAsks };
      emitted++;
      levels += payload.bids.length + payload.asks.length;
    }
  }
  return { emitted, levels, seconds: cpuSeconds(started) };
}

/**
 * Scenario 10: book maintenance on one core. A seeded book of ~2×1000 levels and its deltas
 * (1–4 levels each, in venue text) go through a BookKeeper: sequence check, parse, B+tree
 * update, crossed check, one `change` payload per delta. Beside it the same work on sorted arrays.
 * Rates are per CPU second of this process, so other load on the machine does not skew them.
 */
export async function book(options: BenchOptions): Promise<ScenarioReport> {
  // A feed of `count` deltas replayed `passes` times from its snapshot: a longer feed kept in
  // memory would make the collector's marking of it, not the book, the measure.
  const count = 50_000;
  const passes = options.quick ? 2 : 6;
  const reps = options.quick ? 1 : 3;
  const feed = makeFeed(count);
  const ours: Run[] = [];
  const base: Run[] = [];
  const okx: Run[] = [];
  // Warm both paths up once so the JIT has compiled them before anything is timed.
  runKeeper(feed, false, 1);
  runSortedArray(feed, 1);
  runKeeper(feed, true, 1);
  const settle = (): void => (globalThis as { gc?: () => void }).gc?.();
  for (let r = 0; r < reps; r++) {
    settle();
    ours.push(runKeeper(feed, false, passes));
    settle();
    base.push(runSortedArray(feed, passes));
    settle();
    okx.push(runKeeper(feed, true, passes));
  }
  settle();
  const checksums = runChecksum(feed, options.quick ? 50_000 : 200_000);
  const o = median(ours.map((r) => r.changesPerSec));
  const b = median(base.map((r) => r.changesPerSec));
  const ol = median(ours.map((r) => r.levelsPerSec));
  const bl = median(base.map((r) => r.levelsPerSec));
  const rows: Row[] = [
    { label: 'changes applied and emitted/s (Binance rules)', value: o, unit: '/s', baseline: b, ratio: ratio(o, b), target: '>= 500 k/s', pass: o >= 500_000 },
    { label: 'levels changed/s', value: ol, unit: '/s', baseline: bl, ratio: ratio(ol, bl) },
    { label: 'changes/s, OKX rules (no checksum)', value: median(okx.map((r) => r.changesPerSec)), unit: '/s' },
    { label: 'OKX checksums (25 levels a side)/s', value: checksums, unit: '/s' },
  ];
  return {
    scenario: 10,
    title: `book maintenance, one core (${count} deltas × ${passes}, ${(feed.levels / count).toFixed(1)} levels each, ~${DEPTH * 2} levels in the book)`,
    baseline: 'the same deltas applied to per-side sorted arrays (binary search + splice), same change payloads',
    rows,
    details: { count, passes, depth: DEPTH, reps, ours, base, okx, checksums },
  };
}

/** CPU time this process got since `from`: the figure for "one core" on a shared machine. */
function cpuSeconds(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
}
