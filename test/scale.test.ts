import * as v8 from 'v8';
import * as vm from 'vm';
import { ProviderScript } from '../testkit/scripted-provider';
import { startService } from './support/service';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const SESSIONS = 10_000;
const STREAMS = 1_000;

describe('scale', () => {
  it('creates, attaches, configures and closes 10,000 sessions; the heap returns near its baseline', async () => {
    const service = await startService();
    const script = new ProviderScript();
    await service.addProvider('feed', script.factory);
    const baseline = heapAfterGc();
    const started = Date.now();

    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, SESSIONS - i) }, async (_, k) => {
          const id = await service.newSession({ idleAfterMs: 0 });
          await service.attachClient(id);
          await service.configureSession(id, [`feed::s${(i + k) % STREAMS}.trade`]);
          return id;
        }),
      );
      ids.push(...batch);
    }
    const peak = heapAfterGc();
    const stats = await service.stats();
    expect(stats.sessions.length + (stats.sessionsOmitted ?? 0)).toBe(SESSIONS);
    expect(stats.providers[0].streams).toBe(STREAMS);
    expect(stats.router.bindings).toBe(SESSIONS);

    for (let i = 0; i < ids.length; i += 500) await Promise.all(ids.slice(i, i + 500).map((id) => service.closeSession(id)));
    const after = heapAfterGc();
    const elapsed = Date.now() - started;
    const figures = {
      sessions: SESSIONS,
      elapsedMs: elapsed,
      baselineMB: +(baseline / 2 ** 20).toFixed(1),
      peakMB: +(peak / 2 ** 20).toFixed(1),
      perSessionKB: +((peak - baseline) / SESSIONS / 1024).toFixed(2),
      afterMB: +(after / 2 ** 20).toFixed(1),
    };
    process.stdout.write(`scale figures: ${JSON.stringify(figures)}\n`);
    expect((await service.stats()).sessions).toHaveLength(0);
    expect(script.subscribed.size).toBe(0);
    expect(script.callsOf('unsubscribe').flatMap((c) => c.ids)).toHaveLength(STREAMS);
    // Near the baseline: within 10 % of what 10,000 sessions took at their peak.
    expect(after - baseline).toBeLessThan((peak - baseline) * 0.1 + 2 * 2 ** 20);
  }, 120_000);
});
