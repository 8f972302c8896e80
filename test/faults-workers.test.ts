import { tap, type Observable } from 'rxjs';
import type { Envelope, MessageEnvelope } from '../common/envelope';
import type { Identifier } from '../router/identifier';
import { BarsWorker } from '../workers/bars/bars-worker';
import type { InputMessage } from '../workers/contract';
import { DelegatingWorker } from '../testkit/delegating-worker';
import { ContinuityChecker } from '../testkit/continuity';
import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder } from '../testkit/wait';
import { ManualClock } from '../testkit/manual-clock';
import { EXACT } from './support/faults';
import { startService } from './support/service';

// Faults inside a worker: a throw in its input handler, a throw in one of its timers, a call that
// never returns, a handler that hogs the thread. Each is a crash handled like a provider's: the
// worker is restarted with backoff, its streams' sessions get a `gap` before anything after the
// fault, every other stream (its input included) goes on untouched, and no client ever sees an
// `(epoch, seq)` position twice or a loss nobody announced. Then a session joining a derived
// stream while the worker restarts.

const BAR = 'bars::bar[interval=1s;venue=feed].btcusdt';
const TRADE = 'feed::btcusdt.trade';
const trade = (id: number) => ({ price: 100 + (id % 7), amount: 1, side: 'buy' as const, tradeId: String(id) });

/** What the next instance of the worker is to do wrong; each fault fires once. */
interface Plan {
  throwOnTrade?: string;
  timerThrowOnTrade?: string;
  stallSubscribe?: boolean;
  hogOnTrade?: { tradeId: string; ms: number };
}

/** The bars worker with faults on order (a fresh one per restart, one plan for all). */
class FaultyBars extends DelegatingWorker {
  constructor(private readonly plan: Plan) {
    super(new BarsWorker());
  }

  override subscribe(ids: readonly Identifier[]) {
    if (!this.plan.stallSubscribe) return super.subscribe(ids);
    this.plan.stallSubscribe = false;
    return new Promise<void>(() => {});
  }

  override receive(batch: readonly InputMessage[]): void {
    const ids = batch.map((m) => (m.payload as { tradeId?: string }).tradeId);
    if (this.plan.throwOnTrade !== undefined && ids.includes(this.plan.throwOnTrade)) {
      this.plan.throwOnTrade = undefined;
      throw new Error('injected: receive');
    }
    if (this.plan.timerThrowOnTrade !== undefined && ids.includes(this.plan.timerThrowOnTrade)) {
      this.plan.timerThrowOnTrade = undefined;
      this.ctx!.setTimeout(() => {
        throw new Error('injected: timer');
      }, 10);
    }
    const hog = this.plan.hogOnTrade;
    if (hog !== undefined && ids.includes(hog.tradeId)) {
      this.plan.hogOnTrade = undefined;
      const until = Date.now() + hog.ms;
      while (Date.now() < until) {
        // the thread is held: input piles up in the worker's port meanwhile
      }
    }
    super.receive(batch);
  }
}

/** A client of one pattern, checked for continuity as it receives. */
class Watched {
  readonly checker = new ContinuityChecker();
  readonly recorder: EnvelopeRecorder;
  constructor(envelopes: Observable<Envelope>) {
    this.recorder = new EnvelopeRecorder(envelopes.pipe(tap((e) => void this.checker.observe(e))));
  }
  get bars(): MessageEnvelope[] {
    return this.recorder.messages.filter((m) => m.id === BAR && m.state !== true);
  }
}

async function setup(plan: Plan = {}) {
  const clock = new ManualClock();
  const service = await startService({ clock, faultInjection: true, providerRestart: EXACT, providerCallTimeoutMs: 1_000, sessionDefaults: { idleAfterMs: 0 } });
  const script = new ProviderScript();
  await service.addProvider('feed', script.factory);
  await service.addWorker('bars', () => new FaultyBars(plan));
  const watch = async (pattern: string): Promise<Watched> => {
    const session = await service.newSession();
    const w = new Watched((await service.attachClient(session, { outBuffer: 100_000 })).envelopes);
    await service.configureSession(session, [pattern]);
    return w;
  };
  const bars = await watch(BAR);
  const raw = await watch(TRADE);
  let n = 0;
  /** Emits trades one per 250 ms of event time; returns the last trade id. */
  const feed = (count: number): number => {
    for (let i = 0; i < count; i++) script.emit('btcusdt.trade', trade(++n), 1_000 + n * 250);
    return n;
  };
  const worker = async () => (await service.stats()).workers[0];
  return { clock, service, script, plan, bars, raw, feed, worker, watch };
}

type Rig = Awaited<ReturnType<typeof setup>>;

/** Polls an async condition (the service's stats) until it holds. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** After a worker crash: runs restart timers until the worker runs again, its input bound. */
async function restarted(s: Rig, restarts: number): Promise<void> {
  await until(async () => {
    const w = await s.worker();
    if (w.state === 'running' && w.restarts >= restarts && w.inputs === 1) return true;
    if (s.clock.pending > 0) s.clock.advance(EXACT.initialBackoffMs);
    return false;
  }, `restart ${restarts}`);
}

/** The invariants after any worker fault. */
async function checkAfterFault(s: Rig, sent: number, restarts: number): Promise<void> {
  // The input stream is untouched: every trade, in order, no gap.
  await s.raw.recorder.waitFor((r) => r.messages.length === sent, 5_000, 'every trade on the input');
  expect(s.raw.recorder.notices('gap')).toEqual([]);
  expect(s.raw.recorder.messages.map((m) => (m.payload as { tradeId: string }).tradeId)).toEqual(Array.from({ length: sent }, (_, i) => String(i + 1)));
  // The derived stream was told, before anything made after the fault.
  const gaps = s.bars.recorder.notices('gap').filter((g) => g.id === BAR);
  expect(gaps.length).toBeGreaterThanOrEqual(1);
  for (const c of [s.bars.checker, s.raw.checker]) expect([c.ok, c.findings]).toEqual([true, []]);
  const w = await s.worker();
  expect(w).toMatchObject({ state: 'running', restarts });
}

describe('worker faults', () => {
  it('a throw in the input handler restarts the worker; its streams get a gap, its input and other streams do not', async () => {
    const s = await setup({ throwOnTrade: '6' });
    s.feed(8);
    await restarted(s, 1);
    const sent = s.feed(12);
    await s.bars.recorder.waitFor((r) => r.messages.filter((m) => m.id === BAR).length >= 2, 5_000, 'bars after the restart');
    await checkAfterFault(s, sent, 1);
    const order = s.bars.recorder.envelopes.map((e) => (e.type === 'message' ? 'bar' : e.kind));
    expect(order.lastIndexOf('gap')).toBeLessThan(order.lastIndexOf('bar'));
  });

  it('a throw in a worker timer is a crash too, announced the same way', async () => {
    const s = await setup({ timerThrowOnTrade: '3' });
    s.feed(4);
    await until(async () => (await s.worker()).received >= 3, 'trades in');
    s.clock.advance(10);
    await restarted(s, 1);
    const sent = s.feed(12);
    await s.bars.recorder.waitFor((r) => r.messages.filter((m) => m.id === BAR).length >= 2, 5_000, 'bars after the restart');
    await checkAfterFault(s, sent, 1);
  });

  it('a subscribe that never returns times out; the worker is restarted and its streams flow again', async () => {
    const s = await setup();
    s.feed(4);
    s.plan.stallSubscribe = true;
    s.plan.throwOnTrade = '5';
    s.feed(1);
    await restarted(s, 1);
    // The fresh instance's resubscribe stalls: past the call timeout it is restarted once more.
    s.clock.advance(1_000);
    await restarted(s, 2);
    const sent = s.feed(12);
    await s.bars.recorder.waitFor((r) => r.messages.filter((m) => m.id === BAR).length >= 2, 5_000, 'bars after the restarts');
    await checkAfterFault(s, sent, 2);
  });

  it('a handler that holds the thread loses nothing: the input waits in the worker\'s port', async () => {
    const s = await setup({ hogOnTrade: { tradeId: '2', ms: 300 } });
    const sent = s.feed(40);
    await s.raw.recorder.waitFor((r) => r.messages.length === sent, 5_000, 'every trade on the input');
    await until(async () => (await s.worker()).received === sent, 'every trade in the worker');
    // Every trade before the last one's second is in exactly one closed bar.
    const closedTrades = sent - 1;
    const inBars = (): number => s.bars.bars.reduce((n, m) => n + (m.payload as { trades: number }).trades, 0);
    await s.bars.recorder.waitFor(() => inBars() === closedTrades, 5_000, 'the bars');
    expect(s.bars.recorder.notices('gap')).toEqual([]);
    expect(await s.worker()).toMatchObject({ restarts: 0, dropped: 0 });
    expect([s.bars.checker.ok, s.raw.checker.ok]).toEqual([true, true]);
  });
});

describe('stateful join racing a worker restart', () => {
  // A configure that meets the worker restarting is refused (STREAM_START_FAILED) and may be
  // retried; one that got in first gets the state, then the gap. Either way the stream is whole.
  it.each([['the join first'], ['the crash first']])('a session joining while the worker crashes (%s) gets state or a refusal, then the same bars as everyone', async (order) => {
    const s = await setup();
    s.feed(5);
    await until(async () => (await s.worker()).received === 5, 'trades in');
    const session = await s.service.newSession();
    const late = new Watched((await s.service.attachClient(session, { outBuffer: 100_000 })).envelopes);
    const join = (): Promise<boolean> =>
      s.service.configureSession(session, [BAR]).then(
        () => true,
        (error: { code?: string }) => {
          expect(error.code).toBe('STREAM_START_FAILED');
          return false;
        },
      );
    const [joined] = order === 'the join first' ? await Promise.all([join(), s.service.crash({ worker: 'bars' })]) : await Promise.all([s.service.crash({ worker: 'bars' }).then(join)]);
    await restarted(s, 1);
    if (!joined) expect(await join()).toBe(true);
    const sent = s.feed(16);
    await late.recorder.waitFor((r) => r.messages.filter((m) => m.id === BAR && m.state !== true).length >= 3, 5_000, 'bars for the joiner');
    await checkAfterFault(s, sent, 1);
    expect([late.checker.ok, late.checker.findings]).toEqual([true, []]);
    // What the joiner got after its last gap is exactly what the first session got at those positions.
    const lastGap = late.recorder.envelopes.map((e) => e.type === 'notice' && e.kind === 'gap').lastIndexOf(true);
    const after = late.recorder.envelopes.slice(lastGap + 1).filter((e): e is MessageEnvelope => e.type === 'message' && e.id === BAR && e.state !== true);
    const firstByPosition = new Map(s.bars.bars.map((m) => [`${m.epoch}:${m.seq}`, m.payload]));
    expect(after.length).toBeGreaterThanOrEqual(3);
    for (const m of after) expect(firstByPosition.get(`${m.epoch}:${m.seq}`)).toEqual(m.payload);
  });
});
