import { Identifier } from '../router/identifier';
import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder, waitUntil } from '../testkit/wait';
import { ManualClock } from '../testkit';
import { startService } from './support/service';

const policy = { initialBackoffMs: 100, maxBackoffMs: 1_000, jitter: 0, maxRestarts: 5, withinMs: 60_000 };

async function setup() {
  const clock = new ManualClock();
  const service = await startService({ clock, faultInjection: true, providerRestart: policy, publishNamespaces: ['local'] });
  const script = new ProviderScript();
  script.catalogue = ['a', 'b'].map((s) => Identifier.of('feed', { [s]: {}, trade: {} }));
  await service.addProvider('feed', script.factory);
  const session = await service.newSession();
  const client = await service.attachClient(session);
  const recorder = new EnvelopeRecorder(client.envelopes);
  await service.configureSession(session, ['feed::a.trade', 'feed::b.trade', 'local::*']);
  return { clock, service, script, session, client, recorder };
}

/** What the recorder saw, compactly: `a.trade 1`, `gap a.trade reason`, `provider-down`. */
function transcript(recorder: EnvelopeRecorder): string[] {
  return recorder.envelopes.map((e) => {
    if (e.type === 'message') return `${e.id.replace('feed::', '')} ${e.seq}`;
    if (e.kind === 'gap') return `gap ${e.id.replace('feed::', '')} ${e.reason}`;
    return e.kind;
  });
}

describe('epoch', () => {
  test('every message carries the epoch of its seq counter, the same string for every stream of the service', async () => {
    const { service, script, recorder } = await setup();
    script.emit('a.trade', 1);
    script.emit('b.trade', 2);
    const publisher = await service.newSession();
    await (await service.attachClient(publisher)).publish('local::x', 3);
    await recorder.waitFor((r) => r.messages.length === 3);
    const epochs = new Set(recorder.messages.map((m) => m.epoch));
    expect(epochs.size).toBe(1);
    const [epoch] = epochs;
    expect(epoch).toMatch(/^[A-Za-z0-9_-]{8}$/);
    // One shared string, not a copy per message: the hot path allocates nothing for it.
    expect(recorder.messages.every((m) => m.epoch === epoch)).toBe(true);
  });

  test('a provider restart keeps the epoch and seq goes on; another service has another epoch', async () => {
    const { clock, service, script, recorder } = await setup();
    script.emit('a.trade', 1);
    await recorder.waitFor((r) => r.messages.length === 1);
    await service.crash({ provider: 'feed' });
    await recorder.waitFor((r) => r.notices('provider-down').length === 1);
    clock.advance(100);
    await recorder.waitFor((r) => r.notices('provider-up').length === 1);
    script.emit('a.trade', 2);
    await recorder.waitFor((r) => r.messages.length === 2);
    const [first, second] = recorder.messages;
    expect(second.epoch).toBe(first.epoch);
    expect(second.seq).toBe(first.seq + 1);

    const other = await setup();
    other.script.emit('a.trade', 1);
    await other.recorder.waitFor((r) => r.messages.length === 1);
    expect(other.recorder.messages[0].epoch).not.toBe(first.epoch);
  });
});

describe('gap notices', () => {
  test('ctx.gap reaches exactly the sessions receiving the stream, in order with its messages', async () => {
    const { service, script, recorder } = await setup();
    const onlyB = await service.newSession();
    const bRecorder = new EnvelopeRecorder((await service.attachClient(onlyB)).envelopes);
    await service.configureSession(onlyB, ['feed::b.trade']);
    script.emit('a.trade', 1);
    script.emit('a.trade', 2);
    script.gap('a.trade', 'venue reconnect');
    script.emit('a.trade', 3);
    script.emit('b.trade', 1);
    await recorder.waitFor((r) => r.messages.length === 4);
    await bRecorder.waitFor((r) => r.messages.length === 1);
    expect(transcript(recorder)).toEqual(['a.trade 1', 'a.trade 2', 'gap a.trade venue reconnect', 'a.trade 3', 'b.trade 1']);
    expect(transcript(bRecorder)).toEqual(['b.trade 1']);
  });

  test('a gap notice keeps its place when the messages around it arrive in one batch', async () => {
    const { script, recorder } = await setup();
    for (let i = 1; i <= 20; i++) {
      script.emit(i % 2 === 0 ? 'a.trade' : 'b.trade', i);
      if (i === 10) script.gap('b.trade', 'resync');
    }
    await recorder.waitFor((r) => r.messages.length === 20);
    const t = transcript(recorder);
    expect(t.indexOf('gap b.trade resync')).toBe(10);
    expect(t).toHaveLength(21);
  });

  test('a provider restart gives every session a gap notice for each stream that was flowing', async () => {
    const { clock, service, script, recorder } = await setup();
    script.emit('a.trade', 1);
    script.emit('b.trade', 1);
    await recorder.waitFor((r) => r.messages.length === 2);
    await service.crash({ provider: 'feed' });
    await recorder.waitFor((r) => r.notices('gap').length === 2);
    clock.advance(100);
    await waitUntil(() => script.instances.length === 2 && script.subscribed.size === 2, 5000, 'resubscribe');
    script.emit('a.trade', 2);
    await recorder.waitFor((r) => r.messages.length === 3);
    const t = transcript(recorder).filter((line) => line !== 'provider-down' && line !== 'provider-up');
    expect(t).toEqual(['a.trade 1', 'b.trade 1', 'gap a.trade provider-restart', 'gap b.trade provider-restart', 'a.trade 2']);
  });
});
