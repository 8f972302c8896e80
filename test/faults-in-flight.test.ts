import { EXACT, downNotices, feedService, runRestart, timed } from './support/faults';
import type { FeedService } from './support/faults';

/** The router port's bound while no router is connected (router/port.ts). */
const PORT_BOUND = 65_536;

/**
 * Emits `count` messages while the router is down. nact runs each actor turn in its own
 * setImmediate: the crash runs in the router's next turn and the restart in the manager's turn
 * after that, so an immediate queued right after `crash` resolves lands between the two.
 */
async function emitDuringRouterRestart(s: FeedService, count: number): Promise<void> {
  await s.service.crash('router');
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      for (let i = 0; i < count; i++) s.script.emit('a', i);
      resolve();
    }),
  );
}

describe('messages sent to an actor while it restarts are delivered or counted', () => {
  it('emits while the router restarts wait in its port and arrive in order', async () => {
    const s = await feedService();
    await emitDuringRouterRestart(s, 1_000);
    await s.recorder.waitFor((r) => r.messages.length === 1_000);
    expect(s.recorder.messages.map((m) => m.seq)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect((await s.service.stats()).router).toMatchObject({ restarts: 1, dropped: 0, bindings: 1 });
  });

  it('emits past the port bound are dropped and counted in router.dropped, never lost silently', async () => {
    const s = await feedService();
    const extra = 1_234;
    await emitDuringRouterRestart(s, PORT_BOUND + extra);
    await s.recorder.waitFor((r) => r.messages.length === PORT_BOUND, 10_000);
    const stats = await s.service.stats();
    expect(stats.router).toMatchObject({ restarts: 1, dropped: extra });
    expect(stats.providers[0].msgs).toBe(PORT_BOUND + extra);
    // The oldest waited; the newest were dropped, which the client sees as a seq jump next time.
    expect(s.recorder.messages.at(-1)!.seq).toBe(PORT_BOUND);
    s.script.emit('a', 'after');
    await s.recorder.waitFor((r) => r.messages.length === PORT_BOUND + 1);
    expect(s.recorder.messages.at(-1)!.seq).toBe(PORT_BOUND + extra + 1);
  });

  it('messages routed to a session while it restarts wait in its buffer and arrive once, in order', async () => {
    const s = await feedService();
    for (let round = 1; round <= 3; round++) {
      await s.service.crash({ session: s.session });
      for (let i = 0; i < 100; i++) s.script.emit('a', i);
      // A crash injected before the restart would find no actor to crash.
      while ((await s.service.stats()).sessions[0].restarts < round);
    }
    await s.recorder.waitFor((r) => r.messages.length === 300);
    expect(s.recorder.messages.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect((await s.service.stats()).sessions[0]).toMatchObject({ restarts: 3, dropped: 0, delivered: 300 });
    expect(s.recorder.completed).toBe(false);
  });

  it('requests and new subscribes to a provider in backoff fail at once, well before the call timeout', async () => {
    const s = await feedService({ providerCallTimeoutMs: 60_000 });
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    const request = s.client.request('feed::a', { q: 1 });
    const configure = s.service.configureSession(await s.service.newSession(), ['feed::b']);
    await expect(request).rejects.toMatchObject({ code: expect.any(String), message: expect.stringContaining('restarting') });
    await expect(configure).rejects.toMatchObject({ code: 'STREAM_START_FAILED' });
    expect(await timed(s.service.explain('feed::c'))).toBeLessThan(1_000);
    expect(s.script.callsOf('request')).toEqual([]);
  });

  it('a request queued behind a restarting provider is answered by the new instance', async () => {
    const s = await feedService({ providerCallTimeoutMs: 60_000 });
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    const release = s.script.stallNext('start');
    expect(await runRestart(s)).toBe(EXACT.initialBackoffMs);
    const request = s.client.request('feed::a', 'hello');
    release();
    await expect(request).resolves.toEqual({ id: 'feed::a', echo: 'hello' });
    expect(s.script.callsOf('request').map((c) => c.incarnation)).toEqual([2]);
  });
});
