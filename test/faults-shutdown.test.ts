import { SyntheticProvider } from '../providers/synthetic';
import { ManualClock } from '../testkit';
import { EnvelopeRecorder, waitUntil } from '../testkit/wait';
import { liveActors, nactSystem } from './support/faults';
import { startService } from './support/service';

/**
 * Tracks timers started with the global setTimeout (call and ask timeouts are unref'd, so
 * process.getActiveResourcesInfo() does not show them).
 */
function censusOfGlobalTimers() {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const set = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = realSet(() => {
      live.delete(handle);
      callback(...args);
    }, ms);
    live.add(handle);
    return handle;
  };
  globalThis.setTimeout = set as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    live.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout;
  return {
    live,
    restore: () => {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Kinds of handles (Timeout, Immediate, TCP…) more numerous now than `before` (jest's own come and go). */
function resourcesAbove(before: Record<string, number>): string[] {
  return Object.entries(resourceCounts())
    .filter(([kind, count]) => count > (before[kind] ?? 0))
    .map(([kind, count]) => `${kind}: ${count} > ${before[kind] ?? 0}`);
}

const STREAMS = ['btcusdt', 'ethusdt', 'solusdt'].map((s) => `synthetic::${s}.ticks[rate=20000]`);

async function underLoad(options: { initialBackoffMs: number }) {
  // Real time; `pending` counts the timers started through it that have neither run nor been cleared.
  const clock = new ManualClock({ realTime: true });
  const service = await startService({ clock, faultInjection: true, providerRestart: options, providerCallTimeoutMs: 2_000 });
  const providers: SyntheticProvider[] = [];
  await service.addProvider('synthetic', () => {
    const provider = new SyntheticProvider();
    providers.push(provider);
    return provider;
  });
  const readers: EnvelopeRecorder[] = [];
  for (let i = 0; i < 4; i++) {
    const session = await service.newSession();
    const client = await service.attachClient(session, { outBuffer: 1_000, overflow: i % 2 ? 'drop-oldest' : 'conflate' });
    readers.push(new EnvelopeRecorder(client.envelopes));
    await service.configureSession(session, i === 0 ? ['synthetic::ticks[*].*'] : [STREAMS[i % 3]]);
  }
  const slow = await service.newSession();
  (await service.attachClient(slow, { outBuffer: 10 })).pause();
  await service.configureSession(slow, STREAMS);
  // A detached session with its idle timer armed.
  await service.configureSession(await service.newSession({ idleAfterMs: 60_000 }), STREAMS);
  await waitUntil(() => readers.every((r) => r.messages.length >= 500), 10_000, 'messages flowing to every reader');
  return { clock, service, providers, readers, system: nactSystem(service) };
}

async function expectNothingLeft(s: Awaited<ReturnType<typeof underLoad>>, before: Record<string, number>, census: ReturnType<typeof censusOfGlobalTimers>) {
  // nact runs each stopped actor's afterStop in an immediate.
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(s.clock.pending).toBe(0);
  expect(census.live.size).toBe(0);
  // Timers and immediates of the service are counted exactly above; other handles (jest's own
  // among them) may take a moment to go on a loaded machine, so give them a second.
  await waitUntil(() => resourcesAbove(before).length === 0, 1_000, 'handles to close').catch(() => undefined);
  expect(resourcesAbove(before)).toEqual([]);
  expect(liveActors(s.system)).toEqual([]);
  expect(nactSystem(s.service)).toBeUndefined();
  for (const provider of s.providers) expect(provider.subscribed).toEqual([]);
  expect(s.readers.every((r) => r.completed)).toBe(true);
}

describe('shutdown under load leaves no actor, timer or handle alive', () => {
  let census: ReturnType<typeof censusOfGlobalTimers>;
  beforeEach(() => (census = censusOfGlobalTimers()));
  afterEach(() => census.restore());

  it('stop() while a synthetic provider floods several sessions', async () => {
    const before = resourceCounts();
    const s = await underLoad({ initialBackoffMs: 200 });
    await s.service.stop();
    await expectNothingLeft(s, before, census);
  });

  it('stop() with a provider in backoff and the router restarting', async () => {
    const before = resourceCounts();
    const s = await underLoad({ initialBackoffMs: 5_000 });
    await s.service.crash({ provider: 'synthetic' });
    await waitUntil(() => s.clock.pending > 0, 5_000, 'the restart timer');
    await s.service.crash('router');
    await s.service.stop();
    expect(s.providers).toHaveLength(1);
    await expectNothingLeft(s, before, census);
  });
});
