import { Identifier } from '../router/identifier';
import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder } from '../testkit/wait';
import { startFeed, startService } from './support/service';

function feed(): ProviderScript {
  const script = new ProviderScript();
  script.catalogue = ['a', 'b', 'c', 'd'].map((s) => Identifier.of('feed', { [s]: {}, trade: {} }));
  return script;
}

describe('atomic configure', () => {
  it('undoes every subscribe of a failed configure and leaves the previous configuration in effect', async () => {
    const { service, script, session } = await startFeed(feed());
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['feed::a.trade']);
    const before = await service.stats();

    script.refuse('feed::c.trade', 'exchange said no');
    const error = await service.configureSession(session, ['feed::b.trade', 'feed::c.trade', 'feed::d.trade']).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'STREAM_START_FAILED' });
    expect((error as Error).message).toContain('feed::c.trade: exchange said no');
    // The provider saw one batched subscribe, and each success undone; a.trade was never touched.
    expect(script.callsOf('subscribe').map((c) => c.ids)).toEqual([['feed::a.trade'], ['feed::b.trade', 'feed::c.trade', 'feed::d.trade']]);
    expect(script.callsOf('unsubscribe').map((c) => c.ids)).toEqual([['feed::b.trade', 'feed::d.trade']]);
    expect([...script.subscribed]).toEqual(['feed::a.trade']);
    const after = await service.stats();
    expect(after.sessions).toEqual(before.sessions);
    expect(after.providers[0].streams).toBe(1);
    expect(after.router.bindings).toBe(before.router.bindings);
    // The router still routes exactly as before.
    script.emit('a.trade', 'kept');
    script.emit('b.trade', 'never');
    await recorder.waitFor((r) => r.messages.length === 1);
    expect(recorder.messages.map((m) => m.payload)).toEqual(['kept']);
    expect(await service.explain('feed::trade.*')).toMatchObject({ flowing: ['feed::a.trade'] });
  });

  it('changes nothing when one pattern is invalid', async () => {
    const { service, script, session } = await startFeed(feed());
    await service.configureSession(session, ['feed::a.trade']);
    await expect(service.configureSession(session, ['feed::b.trade', 'feed::bad[='])).rejects.toMatchObject({ code: 'INVALID_PATTERN' });
    await expect(service.configureSession(session, ['feed::b.trade', 'ghost::x'])).rejects.toMatchObject({ code: 'UNKNOWN_NAMESPACE' });
    expect(script.callsOf('subscribe')).toHaveLength(1);
    expect((await service.stats()).sessions[0].patterns).toEqual(['feed::a.trade']);
  });

  it('binds new patterns before unbinding old ones: a kept pattern sees no gap', async () => {
    const { service, script, session } = await startFeed(feed());
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['feed::a.trade', 'feed::b.trade']);
    let n = 0;
    const pump = setInterval(() => script.emit('a.trade', n++), 1);
    for (const patterns of [['feed::a.trade'], ['feed::a.trade', 'feed::c.trade'], ['feed::trade.*'], ['feed::a.trade']]) {
      await service.configureSession(session, patterns);
    }
    clearInterval(pump);
    await recorder.waitFor((r) => r.messages.length === n);
    expect(recorder.messages.map((m) => m.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('applies concurrent configures of one session in order', async () => {
    const service = await startService();
    await service.addProvider('feed', feed().factory);
    const session = await service.newSession();
    const results = await Promise.all([
      service.configureSession(session, ['feed::a.trade']),
      service.configureSession(session, ['feed::b.trade']),
      service.configureSession(session, ['feed::c.trade']),
    ]);
    expect(results).toEqual([['feed::a.trade'], ['feed::b.trade'], ['feed::c.trade']]);
    expect((await service.stats()).sessions[0].patterns).toEqual(['feed::c.trade']);
  });
});

describe('reference-counted streams', () => {
  it('three sessions wanting one stream cause one subscribe and, after all let go, one unsubscribe', async () => {
    const service = await startService();
    const script = feed();
    await service.addProvider('feed', script.factory);
    const sessions = [await service.newSession(), await service.newSession(), await service.newSession()];
    await Promise.all(sessions.map((s) => service.configureSession(s, ['feed::a.trade'])));
    expect(script.callsOf('subscribe').map((c) => c.ids)).toEqual([['feed::a.trade']]);
    await service.configureSession(sessions[0], []);
    await service.closeSession(sessions[1]);
    expect(script.callsOf('unsubscribe')).toHaveLength(0);
    await service.configureSession(sessions[2], ['feed::b.trade']);
    expect(script.callsOf('unsubscribe').map((c) => c.ids)).toEqual([['feed::a.trade']]);
    expect([...script.subscribed]).toEqual(['feed::b.trade']);
  });

  it('a wildcard pattern wants what expand returns; without expand it only listens', async () => {
    const { service, script, session } = await startFeed(feed());
    await service.configureSession(session, ['feed::trade.*']);
    expect(script.callsOf('subscribe').map((c) => c.ids)).toEqual([['feed::a.trade', 'feed::b.trade', 'feed::c.trade', 'feed::d.trade']]);
  });
});
