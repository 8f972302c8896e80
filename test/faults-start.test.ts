import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder, waitUntil } from '../testkit/wait';
import { ManualClock } from '../testkit';
import { EXACT, downNotices, feedService, managerCaughtUp, providerHosts, runRestart } from './support/faults';
import { startService } from './support/service';

describe('a provider that fails while starting (addProvider rejects, nothing is left behind)', () => {
  const starts: [string, (script: ProviderScript) => void][] = [
    ['throws', (script) => script.failNext('start', 'throw', new Error('no upstream'))],
    ['rejects', (script) => script.failNext('start', 'reject', new Error('no upstream'))],
  ];

  it.each(starts)('whose start %s is refused with PROVIDER_START_FAILED and leaves nothing behind', async (_, fault) => {
    const clock = new ManualClock();
    const service = await startService({ clock, faultInjection: true, providerRestart: EXACT });
    const broken = new ProviderScript();
    fault(broken);
    const error = await service.addProvider('feed', broken.factory).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_START_FAILED', message: expect.stringContaining('no upstream') });
    expect((error as Error).cause).toMatchObject({ message: 'no upstream' });

    await managerCaughtUp(service);
    expect((await service.stats()).providers).toEqual([]);
    expect(providerHosts(service)).toEqual([]);
    expect(clock.pending).toBe(0);
    // The failed instance was stopped, so whatever its start opened is released.
    expect(broken.callsOf('stop').map((c) => c.incarnation)).toEqual([1]);
    clock.advance(EXACT.maxBackoffMs * 10);
    expect(broken.instances).toHaveLength(1);

    // The name is free again.
    const working = new ProviderScript();
    await service.addProvider('feed', working.factory);
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['feed::a']);
    working.emit('a', 'ok');
    await recorder.waitFor((r) => r.messages.length === 1);
    expect(providerHosts(service)).toHaveLength(1);
  });

  it('a start that calls ctx.fail is refused the same way', async () => {
    const service = await startService({ faultInjection: true });
    const script = new ProviderScript();
    const release = script.stallNext('start');
    const adding = service.addProvider('feed', script.factory);
    await waitUntil(() => script.callsOf('start').length === 1, 5000, 'start');
    script.fail(new Error('handshake refused'));
    await expect(adding).rejects.toMatchObject({ code: 'PROVIDER_START_FAILED', message: expect.stringContaining('handshake refused') });
    release();
    await managerCaughtUp(service);
    expect(providerHosts(service)).toEqual([]);
    await expect(service.addProvider('feed', new ProviderScript().factory)).resolves.toBeUndefined();
  });
});

describe('a provider that fails while restarting', () => {
  it('counts a failing start as another crash: the backoff goes on and it gives up past the intensity', async () => {
    const s = await feedService({ providerRestart: { ...EXACT, maxRestarts: 3 } });
    s.script.fail(new Error('crash 1'));
    for (let n = 0; n < 3; n++) s.script.failNext('start', n % 2 ? 'reject' : 'throw', new Error(`start ${n + 1} failed`));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await downNotices(s, attempt);
      delays.push(await runRestart(s));
    }
    await s.recorder.waitFor((r) => r.notices('provider-down').some((n) => n.reason === 'gave-up'), 5000, 'gave-up');
    expect(delays).toEqual([200, 400, 800]);
    expect(s.recorder.notices('provider-down').map((n) => n.reason)).toEqual(['crashed', 'crashed', 'crashed', 'gave-up']);
    expect(s.recorder.notices('provider-up')).toEqual([]);
    expect((await s.service.stats()).providers[0]).toMatchObject({ state: 'failed', restarts: 0 });
    expect(s.clock.pending).toBe(0);
    expect(providerHosts(s.service)).toEqual([]);
    // Every incarnation whose start failed was stopped.
    expect(s.script.callsOf('stop').map((c) => c.incarnation)).toEqual([1, 2, 3, 4]);
  });

  it('recovers when a later start succeeds, resubscribing the wanted set', async () => {
    const s = await feedService({}, ['feed::a', 'feed::b']);
    s.script.failNext('start');
    s.script.failNext('start', 'reject');
    s.script.fail(new Error('crash'));
    const delays = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await downNotices(s, attempt);
      delays.push(await runRestart(s));
    }
    await s.recorder.waitFor((r) => r.notices('provider-up').length === 1, 5000, 'provider-up');
    expect(delays).toEqual([200, 400, 800]);
    expect(s.script.callsOf('subscribe').filter((c) => c.incarnation === 4).map((c) => c.ids)).toEqual([['feed::a', 'feed::b']]);
    expect((await s.service.stats()).providers[0]).toMatchObject({ state: 'running', restarts: 1, streams: 2 });
    s.script.emit('b', 'back');
    await s.recorder.waitFor((r) => r.messages.length === 1);
  });

  it('counts a factory that throws as a failing start, never leaving the provider stuck', async () => {
    const clock = new ManualClock();
    const service = await startService({ clock, faultInjection: true, providerRestart: { ...EXACT, maxRestarts: 2 } });
    const script = new ProviderScript();
    let refuse = 0;
    await service.addProvider('feed', () => {
      if (refuse-- > 0) throw new Error('no credentials');
      return script.factory();
    });
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['feed::a']);

    refuse = 1;
    script.fail(new Error('crash'));
    await recorder.waitFor((r) => r.notices('provider-down').length === 1);
    clock.advance(200);
    await recorder.waitFor((r) => r.notices('provider-down').length === 2, 5000, 'the refused restart counted as a crash');
    clock.advance(400);
    await recorder.waitFor((r) => r.notices('provider-up').length === 1, 5000, 'provider-up');
    expect(script.instances).toHaveLength(2);

    refuse = 10;
    script.fail(new Error('crash again'));
    await recorder.waitFor((r) => r.notices('provider-down').length === 3);
    clock.advance(10_000);
    await recorder.waitFor((r) => r.notices('provider-down').some((n) => n.reason === 'gave-up'), 5000, 'gave-up');
    expect((await service.stats()).providers[0]).toMatchObject({ state: 'failed' });
    expect(clock.pending).toBe(0);
  });

  it('does not count a crash reported while a restart is pending', async () => {
    const s = await feedService();
    const first = s.script.current!;
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    // During the backoff: a fault injection (no host to crash), and the old instance failing again.
    await s.service.crash({ provider: 'feed' });
    first.context!.fail(new Error('late failure of the old instance'));
    await managerCaughtUp(s.service);
    expect(s.clock.pending).toBe(1);
    expect(await runRestart(s)).toBe(200);
    await s.recorder.waitFor((r) => r.notices('provider-up').length === 1);
    // A double count would have doubled the next delay twice (800).
    s.script.fail(new Error('next crash'));
    await downNotices(s, 2);
    expect(await runRestart(s)).toBe(400);
    await s.recorder.waitFor((r) => r.notices('provider-up').length === 2);
    expect(s.recorder.notices('provider-down')).toHaveLength(2);
    expect((await s.service.stats()).providers[0]).toMatchObject({ state: 'running', restarts: 2 });
  });
});
