import { Identifier } from '../router/identifier';
import { waitUntil } from '../testkit/wait';
import { EXACT, downNotices, feedService, managerCaughtUp, providerHosts, runRestart } from './support/faults';

describe('a supervision decision that arrives after its child is gone does no harm', () => {
  it('a provider crashed and removed in the same turn is not restarted', async () => {
    const s = await feedService();
    await Promise.all([s.service.crash({ provider: 'feed' }), s.service.removeProvider('feed')]);
    await managerCaughtUp(s.service);
    s.clock.advance(EXACT.maxBackoffMs * 10);
    await managerCaughtUp(s.service);
    expect(s.script.instances).toHaveLength(1);
    expect(s.script.callsOf('stop').map((c) => c.incarnation)).toEqual([1]);
    expect(providerHosts(s.service)).toEqual([]);
    expect(s.clock.pending).toBe(0);
    expect((await s.service.stats()).providers).toEqual([]);
  });

  it('a session crashed and closed at once is closed for good', async () => {
    const s = await feedService();
    await Promise.all([s.service.crash({ session: s.session }), s.service.closeSession(s.session)]);
    await s.recorder.waitFor((r) => r.completed, 5000, 'the client completed');
    await managerCaughtUp(s.service);
    expect(s.recorder.notices('session-closed')).toEqual([expect.objectContaining({ reason: 'closed' })]);
    expect((await s.service.stats()).sessions).toEqual([]);
    expect((await s.service.stats()).router.bindings).toBe(0);
  });

  it('a router crashed twice in a row comes back with its table', async () => {
    const s = await feedService();
    await Promise.all([s.service.crash('router'), s.service.crash('router')]);
    await s.service.crash('router');
    s.script.emit('a', 'after');
    await s.recorder.waitFor((r) => r.messages.length === 1);
    const router = (await s.service.stats()).router;
    expect(router).toMatchObject({ bindings: 1, dropped: 0 });
    expect(router.restarts).toBeGreaterThanOrEqual(2);
  });
});

describe('a new incarnation never sees an old one', () => {
  it('after a restart the old instance is inert: its emits, reports, timers and failures are ignored', async () => {
    const s = await feedService();
    const old = s.script.current!;
    const ctx = old.context!;
    let fired = 0;
    ctx.setTimeout(() => fired++, 1_000);
    ctx.setInterval(() => fired++, 100);
    expect(s.clock.pending).toBe(2);
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    // Only the restart timer is left: the old instance's timers died with it.
    expect(s.clock.pending).toBe(1);
    await runRestart(s);
    await s.recorder.waitFor((r) => r.notices('provider-up').length === 1);

    const msgs = (await s.service.stats()).providers[0].msgs;
    ctx.emit('a', 'from the past');
    ctx.streamDown(Identifier.of('feed', { a: {} }), 'stale');
    ctx.providerDown('stale');
    ctx.fail(new Error('stale failure'));
    const cancel = ctx.setTimeout(() => fired++, 10);
    expect(s.clock.pending).toBe(0);
    cancel();
    s.clock.advance(10_000);
    s.script.emit('a', 'now');
    await s.recorder.waitFor((r) => r.messages.length === 1);
    await managerCaughtUp(s.service);

    expect(fired).toBe(0);
    expect(s.recorder.messages.map((m) => [m.payload, m.seq])).toEqual([['now', 1]]);
    expect(s.recorder.envelopes.filter((e) => e.type === 'notice').map((e) => e.type === 'notice' && e.kind)).toEqual(['provider-down', 'gap', 'provider-up']);
    expect((await s.service.stats()).providers[0]).toMatchObject({ state: 'running', restarts: 1, msgs: msgs + 1 });
  });

  it('a subscribe answered late by the old instance does not reach the new one', async () => {
    const s = await feedService();
    const release = s.script.stallNext('subscribe');
    const other = await s.service.newSession();
    const configure = s.service.configureSession(other, ['feed::b']);
    await waitUntil(() => s.script.callsOf('subscribe').length === 2, 5000, 'the stalled subscribe');
    s.script.fail(new Error('crash'));
    await expect(configure).rejects.toMatchObject({ code: 'STREAM_START_FAILED' });
    await downNotices(s, 1);
    await runRestart(s);
    await s.recorder.waitFor((r) => r.notices('provider-up').length === 1);

    release();
    await managerCaughtUp(s.service);
    const stats = await s.service.stats();
    expect(stats.providers[0]).toMatchObject({ state: 'running', streams: 1 });
    expect((await s.service.explain('feed::b')).flowing).toEqual([]);
    expect([...s.script.subscribed]).toEqual(['feed::a']);
    // The new instance is asked for b only when someone wants it again.
    await s.service.configureSession(other, ['feed::b']);
    expect(s.script.callsOf('subscribe').filter((c) => c.incarnation === 2).map((c) => c.ids)).toEqual([['feed::a'], ['feed::b']]);
  });
});
