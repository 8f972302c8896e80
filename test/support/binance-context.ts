import { repeatWith, type Cancel, type Clock } from '../../common/clock';
import { BinanceProvider, type BinanceOptions } from '../../providers/binance';
import { CaptureContext } from '../../testkit';
import { FakeBinance, type FakeBinanceOptions } from './fake-binance';

/**
 * Real time plus jumps. Timers run on real timers (sockets need real time to make progress), and
 * `jump(ms)` moves the clock forward at once, running every timer that falls due on the way, so a
 * test can reach the 24-hour renewal without waiting a day.
 */
export class JumpClock implements Clock {
  private offset = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; callback: () => void; real: ReturnType<typeof setTimeout> }>();

  now(): number {
    return Date.now() + this.offset;
  }

  setTimeout(callback: () => void, ms: number): Cancel {
    const id = this.nextId++;
    const due = this.now() + Math.max(0, ms);
    this.timers.set(id, { due, callback, real: this.arm(id, due) });
    return () => {
      const timer = this.timers.get(id);
      if (timer) clearTimeout(timer.real);
      this.timers.delete(id);
    };
  }

  setInterval(callback: () => void, ms: number): Cancel {
    return repeatWith((cb, delay) => this.setTimeout(cb, delay), callback, ms);
  }


  /** Moves time forward by `ms`, running due timers in order (including ones they schedule). */
  jump(ms: number): void {
    this.offset += ms;
    for (;;) {
      let next: [number, { due: number }] | undefined;
      for (const entry of this.timers) if (entry[1].due <= this.now() && (!next || entry[1].due < next[1].due)) next = entry;
      if (!next) break;
      this.fire(next[0]);
    }
    // Timers still pending are now closer; re-arm their real timers to match.
    for (const [id, timer] of this.timers) {
      clearTimeout(timer.real);
      timer.real = this.arm(id, timer.due);
    }
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer.real);
    this.timers.clear();
  }

  private arm(id: number, due: number): ReturnType<typeof setTimeout> {
    return setTimeout(() => this.fire(id), Math.max(0, due - this.now()));
  }

  private fire(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    this.timers.delete(id);
    clearTimeout(timer.real);
    timer.callback();
  }
}

/** A CaptureContext named `binance` on a JumpClock. */
export function binanceContext(): { ctx: CaptureContext; clock: JumpClock } {
  const clock = new JumpClock();
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
  readonly clock: JumpClock;
  readonly provider: BinanceProvider;
}

/** What `stopRigs` tears down: a fake venue, a provider on it, its context and clock. */
interface Rig {
  readonly fake: { close(): Promise<void> };
  readonly ctx: CaptureContext;
  readonly clock: JumpClock;
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
