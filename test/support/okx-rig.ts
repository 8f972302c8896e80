import { OkxProvider, type OkxOptions } from '../../providers/okx';
import { CaptureContext } from '../../testkit';
import { JumpClock } from './binance-context';
import { FakeOkx, type FakeOkxOptions } from './fake-okx';

/** A provider on a fresh fake OKX, with the context and clock it runs on. */
export interface OkxRig {
  readonly fake: FakeOkx;
  readonly ctx: CaptureContext;
  readonly clock: JumpClock;
  readonly provider: OkxProvider;
}

/** `n` swap tags (`s0-usdt-swap`, …) and the instIds the fake lists for them. */
export function swaps(n: number, from = 0): { tags: string[]; instIds: string[] } {
  const tags = Array.from({ length: n }, (_, i) => `s${from + i}-usdt-swap`);
  return { tags, instIds: tags.map((t) => t.toUpperCase()) };
}

const rigs: OkxRig[] = [];

/** Starts a rig; `stopOkxRigs` (call it in afterEach) tears every rig down and checks it never failed. */
export async function startOkxRig(options: OkxOptions = {}, fakeOptions: FakeOkxOptions = {}): Promise<OkxRig> {
  const fake = await FakeOkx.start(fakeOptions);
  const clock = new JumpClock();
  const ctx = new CaptureContext({ name: 'okx', clock });
  const provider = new OkxProvider({ baseUrl: fake.url, random: () => 0.5, ...options });
  provider.start(ctx);
  const rig = { fake, ctx, clock, provider };
  rigs.push(rig);
  return rig;
}

export async function stopOkxRigs(): Promise<void> {
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
