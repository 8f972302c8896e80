import { EXACT, downNotices, feedService, managerCaughtUp, runRestart } from './support/faults';
import type { FeedService } from './support/faults';

/** Crashes the running instance and returns the delay its restart was armed with. */
async function crashAndRestart(s: FeedService, crash: number): Promise<number> {
  s.script.fail(new Error(`crash ${crash}`));
  await downNotices(s, crash);
  const delay = await runRestart(s);
  await s.recorder.waitFor((r) => r.notices('provider-up').length === crash, 5000, `restart ${crash}`);
  return delay;
}

describe('restart backoff', () => {
  it('doubles from the initial delay and stops at maxBackoffMs', async () => {
    const s = await feedService({ providerRestart: { ...EXACT, maxBackoffMs: 1_000 } });
    const delays = [];
    for (let crash = 1; crash <= 6; crash++) delays.push(await crashAndRestart(s, crash));
    expect(delays).toEqual([200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('puts every restart within ±20 % of its nominal delay, not always at the same point', async () => {
    const policy = { ...EXACT, jitter: 0.2, maxBackoffMs: 6_000, maxRestarts: 20 };
    const s = await feedService({ providerRestart: policy });
    const ratios: number[] = [];
    for (let crash = 1; crash <= 8; crash++) {
      const nominal = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (crash - 1));
      s.script.fail(new Error(`crash ${crash}`));
      await downNotices(s, crash);
      // Nothing restarts before 80 % of the nominal delay.
      s.clock.advance(Math.ceil(nominal * 0.8) - 1);
      await managerCaughtUp(s.service);
      expect(s.script.instances).toHaveLength(crash);
      const delay = Math.ceil(nominal * 0.8) - 1 + (await runRestart(s));
      await s.recorder.waitFor((r) => r.notices('provider-up').length === crash, 5000, `restart ${crash}`);
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.8);
      expect(delay).toBeLessThanOrEqual(Math.min(nominal * 1.2, policy.maxBackoffMs));
      ratios.push(delay / nominal);
    }
    expect(new Set(ratios).size).toBeGreaterThan(1);
  });

  it('starts over at the initial delay after running for a whole window without a crash', async () => {
    const s = await feedService();
    expect(await crashAndRestart(s, 1)).toBe(200);
    expect(await crashAndRestart(s, 2)).toBe(400);
    s.clock.advance(EXACT.withinMs);
    expect(await crashAndRestart(s, 3)).toBe(200);
    expect(await crashAndRestart(s, 4)).toBe(400);
  });

  it('never gives up when crashes are spaced wider than the intensity window', async () => {
    const s = await feedService({ providerRestart: { ...EXACT, maxRestarts: 1 } });
    for (let crash = 1; crash <= 5; crash++) {
      expect(await crashAndRestart(s, crash)).toBe(200);
      s.clock.advance(EXACT.withinMs);
    }
    expect((await s.service.stats()).providers[0]).toMatchObject({ state: 'running', restarts: 5 });
    expect(s.recorder.notices('provider-down').map((n) => n.reason)).toEqual(Array(5).fill('crashed'));
  });
});
