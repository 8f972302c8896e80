import { connect, type NatsConnection } from 'nats';
import { decodeFrames } from '../cluster/frame';
import { subjectsOf, streamOfToken } from '../cluster/subjects';
import { EnvelopeRecorder, waitUntil, type ProviderScript } from '../testkit';
import { scriptWith, startNode, stopAllNodes, type TestNode } from './support/cluster-nodes';
import { describeNats, useNatsServer } from './support/nats-suite';


const SYMBOLS = ['btc', 'eth', 'sol'];
const SESSIONS_PER_NODE = 50;
const MESSAGES_PER_STREAM = 20;

describeNats('three importing nodes, fifty sessions each, on the same streams', () => {
  const nats = useNatsServer();
  let spy: NatsConnection;
  const onTheWire = new Map<string, number>();

  beforeAll(async () => {
    // A bystander on every stream subject of node A: what crosses NATS, counted per stream.
    spy = await connect({ servers: nats().url });
    spy.subscribe(subjectsOf('a').allStreams, {
      callback: (_error, msg) => {
        // A NATS message carries a batch of the stream's messages: count the messages.
        const stream = streamOfToken(msg.subject.split('.').pop()!);
        decodeFrames(msg.data, () => onTheWire.set(stream, (onTheWire.get(stream) ?? 0) + 1));
      },
    });
    await spy.flush();
  });
  afterAll(async () => {
    await spy?.close();
  });
  afterEach(stopAllNodes);

  test('the exporter subscribes upstream once per stream and publishes each message once', async () => {
    const script: ProviderScript = scriptWith('src', SYMBOLS);
    const a = await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', script.factory));
    const importers = await Promise.all(['b', 'c', 'd'].map((node) => startNode(nats().url, { node, import: [{ node: 'a', provider: 'src', as: 'remote' }] })));

    const recorders: EnvelopeRecorder[] = [];
    await Promise.all(
      importers.map(async (node: TestNode) => {
        for (let i = 0; i < SESSIONS_PER_NODE; i++) {
          const id = await node.service.newSession({ idleAfterMs: 0 });
          recorders.push(new EnvelopeRecorder((await node.service.attachClient(id)).envelopes));
          // Half by wildcard (expand over NATS), half by exact identifiers.
          const patterns = i % 2 === 0 ? ['remote::trade.*'] : SYMBOLS.map((s) => `remote::${s}.trade`);
          await node.service.configureSession(id, patterns);
        }
      }),
    );

    for (let i = 0; i < MESSAGES_PER_STREAM; i++) for (const symbol of SYMBOLS) script.emit(`${symbol}.trade`, { i });
    const total = MESSAGES_PER_STREAM * SYMBOLS.length;
    await waitUntil(() => recorders.every((r) => r.messages.length === total), 20_000, 'every session to get every message');

    // Upstream: one subscribe per stream, whatever 150 sessions on 3 nodes asked for.
    const subscribed = script.callsOf('subscribe').flatMap((call) => call.ids);
    expect(subscribed.sort()).toEqual(SYMBOLS.map((s) => `src::${s}.trade`).sort());
    // On NATS: each message once per stream, not once per node or per session.
    await waitUntil(() => [...onTheWire.values()].reduce((x, y) => x + y, 0) >= total, 5_000, 'the spy to see every message');
    expect(Object.fromEntries(onTheWire)).toEqual(Object.fromEntries(SYMBOLS.map((s) => [`src::${s}.trade`, MESSAGES_PER_STREAM])));
    const stats = a.cluster.exporter!.stats();
    expect(stats).toMatchObject({ streams: SYMBOLS.length, published: total, unsent: 0, dropped: 0 });
    // One lease per importing node, each holding the three streams.
    expect(stats.holders.map((h) => [h.holder.split('/')[0], h.streams]).sort()).toEqual([['b', 3], ['c', 3], ['d', 3]]);
    // Each importing node, too, took each stream once for its fifty sessions.
    for (const node of importers) {
      const remote = (await node.service.stats()).providers.find((p) => p.name === 'remote')!;
      expect(remote).toMatchObject({ streams: SYMBOLS.length, msgs: total });
    }
    // And every session saw the origin's numbering, 1..20 on each stream.
    for (const recorder of recorders) {
      const seqs = recorder.messages.filter((m) => m.id === 'remote::btc.trade').map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: MESSAGES_PER_STREAM }, (_, i) => i + 1));
    }
  });
});
