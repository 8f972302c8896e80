import { OkxProvider, type OkxOptions } from '../../providers/okx';
import { CaptureContext, ManualClock } from '../../testkit';
import { trackRig } from './binance-context';
import { FakeOkx, type FakeOkxOptions } from './fake-okx';

/** An OKX provider on a fresh fake venue, with the context and clock it runs on. */
export interface OkxRig {
  readonly fake: FakeOkx;
  readonly ctx: CaptureContext;
  readonly clock: ManualClock;
  readonly provider: OkxProvider;
}

/** `n` swap tags (`s0-usdt-swap`, …) and the instIds the fake lists for them. */
export function swaps(n: number, from = 0): { tags: string[]; instIds: string[] } {
  const tags = Array.from({ length: n }, (_, i) => `s${from + i}-usdt-swap`);
  return { tags, instIds: tags.map((t) => t.toUpperCase()) };
}

/** Starts a rig; `stopRigs` (call it in afterEach) tears every rig down and checks it never failed. */
export async function startOkxRig(options: OkxOptions = {}, fakeOptions: FakeOkxOptions = {}): Promise<OkxRig> {
  const fake = await FakeOkx.start(fakeOptions);
  const clock = new ManualClock({ realTime: true });
  const ctx = new CaptureContext({ name: 'okx', clock });
  const provider = new OkxProvider({ baseUrl: fake.url, random: () => 0.5, ...options });
  provider.start(ctx);
  return trackRig({ fake, ctx, clock, provider });
}
