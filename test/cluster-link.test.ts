import { connect } from 'nats';
import { encodeFrames } from '../cluster/frame';
import { subjectsOf } from '../cluster/subjects';
import { isTesseraError } from '../common/errors';
import { EnvelopeRecorder, waitUntil, type ProviderScript } from '../testkit';
import { describeNats, useNatsServer } from './support/nats-suite';
import { scriptWith, startNode, stopAllNodes, type TestNode } from './support/cluster-nodes';


describeNats('a provider of node A mounted on node B over NATS', () => {
  const nats = useNatsServer();
  let script: ProviderScript;
  let a: TestNode;
  let b: TestNode;


  beforeEach(async () => {
    script = scriptWith('src', ['btc', 'eth']);
    a = await startNode(nats().url, { node: 'a', export: ['src'] }, async (service) => {
      await service.addProvider('src', script.factory);
      await service.addProvider('private', scriptWith('private', ['x']).factory);
    });
    b = await startNode(nats().url, {
      node: 'b',
      import: [
        { node: 'a', provider: 'src', as: 'remote-src' },
        { node: 'a', provider: 'private', as: 'remote-private' },
      ],
    });
  });
  afterEach(stopAllNodes);

  async function session(node: TestNode, patterns: string[]): Promise<{ id: string; recorder: EnvelopeRecorder; client: Awaited<ReturnType<TestNode['service']['attachClient']>> }> {
    const id = await node.service.newSession({ idleAfterMs: 0 });
    const client = await node.service.attachClient(id);
    const recorder = new EnvelopeRecorder(client.envelopes);
    await node.service.configureSession(id, patterns);
    return { id, recorder, client };
  }

  test('a stream flows from A to a session on B with the origin seq, ts and eventTs', async () => {
    const local = await session(a, ['src::btc.trade']);
    const remote = await session(b, ['remote-src::btc.trade']);
    for (let i = 0; i < 5; i++) script.emit('btc.trade', { price: 100 + i }, 1_700_000_000_000 + i);
    script.emit('btc.trade', new Uint8Array([1, 2, 3]));
    await remote.recorder.waitFor((r) => r.messages.length === 6, 5_000, 'six messages on B');
    await local.recorder.waitFor((r) => r.messages.length === 6);
    const got = remote.recorder.messages;
    expect(got.map((m) => m.id)).toEqual(Array(6).fill('remote-src::btc.trade'));
    expect(got.map((m) => [m.seq, m.ts, m.eventTs])).toEqual(local.recorder.messages.map((m) => [m.seq, m.ts, m.eventTs]));
    expect(got.slice(0, 5).map((m) => m.payload)).toEqual([0, 1, 2, 3, 4].map((i) => ({ price: 100 + i })));
    expect(got[5].payload).toEqual(new Uint8Array([1, 2, 3]));
  });

  test('patterns, expand and explain see the remote streams under the local namespace', async () => {
    const explained = await b.service.explain('remote-src::trade.*');
    expect(explained).toMatchObject({ pattern: 'remote-src::trade.*', exact: false, streams: ['remote-src::btc.trade', 'remote-src::eth.trade'] });
    const remote = await session(b, ['remote-src::trade.*']);
    expect((await b.service.explain('remote-src::*')).flowing).toEqual(['remote-src::btc.trade', 'remote-src::eth.trade']);
    script.emit('eth.trade', 1);
    script.emit('btc.trade', 2);
    await remote.recorder.waitFor((r) => r.messages.length === 2);
    expect(remote.recorder.messages.map((m) => m.id).sort()).toEqual(['remote-src::btc.trade', 'remote-src::eth.trade']);
    // The exporter pulled each stream once, through one upstream subscribe.
    expect(script.callsOf('subscribe').flatMap((c) => c.ids).sort()).toEqual(['src::btc.trade', 'src::eth.trade']);
  });

  test('a request crosses the link and comes back to the requesting session', async () => {
    const remote = await session(b, ['remote-src::btc.trade']);
    await expect(remote.client.request('remote-src::btc.trade', { depth: 5 })).resolves.toEqual({ id: 'src::btc.trade', echo: { depth: 5 } });
    // The remote provider's refusal comes back as the requester's error.
    await expect(remote.client.request('remote-src::eth.trade', {})).rejects.toThrow(/not subscribed/);
  });

  test('streams the exporter refuses fail the configure, and are then known invalid', async () => {
    script.refuse('src::doge.trade', 'no such market');
    const remote = await session(b, []);
    const error: unknown = await b.service.configureSession(remote.id, ['remote-src::doge.trade']).catch((e: unknown) => e);
    expect(isTesseraError(error, 'STREAM_START_FAILED')).toBe(true);
    expect(String(error)).toMatch(/no such market/);
    const hidden: unknown = await b.service.configureSession(remote.id, ['remote-private::x.trade']).catch((e: unknown) => e);
    expect(isTesseraError(hidden, 'STREAM_START_FAILED')).toBe(true);
    expect(String(hidden)).toMatch(/not exported/);
    // Refused as not exported: from now on B rejects it itself, as a local provider would.
    await expect(b.service.configureSession(remote.id, ['remote-private::x.trade'])).rejects.toMatchObject({ code: 'INVALID_PATTERN' });
  });

  test("closing B's session releases the stream on A", async () => {
    const remote = await session(b, ['remote-src::btc.trade']);
    expect(a.cluster.exporter!.stats().streams).toBe(1);
    await b.service.closeSession(remote.id);
    await waitUntil(() => a.cluster.exporter!.stats().streams === 0 && script.callsOf('unsubscribe').length === 1, 5_000, 'release on A');
    expect(script.callsOf('unsubscribe')[0].ids).toEqual(['src::btc.trade']);
  });

  test('large payloads emitted together cross in several NATS messages, each under the 1 MB limit', async () => {
    const remote = await session(b, ['remote-src::btc.trade']);
    const big = (i: number): { i: number; text: string } => ({ i, text: String(i).repeat(100_000) });
    for (let i = 0; i < 20; i++) script.emit('btc.trade', big(i));
    await remote.recorder.waitFor((r) => r.messages.length === 20, 10_000, 'twenty large messages on B');
    expect(remote.recorder.messages.map((m) => m.payload)).toEqual(Array.from({ length: 20 }, (_, i) => big(i)));
    expect(a.cluster.exporter!.stats().unsent).toBe(0);
  });

  test('a batch B cannot read is counted and announced as a gap; the stream goes on', async () => {
    const remote = await session(b, ['remote-src::btc.trade']);
    const spy = await connect({ servers: nats().url });
    try {
      const subject = subjectsOf('a').stream('src::btc.trade');
      const good = encodeFrames([{ type: 'message', id: 'src::btc.trade', seq: 1, epoch: 'e', ts: 1, payload: { price: 1 } }]);
      const oldVersion = Uint8Array.from(good);
      oldVersion[0] = 0;
      spy.publish(subject, good.subarray(0, good.length - 2));
      spy.publish(subject, Uint8Array.of(2, 255, 255));
      spy.publish(subject, oldVersion);
      await spy.flush();
      await remote.recorder.waitFor((r) => r.notices('gap').length === 3, 5_000, 'three gap notices');
      script.emit('btc.trade', { price: 2 });
      await remote.recorder.waitFor((r) => r.messages.length === 1, 5_000, 'the next message');
      expect(remote.recorder.notices('gap').map((n) => n.reason)).toEqual(['bad-frame', 'bad-frame', 'frame-version']);
      expect(remote.recorder.messages.map((m) => m.payload)).toEqual([{ price: 2 }]);
      const stats = (await b.service.stats()).providers.find((p) => p.name === 'remote-src');
      expect(stats?.details).toEqual({ badFrames: 2, badVersion: 1 });
    } finally {
      await spy.close();
    }
  });
});
