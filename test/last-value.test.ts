import { Identifier } from '../router/identifier';
import { EnvelopeRecorder, ProviderScript, waitUntil } from '../testkit';
import { startHarness } from './support/gateway-harness';
import { startService } from './support/service';

async function setup() {
  const service = await startService({ publishNamespaces: ['local'] });
  const script = new ProviderScript();
  script.catalogue = ['a', 'b', 'c'].map((s) => Identifier.of('feed', { [s]: {}, ticker: {} }));
  await service.addProvider('feed', script.factory);
  const session = async (patterns: string[], last = false) => {
    const id = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(id)).envelopes);
    await service.configureSession(id, patterns, { last });
    return { id, recorder };
  };
  return { service, script, session };
}

describe('last value on subscribe', () => {
  test('with last, each flowing stream the new patterns add comes first as its latest message, marked cached', async () => {
    const { script, session } = await setup();
    const holder = await session(['feed::a.ticker', 'feed::b.ticker']);
    script.emit('a.ticker', { p: 1 });
    script.emit('a.ticker', { p: 2 });
    script.emit('b.ticker', { p: 7 });
    await holder.recorder.waitFor((r) => r.messages.length === 3);
    const late = await session(['feed::a.ticker', 'feed::b.ticker'], true);
    const plain = await session(['feed::a.ticker']);
    script.emit('a.ticker', { p: 3 });
    await late.recorder.waitFor((r) => r.messages.length === 3);
    expect(late.recorder.messages.map((m) => [m.id, m.seq, m.payload, m.cached])).toEqual([
      ['feed::a.ticker', 2, { p: 2 }, true],
      ['feed::b.ticker', 1, { p: 7 }, true],
      ['feed::a.ticker', 3, { p: 3 }, undefined],
    ]);
    // Without last: nothing until the next update.
    await plain.recorder.waitFor((r) => r.messages.length === 1);
    expect(plain.recorder.messages.map((m) => [m.seq, m.cached])).toEqual([[3, undefined]]);
    // Nobody else sees the cached copy.
    await holder.recorder.waitFor((r) => r.messages.length === 4);
    expect(holder.recorder.messages.some((m) => m.cached === true)).toBe(false);
  });

  test('a wildcard with last gets one message per flowing stream it matches; streams already received give nothing again', async () => {
    const { service, script, session } = await setup();
    await session(['feed::a.ticker', 'feed::b.ticker', 'feed::c.ticker']);
    for (const s of ['a', 'b', 'c']) script.emit(`${s}.ticker`, { s });
    script.emit('a.ticker', { s: 'a2' });
    const mine = await session(['feed::a.ticker']);
    await service.configureSession(mine.id, ['feed::a.ticker', 'feed::*'], { last: true });
    await mine.recorder.waitFor((r) => r.messages.length === 2);
    expect(mine.recorder.messages.map((m) => [m.id, m.cached])).toEqual([
      ['feed::b.ticker', true],
      ['feed::c.ticker', true],
    ]);
  });

  test('a stream that stopped keeps no last value', async () => {
    const { service, script, session } = await setup();
    const holder = await session(['feed::a.ticker']);
    script.emit('a.ticker', { p: 1 });
    await holder.recorder.waitFor((r) => r.messages.length === 1);
    await service.configureSession(holder.id, []);
    await waitUntil(() => !script.subscribed.has('feed::a.ticker'), 5000, 'the stream to stop');
    const late = await session(['feed::a.ticker'], true);
    script.emit('a.ticker', { p: 2 });
    await late.recorder.waitFor((r) => r.messages.length === 1);
    // Nothing of the stream was kept: it starts again at 1, under a new epoch.
    expect(late.recorder.messages.map((m) => [m.seq, m.cached])).toEqual([[1, undefined]]);
    expect(late.recorder.messages[0].epoch).not.toBe(holder.recorder.messages[0].epoch);
  });

  test('published streams give their last value too', async () => {
    const { service, session } = await setup();
    const talker = await service.newSession();
    const client = await service.attachClient(talker);
    await client.publish('local::chat.room1', { text: 'hi' });
    const late = await session(['local::chat.*'], true);
    await late.recorder.waitFor((r) => r.messages.length === 1);
    expect(late.recorder.messages[0]).toMatchObject({ id: 'local::chat.room1', seq: 1, cached: true, payload: { text: 'hi' } });
  });

  test('last must be a boolean', async () => {
    const { service } = await setup();
    const id = await service.newSession();
    await expect(service.configureSession(id, [], { last: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('last value and resume over WebSocket', () => {
  test('session.configure with "last": true; attached says what a resume kept', async () => {
    const h = await startHarness({ service: { sessionDefaults: { outBuffer: 3, overflow: 'drop-newest' } } });
    try {
      const TICKS = 'synthetic::btcusdt.ticks';
      const { socket: first } = await h.subscriber([TICKS], { outBuffer: 100 });
      h.synthetic.pump(2, TICKS);
      await first.waitMessages(2);
      const second = await h.connect();
      const created = await second.ask({ op: 'session.create' });
      const attached = await second.ask({ op: 'session.attach', sessionId: created.sessionId });
      expect(attached).toMatchObject({ op: 'attached', resumed: { buffered: 0, dropped: 0 } });
      expect(await second.ask({ op: 'session.configure', patterns: [TICKS], last: true })).toMatchObject({ op: 'configured' });
      const [cached] = await second.waitMessages(1);
      expect(cached).toMatchObject({ id: TICKS, seq: first.messages[1].seq, cached: true });
      expect(await second.ask({ op: 'session.configure', patterns: [TICKS], last: 'yes' })).toMatchObject({ op: 'error', code: 'BAD_REQUEST' });

      // Detach, let 5 messages come (3 fit, 2 dropped), re-attach from a new socket.
      expect(await second.ask({ op: 'session.detach' })).toMatchObject({ op: 'detached' });
      h.synthetic.pump(5, TICKS);
      await first.waitMessages(7);
      const third = await h.connect();
      expect(await third.ask({ op: 'session.attach', sessionId: created.sessionId })).toMatchObject({ op: 'attached', resumed: { buffered: 3, dropped: 2 } });
    } finally {
      await h.stop();
    }
  });

  test('the library client handle has the same resumed fields', async () => {
    const service = await startService({ sessionDefaults: { outBuffer: 2, overflow: 'drop-newest' } });
    const script = new ProviderScript();
    await service.addProvider('feed', script.factory);
    const id = await service.newSession();
    const first = await service.attachClient(id);
    expect(first.resumed).toEqual({ buffered: 0, dropped: 0 });
    await service.configureSession(id, ['feed::a.ticker']);
    await service.detachClient(id);
    for (let i = 0; i < 5; i++) script.emit('a.ticker', i);
    // stats goes through the router's mailbox after the messages, so they are routed by then.
    expect((await service.stats()).sessions[0]).toMatchObject({ buffered: 2, dropped: 3 });
    const again = await service.attachClient(id);
    expect(again.resumed).toEqual({ buffered: 2, dropped: 3 });
  });
});
