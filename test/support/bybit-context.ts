import { BybitProvider, type BybitOptions } from '../../providers/bybit';
import { CaptureContext, ManualClock } from '../../testkit';
import { trackRig } from './binance-context';
import { FakeBybit, type FakeBybitOptions } from './fake-bybit';

/** A Bybit provider on a fresh fake venue, with the context and clock it runs on. */
export interface BybitRig {
  readonly fake: FakeBybit;
  readonly ctx: CaptureContext;
  readonly clock: ManualClock;
  readonly provider: BybitProvider;
}

/** Starts a rig; `stopRigs` (call it in afterEach) tears every rig down and checks it never failed. */
export async function startBybitRig(options: BybitOptions = {}, fakeOptions: FakeBybitOptions = {}): Promise<BybitRig> {
  const fake = await FakeBybit.start(fakeOptions);
  const clock = new ManualClock({ realTime: true });
  const ctx = new CaptureContext({ name: 'bybit', clock });
  const provider = new BybitProvider({ baseUrl: fake.url, random: () => 0.5, symbols: ['btcusdt', 'ethusdt', 'solusdt'], ...options });
  provider.start(ctx);
  return trackRig({ fake, ctx, clock, provider });
}
