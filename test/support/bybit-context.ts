import { BybitProvider, type BybitOptions } from '../../providers/bybit';
import { CaptureContext } from '../../testkit';
import { JumpClock } from './binance-context';
import { FakeBybit, type FakeBybitOptions } from './fake-bybit';

/** A Bybit provider on a fresh fake venue, with the context and clock it runs on. */
export interface BybitRig {
  readonly fake: FakeBybit;
  readonly ctx: CaptureContext;
  readonly clock: JumpClock;
  readonly provider: BybitProvider;
}

const rigs: BybitRig[] = [];

/** Starts a rig; `stopBybitRigs` (call it in afterEach) tears every rig down and checks it never failed. */
export async function startBybitRig(options: BybitOptions = {}, fakeOptions: FakeBybitOptions = {}): Promise<BybitRig> {
  const fake = await FakeBybit.start(fakeOptions);
  const clock = new JumpClock();
  const ctx = new CaptureContext({ name: 'bybit', clock });
  const provider = new BybitProvider({ baseUrl: fake.url, random: () => 0.5, symbols: ['btcusdt', 'ethusdt', 'solusdt'], ...options });
  provider.start(ctx);
  const rig = { fake, ctx, clock, provider };
  rigs.push(rig);
  return rig;
}

export async function stopBybitRigs(): Promise<void> {
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
