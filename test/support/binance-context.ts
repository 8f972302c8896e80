import { BinanceProvider, type BinanceOptions } from '../../providers/binance';
import { CaptureContext, ManualClock } from '../../testkit';
import { FakeBinance, type FakeBinanceOptions } from './fake-binance';

/** A CaptureContext named `binance` on a real-time ManualClock (sockets need real time; tests skip hours). */
export function binanceContext(): { ctx: CaptureContext; clock: ManualClock } {
  const clock = new ManualClock({ realTime: true });
  return { ctx: new CaptureContext({ name: 'binance', clock }), clock };
}

/** Polls `predicate` every few ms until it holds; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Most events in any window of `windowMs` over sorted times. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** A provider on a fresh fake exchange, with the context and clock it runs on. */
export interface BinanceRig {
  readonly fake: FakeBinance;
  readonly ctx: CaptureContext;
  readonly clock: ManualClock;
  readonly provider: BinanceProvider;
}

/** What `stopRigs` tears down: a fake venue, a provider on it, its context and clock. */
interface Rig {
  readonly fake: { close(): Promise<void> };
  readonly ctx: CaptureContext;
  readonly clock: ManualClock;
  readonly provider: { stop(): void };
}

const rigs: Rig[] = [];

/** Registers a rig for `stopRigs`. */
export function trackRig<R extends Rig>(rig: R): R {
  rigs.push(rig);
  return rig;
}

/** Starts a rig; `stopRigs` (call it in afterEach) tears every rig down and checks it never failed. */
export async function startRig(options: BinanceOptions = {}, fakeOptions: FakeBinanceOptions = {}): Promise<BinanceRig> {
  const fake = await FakeBinance.start(fakeOptions);
  const { ctx, clock } = binanceContext();
  const provider = new BinanceProvider({ baseUrl: fake.url, random: () => 0.5, ...options });
  provider.start(ctx);
  return trackRig({ fake, ctx, clock, provider });
}

export async function stopRigs(): Promise<void> {
  for (const { fake, ctx, clock, provider } of rigs.splice(0)) {
    provider.stop();
    const timers = ctx.activeTimers;
    ctx.dispose();
    clock.dispose();
    await fake.close();
    expect(ctx.failures).toEqual([]);
    expect(timers).toBe(0);
  }
}
