import type { Envelope } from '../common/envelope';
import { ContinuityChecker, EnvelopeRecorder, waitUntil, type ProviderScript } from '../testkit';
import { FAST, scriptWith, startChildNode, startNode, useChildNodes, type TestNode } from './support/cluster-nodes';
import { describeNats, useNatsServer } from './support/nats-suite';


const IMPORT = { node: 'b', import: [{ node: 'a', provider: 'src', as: 'remote' }] };

/** Notices about the imported provider, in order, as `kind` strings. */
function providerNotices(recorder: EnvelopeRecorder): string[] {
  return recorder.envelopes.filter((e: Envelope) => e.type === 'notice' && (e.kind === 'provider-down' || e.kind === 'provider-up')).map((e) => (e as { kind: string }).kind);
}

async function watch(node: TestNode, patterns: string[]): Promise<EnvelopeRecorder> {
  const id = await node.service.newSession({ idleAfterMs: 0 });
  const recorder = new EnvelopeRecorder((await node.service.attachClient(id)).envelopes);
  await node.service.configureSession(id, patterns);
  return recorder;
}

describeNats('importing sessions recover on their own', () => {
  const nats = useNatsServer();
  useChildNodes();

  test('a nats-server restart: provider-down, then provider-up, and the stream flows again', async () => {
    const script: ProviderScript = scriptWith('src', ['btc']);
    const a = await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', script.factory));
    const b = await startNode(nats().url, IMPORT);
    const recorder = await watch(b, ['remote::btc.trade']);
    script.emit('btc.trade', 'before');
    await recorder.waitFor((r) => r.messages.length === 1);

    await nats().kill();
    await recorder.waitFor((r) => r.notices('provider-down').length === 1, 5_000, 'provider-down');
    expect(recorder.notices('provider-down')[0]).toMatchObject({ provider: 'remote', reason: 'reported', message: 'NATS connection lost' });
    // Outlast the lease, so the exporter lets go of the stream and must take it up again.
    await waitUntil(() => a.cluster.exporter!.stats().streams === 0, FAST.leaseMs * 4, 'the lease to expire on A');
    script.emit('btc.trade', 'lost in the outage');

    await nats().restart();
    await recorder.waitFor((r) => r.notices('provider-up').length === 1, 10_000, 'provider-up');
    await waitUntil(() => a.cluster.exporter!.stats().streams === 1, 5_000, 'the stream taken up again');
    script.emit('btc.trade', 'after');
    await recorder.waitFor((r) => r.messages.some((m) => m.payload === 'after'), 5_000, 'a message after the outage');
    expect(providerNotices(recorder)).toEqual(['provider-down', 'provider-up']);
    // The origin's numbering: A let go of the stream when the lease expired, so it came back
    // under a new epoch (counting started again), and the link-down gap notice announced it.
    const [before, after] = recorder.messages;
    expect([before.payload, after.payload]).toEqual(['before', 'after']);
    expect(after.epoch).not.toBe(before.epoch);
    expect(recorder.notices('gap')).toEqual([{ type: 'notice', kind: 'gap', id: 'remote::btc.trade', reason: 'link-down' }]);
    const checker = new ContinuityChecker();
    recorder.envelopes.forEach((e) => checker.observe(e));
    expect(checker.findings).toEqual([]);
  });

  test('an exporter restart: provider-down, then provider-up, and the new exporter serves the stream', async () => {
    const first = scriptWith('src', ['btc']);
    const a = await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', first.factory));
    const b = await startNode(nats().url, IMPORT);
    const recorder = await watch(b, ['remote::btc.trade']);
    const onA = await watch(a, ['src::btc.trade']);
    first.emit('btc.trade', 'first');
    await recorder.waitFor((r) => r.messages.length === 1);
    await onA.waitFor((r) => r.messages.length === 1);

    await a.stop();
    await recorder.waitFor((r) => r.notices('provider-down').length === 1, 5_000, 'provider-down');
    const second = scriptWith('src', ['btc']);
    await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', second.factory));
    await recorder.waitFor((r) => r.notices('provider-up').length === 1, 10_000, 'provider-up');
    expect(second.subscribed).toEqual(new Set(['src::btc.trade']));
    second.emit('btc.trade', 'second');
    await recorder.waitFor((r) => r.messages.length === 2, 5_000, 'a message from the new exporter');
    expect(providerNotices(recorder)).toEqual(['provider-down', 'provider-up']);
    expect(recorder.messages[1]).toMatchObject({ id: 'remote::btc.trade', payload: 'second' });
    // The new exporter counts from 1 again under a new epoch: never seq going back within one.
    const [before, after] = recorder.messages;
    expect([before.seq, after.seq]).toEqual([1, 1]);
    expect(before.epoch).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(after.epoch).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(after.epoch).not.toBe(before.epoch);
    // The epoch crosses the link unchanged: it is the exporting node's own.
    expect(before.epoch).toBe(onA.messages[0].epoch);
    const checker = new ContinuityChecker();
    recorder.envelopes.forEach((e) => checker.observe(e));
    expect(checker.ok).toBe(true);
    expect(checker.epochChanges).toBe(1);
  });

  test('while the exporter is away new streams are refused; once it is back they start', async () => {
    const b = await startNode(nats().url, IMPORT);
    const id = await b.service.newSession({ idleAfterMs: 0 });
    const recorder = new EnvelopeRecorder((await b.service.attachClient(id)).envelopes);
    // No exporter yet: refused, saying why, and nothing is left half-done.
    await expect(b.service.configureSession(id, ['remote::btc.trade'])).rejects.toMatchObject({ code: 'STREAM_START_FAILED', message: expect.stringMatching(/unreachable/) });
    const script = scriptWith('src', ['btc']);
    await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', script.factory));
    await expect(b.service.configureSession(id, ['remote::btc.trade'])).resolves.toEqual(['remote::btc.trade']);
    script.emit('btc.trade', 'hello');
    await recorder.waitFor((r) => r.messages.length === 1, 5_000, 'the stream');
    expect(providerNotices(recorder)).toEqual([]);
  });

  test("a crash of the provider on A reaches B's sessions as provider-down, then provider-up", async () => {
    const script = scriptWith('src', ['btc']);
    const a = await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', script.factory), { faultInjection: true, providerRestart: { initialBackoffMs: 10 } });
    const b = await startNode(nats().url, IMPORT);
    const recorder = await watch(b, ['remote::btc.trade']);

    await a.service.crash({ provider: 'src' });
    await recorder.waitFor((r) => r.notices('provider-up').length === 1, 5_000, 'provider-up');
    expect(recorder.notices('provider-down')[0].message).toMatch(/^remote provider: .*fault injection/);
    script.emit('btc.trade', 'after the restart');
    await recorder.waitFor((r) => r.messages.length === 1, 5_000, 'the stream after the restart');
    expect(providerNotices(recorder)).toEqual(['provider-down', 'provider-up']);
    // A's own gap notice crosses the link (ahead of the stream's later messages).
    const gapAt = recorder.envelopes.findIndex((e) => e.type === 'notice' && e.kind === 'gap' && e.reason === 'provider-restart');
    expect(gapAt).toBeGreaterThanOrEqual(0);
    expect(gapAt).toBeLessThan(recorder.envelopes.indexOf(recorder.messages[0]));
  });

  test('ctx.gap on the exporting node reaches the importing sessions, in order with the messages', async () => {
    const script = scriptWith('src', ['btc']);
    await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', script.factory));
    const b = await startNode(nats().url, IMPORT);
    const recorder = await watch(b, ['remote::btc.trade']);
    script.emit('btc.trade', 1);
    script.emit('btc.trade', 2);
    script.gap('btc.trade', 'venue reconnect');
    script.emit('btc.trade', 3);
    await recorder.waitFor((r) => r.messages.length === 3, 5_000, 'three messages');
    const seen = recorder.envelopes.map((e) => (e.type === 'message' ? e.payload : e.kind === 'gap' ? `gap ${e.reason}` : e.kind));
    expect(seen).toEqual([1, 2, 'gap venue reconnect', 3]);
  });

  test('a crash of the imported provider on B: restarted, resubscribed, the old lease let go', async () => {
    const script = scriptWith('src', ['btc']);
    const a = await startNode(nats().url, { node: 'a', export: ['src'] }, (service) => service.addProvider('src', script.factory));
    const b = await startNode(nats().url, IMPORT, undefined, { faultInjection: true, providerRestart: { initialBackoffMs: 10 } });
    const recorder = await watch(b, ['remote::btc.trade']);
    const firstHolder = a.cluster.exporter!.stats().holders[0].holder;

    await b.service.crash({ provider: 'remote' });
    await recorder.waitFor((r) => r.notices('provider-up').length === 1, 5_000, 'provider-up after the restart');
    // The new incarnation holds its own lease; the crashed one's is gone (released or expired).
    await waitUntil(() => a.cluster.exporter!.stats().holders.map((h) => h.holder).join() !== firstHolder && a.cluster.exporter!.stats().holders.length === 1, FAST.leaseMs * 4, 'one lease, the new one');
    script.emit('btc.trade', 'after the crash');
    await recorder.waitFor((r) => r.messages.length === 1, 5_000, 'the stream after the crash');
    expect(providerNotices(recorder)).toEqual(['provider-down', 'provider-up']);
    expect(script.subscribed).toEqual(new Set(['src::btc.trade']));
  });

  test('an exporter killed without a word: heartbeats stop, and its successor is taken up', async () => {
    const exporter = { nats: { node: 'a', servers: [nats().url], ...FAST, export: ['src'] }, synthetic: ['src'] };
    let killed = await startChildNode(exporter);
    const b = await startNode(nats().url, IMPORT);
    const recorder = await watch(b, ['remote::btc.ticks[rate=200]']);
    await recorder.waitFor((r) => r.messages.length > 0, 5_000, 'ticks from the child exporter');

    await killed.kill();
    await recorder.waitFor((r) => r.notices('provider-down').length === 1, 5_000, 'provider-down');
    expect(recorder.notices('provider-down')[0].message).toBe('exporter heartbeat lost');
    const seen = recorder.messages.length;
    killed = await startChildNode(exporter);
    await recorder.waitFor((r) => r.notices('provider-up').length === 1, 10_000, 'provider-up');
    await recorder.waitFor((r) => r.messages.length > seen, 5_000, 'ticks from the new exporter');
    expect(providerNotices(recorder)).toEqual(['provider-down', 'provider-up']);
  });
});
