import { Identifier } from '../router/identifier';
import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder, isMessage, isNotice, waitForEnvelope } from '../testkit/wait';
import type { Provider } from '../providers/contract';
import { startFeed, startService } from './support/service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function scripted(): ProviderScript {
  const script = new ProviderScript();
  script.catalogue = ['a', 'b', 'c'].map((s) => Identifier.of('feed', { [s]: {}, trade: {} }));
  return script;
}

describe('providers', () => {
  it('adds a provider, refuses a taken name, and frees the name after removal', async () => {
    const service = await startService();
    const script = scripted();
    await service.addProvider('feed', script.factory);
    await expect(service.addProvider('feed', script.factory)).rejects.toMatchObject({ code: 'PROVIDER_EXISTS' });
    await service.removeProvider('feed');
    expect(script.callsOf('stop')).toHaveLength(1);
    await service.addProvider('feed', script.factory);
    expect((await service.stats()).providers).toMatchObject([{ name: 'feed', state: 'running' }]);
  });

  it('reports PROVIDER_START_FAILED with the cause and leaves nothing behind', async () => {
    const service = await startService();
    const script = scripted();
    script.failNext('start', 'reject', new Error('no credentials'));
    const error = await service.addProvider('feed', script.factory).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_START_FAILED' });
    expect(String((error as Error).message)).toContain('no credentials');
    expect((await service.stats()).providers).toEqual([]);
    await service.addProvider('feed', script.factory);
  });

  it('refuses bad names and unknown providers', async () => {
    const service = await startService({ publishNamespaces: ['chat'] });
    await expect(service.addProvider('Bad Name!', scripted().factory)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(service.addProvider('chat', scripted().factory)).rejects.toMatchObject({ code: 'PROVIDER_EXISTS' });
    await expect(service.removeProvider('nope')).rejects.toMatchObject({ code: 'PROVIDER_NOT_FOUND' });
  });

  it('on removal: bound clients get unbound, patterns are gone, the provider is stopped', async () => {
    const service = await startService({ publishNamespaces: ['chat'] });
    const script = scripted();
    await service.addProvider('feed', script.factory);
    const session = await service.newSession();
    const client = await service.attachClient(session);
    const recorder = new EnvelopeRecorder(client.envelopes);
    await service.configureSession(session, ['feed::a.trade', 'feed::trade.*', 'chat::room']);
    await service.removeProvider('feed');
    await recorder.waitFor((r) => r.notices('unbound').length === 1);
    expect(recorder.notices('unbound')[0]).toMatchObject({ namespace: 'feed', patterns: ['feed::a.trade', 'feed::trade.*'] });
    expect((await service.stats()).sessions[0].patterns).toEqual(['chat::room']);
    expect(script.callsOf('stop')).toHaveLength(1);
    expect(recorder.completed).toBe(false);
  });
});

describe('sessions', () => {
  it('creates sessions with uuids and enforces the session limit', async () => {
    const service = await startService({ limits: { maxSessions: 2 } });
    expect(await service.newSession()).toMatch(UUID);
    await service.newSession();
    await expect(service.newSession()).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('attaches one client at a time and detaches it', async () => {
    const service = await startService();
    const session = await service.newSession();
    await expect(service.attachClient('missing')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(service.attachClient(session, { outBuffer: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const client = await service.attachClient(session);
    await expect(service.attachClient(session)).rejects.toMatchObject({ code: 'CLIENT_ALREADY_ATTACHED' });
    const recorder = new EnvelopeRecorder(client.envelopes);
    await service.detachClient(session);
    expect(recorder.completed).toBe(true);
    await expect(service.detachClient(session)).rejects.toMatchObject({ code: 'CLIENT_NOT_ATTACHED' });
    await expect(client.publish('x::y', 1)).rejects.toMatchObject({ code: 'CLIENT_NOT_ATTACHED' });
    await service.attachClient(session);
  });

  it('configures with canonical patterns and rejects bad ones naming the pattern', async () => {
    const service = await startService({ limits: { maxPatternsPerSession: 3 } });
    await service.addProvider('feed', scripted().factory);
    const session = await service.newSession();
    expect(await service.configureSession(session, ['FEED::trade.a', 'feed::a.trade', 'feed::kline[*].*'])).toEqual(['feed::a.trade', 'feed::kline[*].*']);
    const invalid = await service.configureSession(session, ['feed::a.trade', 'feed::a..b']).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: 'INVALID_PATTERN' });
    expect((invalid as Error).message).toContain('feed::a..b');
    await expect(service.configureSession(session, ['nowhere::x'])).rejects.toMatchObject({ code: 'UNKNOWN_NAMESPACE' });
    await expect(service.configureSession(session, ['feed::a', 'feed::b', 'feed::c', 'feed::d'])).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await expect(service.configureSession('missing', [])).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect((await service.stats()).sessions[0].patterns).toEqual(['feed::a.trade', 'feed::kline[*].*']);
  });

  it('closes a session: bindings removed, streams released, client completed, id forgotten', async () => {
    const { service, script, session } = await startFeed(scripted());
    const client = await service.attachClient(session);
    const recorder = new EnvelopeRecorder(client.envelopes);
    await service.configureSession(session, ['feed::a.trade']);
    await service.closeSession(session);
    expect(recorder.completed).toBe(true);
    expect(recorder.notices('session-closed')).toEqual([{ type: 'notice', kind: 'session-closed', reason: 'closed' }]);
    expect(script.callsOf('unsubscribe').map((c) => c.ids)).toEqual([['feed::a.trade']]);
    const stats = await service.stats();
    expect(stats.sessions).toEqual([]);
    expect(stats.router.bindings).toBe(0);
    await expect(service.closeSession(session)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });
});

describe('messages, publish and request', () => {
  it('delivers messages with a per-stream seq, ts and eventTs', async () => {
    const { service, script, session } = await startFeed(scripted());
    const client = await service.attachClient(session);
    const recorder = new EnvelopeRecorder(client.envelopes);
    await service.configureSession(session, ['feed::trade.*']);
    script.emit('a.trade', { p: 1 }, 1234);
    script.emit('feed::b.trade', { p: 2 });
    script.emit('a.trade', { p: 3 });
    await recorder.waitFor((r) => r.messages.length === 3);
    expect(recorder.messages.map((m) => [m.id, m.seq, m.payload])).toEqual([
      ['feed::a.trade', 1, { p: 1 }],
      ['feed::b.trade', 1, { p: 2 }],
      ['feed::a.trade', 2, { p: 3 }],
    ]);
    expect(recorder.messages[0].eventTs).toBe(1234);
    expect(recorder.messages[0].ts).toBeGreaterThan(1_600_000_000_000);
  });

  it('publishes into publish namespaces only', async () => {
    const service = await startService({ publishNamespaces: ['chat'] });
    await service.addProvider('feed', scripted().factory);
    const [alice, bob] = [await service.newSession(), await service.newSession()];
    const aliceClient = await service.attachClient(alice);
    const bobClient = await service.attachClient(bob);
    await service.configureSession(bob, ['chat::room.*']);
    const received = waitForEnvelope(bobClient.envelopes, isMessage);
    await aliceClient.publish('chat::room.general', { text: 'hi' });
    expect(await received).toMatchObject({ id: 'chat::general.room', seq: 1, payload: { text: 'hi' } });
    await expect(aliceClient.publish('feed::a.trade', 1)).rejects.toMatchObject({ code: 'FORBIDDEN_NAMESPACE' });
    await expect(aliceClient.publish('other::x', 1)).rejects.toMatchObject({ code: 'UNKNOWN_NAMESPACE' });
    await expect(aliceClient.publish('chat::bad..id', 1)).rejects.toMatchObject({ code: 'INVALID_IDENTIFIER' });
  });

  it('answers requests from the owning provider to the requester only', async () => {
    const service = await startService({ publishNamespaces: ['chat'], providerCallTimeoutMs: 200 });
    const script = scripted();
    await service.addProvider('feed', script.factory);
    const bare: Provider = { start: () => undefined, stop: () => undefined, subscribe: () => undefined, unsubscribe: () => undefined };
    await service.addProvider('bare', bare);
    const session = await service.newSession();
    const client = await service.attachClient(session);
    await service.configureSession(session, ['feed::a.trade']);
    expect(await client.request('feed::a.trade', { q: 1 })).toEqual({ id: 'feed::a.trade', echo: { q: 1 } });
    await expect(client.request('bare::x', {})).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(client.request('chat::x', {})).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(client.request('nope::x', {})).rejects.toMatchObject({ code: 'UNKNOWN_NAMESPACE' });
    await expect(client.request('feed::b.trade', {})).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const release = script.stallNext('request');
    await expect(client.request('feed::a.trade', {})).rejects.toMatchObject({ code: 'TIMEOUT' });
    release();
  });
});

describe('explain, stats, crash and stop', () => {
  it('explains a pattern without changing anything', async () => {
    const { service, script, session } = await startFeed(scripted());
    await service.configureSession(session, ['feed::a.trade']);
    const subscribes = script.callsOf('subscribe').length;
    expect(await service.explain('feed::trade.*')).toEqual({
      pattern: 'feed::trade.*',
      exact: false,
      streams: ['feed::a.trade', 'feed::b.trade', 'feed::c.trade'],
      flowing: ['feed::a.trade'],
    });
    expect(await service.explain('feed::b.trade')).toMatchObject({ exact: true, streams: ['feed::b.trade'], flowing: [] });
    expect(script.callsOf('subscribe')).toHaveLength(subscribes);
    await expect(service.explain('feed::[')).rejects.toMatchObject({ code: 'INVALID_PATTERN' });
    await expect(service.explain('zzz::a')).rejects.toMatchObject({ code: 'UNKNOWN_NAMESPACE' });
  });

  it('reports stats for providers, sessions and the router', async () => {
    const { service, script, session } = await startFeed(scripted());
    const client = await service.attachClient(session);
    const recorder = new EnvelopeRecorder(client.envelopes);
    await service.configureSession(session, ['feed::a.trade']);
    script.emit('a.trade', 1);
    script.emit('b.trade', 2);
    await recorder.waitFor((r) => r.messages.length === 1);
    const stats = await service.stats();
    expect(stats.providers).toEqual([{ name: 'feed', state: 'running', streams: 1, msgs: 2, restarts: 0 }]);
    expect(stats.sessions).toEqual([{ id: session, patterns: ['feed::a.trade'], attached: true, buffered: 0, outBuffer: 1024, bufferedBytes: 0, delivered: 1, dropped: 0, restarts: 0 }]);
    expect(stats.streams).toEqual([{ id: 'feed::a.trade', provider: 'feed', seq: 1 }]);
    expect(stats.sessionTotals).toEqual({ open: 1, attached: 1, buffered: 0, maxBuffered: 0, maxFill: 0, delivered: 1, dropped: 0 });
    expect(stats.router).toMatchObject({ routed: 2, matches: 1, bindings: 1, dropped: 0, restarts: 0 });
  });

  it('refuses crash() without fault injection', async () => {
    const service = await startService();
    await expect(service.crash('router')).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });

  it('stops gracefully: clients completed, providers stopped, later calls SHUTTING_DOWN', async () => {
    const { service, script, session } = await startFeed(scripted());
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.stop();
    await service.stop();
    expect(recorder.completed).toBe(true);
    expect(recorder.notices('session-closed')[0]).toMatchObject({ reason: 'shutdown' });
    expect(script.callsOf('stop')).toHaveLength(1);
    await expect(service.newSession()).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(await service.terminated).toEqual({ fatal: undefined });
    expect(isNotice('session-closed')(recorder.envelopes[0])).toBe(true);
  });
});

describe('positions over the service life', () => {
  it('never repeat when a provider is removed and added again under the same name: the stream comes back under a new epoch', async () => {
    const service = await startService();
    const script = new ProviderScript();
    await service.addProvider('feed', script.factory);
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['feed::a.trade']);
    script.emit('a.trade', 1);
    await recorder.waitFor((r) => r.messages.length === 1);
    await service.removeProvider('feed');
    await service.addProvider('feed', script.factory);
    await service.configureSession(session, ['feed::a.trade']);
    script.emit('a.trade', 2);
    await recorder.waitFor((r) => r.messages.length === 2);
    // Removing the provider let its streams go (nothing is kept per id forever).
    const [first, second] = recorder.messages;
    expect([first.seq, second.seq]).toEqual([1, 1]);
    expect(second.epoch).not.toBe(first.epoch);
  });
});
