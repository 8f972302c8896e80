import { Identifier } from '../router/identifier';
import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder, waitUntil } from '../testkit/wait';
import { ManualClock } from '../testkit';
import { startService } from './support/service';

const policy = { initialBackoffMs: 200, maxBackoffMs: 30_000, jitter: 0.2, maxRestarts: 3, withinMs: 60_000 };

async function setup() {
  const clock = new ManualClock();
  const service = await startService({ clock, faultInjection: true, providerRestart: policy });
  const script = new ProviderScript();
  script.catalogue = ['a', 'b'].map((s) => Identifier.of('feed', { [s]: {}, trade: {} }));
  await service.addProvider('feed', script.factory);
  const session = await service.newSession();
  const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
  await service.configureSession(session, ['feed::a.trade', 'feed::b.trade']);
  script.emit('a.trade', 'before');
  await recorder.waitFor((r) => r.messages.length === 1);
  return { clock, service, script, session, recorder };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Advances the manual clock until the provider's restart has been carried out. */
async function recover({ clock, script, recorder }: Setup, instances: number): Promise<void> {
  await recorder.waitFor((r) => r.notices('provider-down').length > 0, 5000, 'provider-down');
  // Backoff: nothing restarts before 200 ms - 20 %.
  clock.advance(150);
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(script.instances).toHaveLength(instances - 1);
  clock.advance(100);
  await waitUntil(() => script.instances.length === instances, 5000, 'restart');
  await recorder.waitFor((r) => r.notices('provider-up').length > 0, 5000, 'provider-up');
}

describe('provider supervision', () => {
  const faults: [string, (s: Setup) => void | Promise<unknown>][] = [
    ['throws in subscribe', async ({ service, script }) => {
      script.failNext('subscribe', 'throw');
      const other = await service.newSession();
      await expect(service.configureSession(other, ['feed::trade.*', 'feed::c.trade'])).rejects.toMatchObject({ code: 'STREAM_START_FAILED' });
    }],
    ['rejects a promise', async ({ service, script }) => {
      script.failNext('subscribe', 'reject');
      const other = await service.newSession();
      await expect(service.configureSession(other, ['feed::c.trade'])).rejects.toMatchObject({ code: 'STREAM_START_FAILED' });
    }],
    ['throws from a timer callback of its own', ({ clock, script }) => {
      script.throwFromTimer(new Error('timer blew up'), 10);
      clock.advance(10);
    }],
    ['calls fail', ({ script }) => script.fail(new Error('upstream lost'))],
    ['is crashed by fault injection', ({ service }) => service.crash({ provider: 'feed' })],
  ];

  it.each(faults)('a provider that %s is restarted with backoff and resubscribes exactly the wanted set', async (_, inject) => {
    const setupResult = await setup();
    const { script, recorder } = setupResult;
    await inject(setupResult);
    await recover(setupResult, 2);
    const resubscribe = script.callsOf('subscribe').filter((c) => c.incarnation === 2);
    expect(resubscribe.map((c) => c.ids)).toEqual([['feed::a.trade', 'feed::b.trade']]);
    expect([...script.subscribed].sort()).toEqual(['feed::a.trade', 'feed::b.trade']);
    // provider-down, a gap notice per flowing stream (what the old instance had not emitted is
    // lost), then provider-up; seq carries on across the restart.
    const kinds = recorder.envelopes.filter((e) => e.type === 'notice').map((e) => (e.type === 'notice' ? e.kind : ''));
    expect(kinds).toEqual(['provider-down', 'gap', 'gap', 'provider-up']);
    script.emit('a.trade', 'after');
    await recorder.waitFor((r) => r.messages.length === 2);
    expect(recorder.messages.map((m) => [m.payload, m.seq])).toEqual([['before', 1], ['after', 2]]);
    expect((await setupResult.service.stats()).providers[0]).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('gives up past the restart intensity while the rest of the service keeps delivering', async () => {
    const s = await setup();
    const healthy = new ProviderScript();
    await s.service.addProvider('other', healthy.factory);
    const watcher = await s.service.newSession();
    const watched = new EnvelopeRecorder((await s.service.attachClient(watcher)).envelopes);
    await s.service.configureSession(watcher, ['other::x']);
    for (let crash = 1; crash <= policy.maxRestarts; crash++) {
      s.script.fail(new Error(`crash ${crash}`));
      await waitUntil(() => s.recorder.notices('provider-down').length === crash, 5000, `crash ${crash}`);
      s.clock.advance(2_000);
      await waitUntil(() => s.recorder.notices('provider-up').length === crash, 5000, `restart ${crash}`);
    }
    s.script.fail(new Error('one too many'));
    await s.recorder.waitFor((r) => r.notices('provider-down').some((n) => n.reason === 'gave-up'), 5000, 'gave-up');
    s.clock.advance(policy.maxBackoffMs * 10);
    expect(s.script.instances).toHaveLength(policy.maxRestarts + 1);
    expect((await s.service.stats()).providers.find((p) => p.name === 'feed')).toMatchObject({ state: 'failed' });
    healthy.emit('x', 'still flowing');
    await watched.waitFor((r) => r.messages.length === 1);
    await expect(s.service.configureSession(await s.service.newSession(), ['feed::a.trade'])).rejects.toMatchObject({ code: 'STREAM_START_FAILED' });
  });

  it('restarts spaced wider than the intensity window never give up', async () => {
    const s = await setup();
    for (let crash = 1; crash <= policy.maxRestarts * 2; crash++) {
      s.script.fail(new Error(`crash ${crash}`));
      await waitUntil(() => s.recorder.notices('provider-down').length === crash, 5000, `crash ${crash}`);
      s.clock.advance(policy.withinMs);
      await waitUntil(() => s.recorder.notices('provider-up').length === crash, 5000, `restart ${crash}`);
    }
    expect((await s.service.stats()).providers[0]).toMatchObject({ state: 'running', restarts: policy.maxRestarts * 2 });
  });
});

describe('router and session supervision', () => {
  it('a crashed router rebuilds its table from the manager and deliveries resume', async () => {
    const s = await setup();
    await s.service.crash('router');
    s.script.emit('a.trade', 'during');
    s.script.emit('b.trade', 'after');
    await s.recorder.waitFor((r) => r.messages.length === 3);
    const stats = await s.service.stats();
    expect(stats.router).toMatchObject({ restarts: 1, bindings: 2, dropped: 0 });
    expect(s.recorder.messages.map((m) => m.payload)).toEqual(['before', 'during', 'after']);
  });

  it('a crashed session keeps its id, patterns and client', async () => {
    const s = await setup();
    await s.service.crash({ session: s.session });
    s.script.emit('a.trade', 'after');
    await s.recorder.waitFor((r) => r.messages.length === 2);
    expect(s.recorder.completed).toBe(false);
    const stats = await s.service.stats();
    expect(stats.sessions).toEqual([expect.objectContaining({ id: s.session, patterns: ['feed::a.trade', 'feed::b.trade'], attached: true })]);
  });

  it('a session that crashes past the intensity is closed with a notice', async () => {
    const clock = new ManualClock();
    const service = await startService({ clock, faultInjection: true, sessionRestart: { maxRestarts: 2, withinMs: 60_000 } });
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    for (let restarts = 1; restarts <= 2; restarts++) {
      await service.crash({ session });
      while ((await service.stats()).sessions[0].restarts < restarts);
    }
    await service.crash({ session });
    await recorder.waitFor((r) => r.completed, 5000, 'session closed');
    expect(recorder.notices('session-closed')).toEqual([{ type: 'notice', kind: 'session-closed', reason: 'restart-limit' }]);
    await expect(service.attachClient(session)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('a router that crashes past its own intensity stops the service, whatever the provider policy', async () => {
    const clock = new ManualClock();
    const service = await startService({ clock, faultInjection: true, providerRestart: { maxRestarts: 100 }, routerRestart: { maxRestarts: 2, withinMs: 60_000 } });
    for (let restarts = 1; restarts <= 2; restarts++) {
      await service.crash('router');
      while ((await service.stats()).router.restarts < restarts);
    }
    await service.crash('router');
    const { fatal } = await service.terminated;
    expect(fatal?.message).toMatch(/^router crashed 3 times within 60000 ms/);
  });
});
