import { waitUntil, type ProviderScript } from '../testkit';
import { FAST, scriptWith, startChildNode, startNode, useChildNodes } from './support/cluster-nodes';
import { describeNats, useNatsServer } from './support/nats-suite';


describeNats('interest leases', () => {
  const nats = useNatsServer();
  useChildNodes();

  test('killing an importing node releases its streams on the exporter within the lease', async () => {
    const script: ProviderScript = scriptWith('src', ['btc', 'eth']);
    const a = await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', script.factory));
    // Node C, in this process, shares one of the two streams with the node about to die.
    const c = await startNode(nats().url, { node: 'c', import: [{ node: 'a', provider: 'src', as: 'remote' }] });
    const session = await c.service.newSession({ idleAfterMs: 0 });
    await c.service.attachClient(session);
    await c.service.configureSession(session, ['remote::eth.trade']);

    const doomed = await startChildNode({
      nats: { node: 'b', servers: [nats().url], ...FAST, import: [{ node: 'a', provider: 'src', as: 'remote' }] },
      patterns: ['remote::btc.trade', 'remote::eth.trade'],
    });
    const holders = (): string[] => a.cluster.exporter!.stats().holders.map((h) => h.holder.split('/')[0]).sort();
    expect(holders()).toEqual(['b', 'c']);
    expect(script.subscribed).toEqual(new Set(['src::btc.trade', 'src::eth.trade']));
    // A few renewals go by: the lease is kept alive while the node lives.
    const renewedUntil = Date.now() + FAST.leaseMs * 2;
    await waitUntil(() => Date.now() > renewedUntil, FAST.leaseMs * 3, 'two lease periods');
    expect(holders()).toEqual(['b', 'c']);

    const killedAt = Date.now();
    await doomed.kill();
    await waitUntil(() => !script.subscribed.has('src::btc.trade'), FAST.leaseMs * 4, 'btc released upstream');
    const releasedAfter = Date.now() - killedAt;

    // Within the lease (plus a sweep period and slack for a loaded machine).
    expect(releasedAfter).toBeLessThanOrEqual(FAST.leaseMs + 700);
    expect(holders()).toEqual(['c']);
    // The stream node C still wants was kept.
    expect(script.subscribed).toEqual(new Set(['src::eth.trade']));
    expect(script.callsOf('unsubscribe').flatMap((call) => call.ids)).toEqual(['src::btc.trade']);
  });

  test('a slow upstream subscribe does not let other nodes\' leases lapse', async () => {
    const script: ProviderScript = scriptWith('src', ['btc', 'eth']);
    const a = await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', script.factory));
    const importer = { import: [{ node: 'a', provider: 'src', as: 'remote' }] };
    const [b, c] = await Promise.all([startNode(nats().url, { node: 'b', ...importer }), startNode(nats().url, { node: 'c', ...importer })]);
    const onB = await b.service.newSession({ idleAfterMs: 0 });
    await b.service.attachClient(onB);
    await b.service.configureSession(onB, ['remote::btc.trade']);

    // C's stream stalls upstream for two leases; the exporter's queue of changes is stuck.
    const release = script.stallNext('subscribe');
    const onC = await c.service.newSession({ idleAfterMs: 0 });
    await c.service.attachClient(onC);
    const stuck = c.service.configureSession(onC, ['remote::eth.trade']).catch((error: unknown) => error);
    const until = Date.now() + FAST.leaseMs * 2;
    await waitUntil(() => Date.now() > until, FAST.leaseMs * 3, 'two lease periods');
    release();
    await stuck;
    // B kept renewing meanwhile: its lease and its stream were never let go.
    expect(a.cluster.exporter!.stats().holders.map((h) => h.holder.split('/')[0])).toContain('b');
    expect(script.callsOf('unsubscribe').flatMap((call) => call.ids)).not.toContain('src::btc.trade');
  });

  test('an importing node that leaves gracefully gives its lease back at once', async () => {
    const script: ProviderScript = scriptWith('src', ['btc']);
    const a = await startNode(nats().url, { node: 'a', export: ['src'], leaseMs: 60_000 }, (service) => service.addProvider('src', script.factory));
    const b = await startNode(nats().url, { node: 'b', leaseMs: 60_000, import: [{ node: 'a', provider: 'src', as: 'remote' }] });
    const session = await b.service.newSession({ idleAfterMs: 0 });
    await b.service.attachClient(session);
    await b.service.configureSession(session, ['remote::btc.trade']);
    expect(a.cluster.exporter!.stats().holders).toHaveLength(1);
    await b.stop();
    // Long before the 60 s lease could run out.
    await waitUntil(() => a.cluster.exporter!.stats().holders.length === 0 && script.subscribed.size === 0, 5_000, 'the lease given back');
  });
});
