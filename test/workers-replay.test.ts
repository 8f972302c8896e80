import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageEnvelope } from '../common/envelope';
import type { Side } from '../common/market';
import { ReplayProvider } from '../providers/replay';
import { SyntheticProvider } from '../providers/synthetic';
import { PayloadGenerator } from '../providers/synthetic/generator';
import { seededRandom } from '../providers/synthetic/prng';
import { ManualClock } from '../testkit/manual-clock';
import { EnvelopeRecorder } from '../testkit/wait';
import type { DataService } from '../data-service';
import type { Bar } from '../workers/bars/aggregator';
import { BarsWorker } from '../workers/bars/bars-worker';
import { referenceCountBars, referenceTimeBars, type T } from './support/bars-reference';
import { startService } from './support/service';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-bars-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A seeded recording of normalized trades: steps of 0..400 ms with repeats, quiet spells of
 * several seconds (intervals without trades), and runs stamped exactly on second boundaries.
 */
function recording(count: number): { file: string; trades: T[] } {
  const random = seededRandom(20_261_201);
  const generator = new PayloadGenerator('replay-test', 'rec::btcusdt.trade', { symbol: 'btcusdt', basePrice: 60_000, kind: 'trade', rate: 1, size: 0 });
  const trades: T[] = [];
  const lines: string[] = [];
  let ts = 1_700_000_000_000;
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.02) ts += 3_000 + Math.floor(random() * 4_000);
    else if (r < 0.06) ts = Math.ceil((ts + 1) / 1000) * 1000;
    else if (r > 0.3) ts += Math.floor(random() * 400);
    const payload = generator.next() as { price: number; amount: number; side: Side; tradeId: string };
    trades.push({ price: payload.price, amount: payload.amount, side: payload.side, ts });
    lines.push(JSON.stringify({ id: 'rec::btcusdt.trade', ts, eventTs: ts, payload }));
  }
  const file = join(dir, `trades-${count}.ndjson`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, trades };
}

const STREAMS = {
  time: 'bars::bar[interval=1s;venue=tape].btcusdt',
  minute: 'bars::bar[interval=1m;venue=tape].btcusdt',
  ticks: 'bars::bar[ticks=50;venue=tape].btcusdt',
  volume: 'bars::bar[venue=tape;volume=5].btcusdt',
} as const;

async function replayBars(file: string, count: number): Promise<{ bars: Record<keyof typeof STREAMS, MessageEnvelope[]>; state: MessageEnvelope[]; service: DataService }> {
  // On a manual clock the replay plays only as the test advances it: after the session is bound.
  const clock = new ManualClock();
  const service = await startService({ clock });
  await service.addProvider('tape', () => new ReplayProvider({ file, pace: 'fast', chunkSize: 97 }));
  // A replay is not live: its bars close on event time alone.
  await service.addWorker('bars', () => new BarsWorker({ eventTimeOnly: ['tape'] }));
  const session = await service.newSession();
  // A fast replay closes bars far faster than a client reads: room for all of them.
  const recorder = new EnvelopeRecorder((await service.attachClient(session, { outBuffer: 100_000 })).envelopes);
  await service.configureSession(session, Object.values(STREAMS));
  const deadline = Date.now() + 20_000;
  while ((await service.stats()).workers[0].received < count) {
    if (Date.now() > deadline) throw new Error('the replay did not reach the worker');
    clock.advance(1);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // What the worker emitted is in the router's port once it has taken the last trade: a
  // joiner's state comes after it, so waiting for the joiner's state waits for every bar.
  const joiner = await service.newSession();
  const late = new EnvelopeRecorder((await service.attachClient(joiner)).envelopes);
  await service.configureSession(joiner, Object.values(STREAMS));
  // (Counts not a multiple of the tick size leave a bar in progress on every stream.)
  await late.waitFor((r) => r.messages.length === 4, 5000, 'states');
  // Every bar is in the first session's buffer by now; wait for it to be delivered.
  while ((await service.stats()).sessions.find((s) => s.id === session)!.buffered > 0) {
    if (Date.now() > deadline) throw new Error('the bars were not delivered');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const of = (id: string): MessageEnvelope[] => recorder.messages.filter((m) => m.id === id);
  expect(recorder.notices('dropped')).toEqual([]);
  return { bars: { time: of(STREAMS.time), minute: of(STREAMS.minute), ticks: of(STREAMS.ticks), volume: of(STREAMS.volume) }, state: late.messages, service };
}

const payloads = (messages: readonly MessageEnvelope[]): Bar[] => messages.map((m) => m.payload as Bar);

describe('bars from a seeded replay', () => {
  const COUNT = 5_001;

  it('equal bars computed independently from the same trades, every field; the bar in progress is the state', async () => {
    const { file, trades } = recording(COUNT);
    const { bars, state } = await replayBars(file, COUNT);
    const expected = {
      time: referenceTimeBars(trades, 1000),
      minute: referenceTimeBars(trades, 60_000),
      ticks: referenceCountBars(trades, (g) => g.length >= 50),
      volume: referenceCountBars(trades, (g) => g.reduce((v, t) => v + t.amount, 0) >= 5),
    };
    for (const key of Object.keys(STREAMS) as (keyof typeof STREAMS)[]) {
      const closed = expected[key].filter((b) => b.closed);
      expect(payloads(bars[key])).toEqual(closed);
      // Each bar is stamped with its end; seq counts the stream's messages without a hole.
      expect(bars[key].map((m) => m.eventTs)).toEqual(closed.map((b) => b.endTs));
      expect(bars[key].map((m) => m.seq)).toEqual(closed.map((_, i) => i + 1));
      const open = expected[key].find((b) => !b.closed);
      if (open) expect(state.find((m) => m.id === STREAMS[key])).toMatchObject({ state: true, payload: open });
    }
    // Intervals without trades gave no bar: the recording has quiet spells.
    const starts = payloads(bars.time).map((b) => b.startTs);
    expect(starts.some((s, i) => i > 0 && s - starts[i - 1] > 2_000)).toBe(true);
    // Every trade is in exactly one bar.
    const all = [...payloads(bars.time), state.find((m) => m.id === STREAMS.time)!.payload as Bar];
    expect(all.reduce((n, b) => n + b.trades, 0)).toBe(COUNT);
  });

  it('gives the same bars when the same recording is replayed again', async () => {
    const { file } = recording(2_001);
    const first = await replayBars(file, 2_001);
    const second = await replayBars(file, 2_001);
    for (const key of Object.keys(STREAMS) as (keyof typeof STREAMS)[]) {
      expect(second.bars[key].map((m) => [m.eventTs, m.payload])).toEqual(first.bars[key].map((m) => [m.eventTs, m.payload]));
      expect(second.bars[key].length).toBeGreaterThan(0);
    }
  });
});

describe('bars from live synthetic trades', () => {
  it('hold every trade: volume and counts of the bars equal the trades\', bars closing on the grace', async () => {
    const clock = new ManualClock(1_700_000_000_500);
    const service = await startService({ clock });
    await service.addProvider('synthetic', () => new SyntheticProvider({ seed: 3, defaultRate: 2_000, tickMs: 10 }));
    await service.addWorker('bars', () => new BarsWorker({ graceMs: 200, checkEveryMs: 50 }));
    const trades = await service.newSession();
    const tape = new EnvelopeRecorder((await service.attachClient(trades)).envelopes);
    await service.configureSession(trades, ['synthetic::btcusdt.trade']);
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['bars::btcusdt.bar[venue=synthetic;interval=1s]']);
    for (let i = 0; i < 300; i++) {
      clock.advance(10);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // The trades stop; the last bar closes on the grace, with no trade to close it.
    await service.removeProvider('synthetic');
    for (let i = 0; i < 30; i++) {
      clock.advance(50);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await recorder.waitFor((r) => r.messages.reduce((n, m) => n + (m.payload as Bar).trades, 0) === tape.messages.length, 5000, 'every trade in a bar');
    const bars = payloads(recorder.messages);
    const seen = tape.messages;
    expect(bars.length).toBeGreaterThanOrEqual(3);
    expect(bars.every((b) => b.closed && b.endTs - b.startTs === 1000)).toBe(true);
    const volume = seen.reduce((v, m) => v + (m.payload as { amount: number }).amount, 0);
    expect(bars.reduce((v, b) => v + b.volume, 0)).toBeCloseTo(volume, 6);
    expect(bars.reduce((n, b) => n + b.trades, 0)).toBe(seen.length);
  });
});
