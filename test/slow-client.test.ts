import type { OverflowPolicy } from '../common/service-types';
import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder } from '../testkit/wait';
import { startService } from './support/service';

async function setup(outBuffer: number, overflow: OverflowPolicy) {
  const service = await startService();
  const script = new ProviderScript();
  await service.addProvider('feed', script.factory);
  const session = await service.newSession();
  const client = await service.attachClient(session, { outBuffer, overflow });
  await service.configureSession(session, ['feed::*']);
  return { service, script, session, client };
}

/** Emits `count` messages and waits until the router has offered them all. */
async function flood(s: Awaited<ReturnType<typeof setup>>, count: number, ids = ['x']): Promise<void> {
  const target = (await s.service.stats()).router.routed + count;
  for (let i = 0; i < count; i++) s.script.emit(ids[i % ids.length], i);
  // The router answers stats after the wake that was queued before the question.
  for (let attempt = 0; (await s.service.stats()).router.routed < target; attempt++) {
    if (attempt > 1000) throw new Error('messages were not routed');
  }
}

function announced(recorder: EnvelopeRecorder): number {
  return recorder.notices('dropped').reduce((sum, n) => sum + n.count, 0);
}

describe('slow clients', () => {
  it('a client that reads nothing stays within its bound; counted drops equal announced drops', async () => {
    const s = await setup(100, 'drop-newest');
    await flood(s, 10_000);
    const stats = (await s.service.stats()).sessions[0];
    expect(stats).toMatchObject({ buffered: 100, dropped: 9_900 });
    const recorder = new EnvelopeRecorder(s.client.envelopes);
    await recorder.waitFor((r) => r.messages.length === 100);
    expect(announced(recorder)).toBe(9_900);
    expect(recorder.messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(recorder.notices('dropped')[0]).toMatchObject({ count: 9_900, total: 9_900 });
  });

  it('drop-oldest keeps the newest messages', async () => {
    const s = await setup(100, 'drop-oldest');
    await flood(s, 1_000);
    const recorder = new EnvelopeRecorder(s.client.envelopes);
    await recorder.waitFor((r) => r.messages.length === 100);
    expect(recorder.messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 901));
    expect(announced(recorder)).toBe(900);
    expect((await s.service.stats()).sessions[0].dropped).toBe(900);
  });

  it('conflate keeps the latest message per identifier', async () => {
    const s = await setup(3, 'conflate');
    await flood(s, 300, ['btc', 'eth', 'sol']);
    const recorder = new EnvelopeRecorder(s.client.envelopes);
    await recorder.waitFor((r) => r.messages.length === 3);
    expect(recorder.messages.map((m) => [m.id, m.seq]).sort()).toEqual([
      ['feed::btc', 100],
      ['feed::eth', 100],
      ['feed::sol', 100],
    ]);
    expect(announced(recorder)).toBe(297);
  });

  it('disconnect cuts the client off with a notice; the session keeps buffering for a re-attach', async () => {
    const s = await setup(10, 'disconnect');
    s.client.pause();
    const first = new EnvelopeRecorder(s.client.envelopes);
    await flood(s, 25);
    await first.waitFor((r) => r.completed, 5000, 'disconnect');
    expect(first.notices('disconnected')).toEqual([{ type: 'notice', kind: 'disconnected', reason: 'slow-client', dropped: 15 }]);
    const again = await s.service.attachClient(s.session, { outBuffer: 10, overflow: 'disconnect' });
    const second = new EnvelopeRecorder(again.envelopes);
    await second.waitFor((r) => r.messages.length === 10);
    expect(second.messages.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(announced(second)).toBe((await s.service.stats()).sessions[0].dropped);
  });

  it('buffers while detached and replays on re-attach: a blip shorter than the buffer loses nothing', async () => {
    const s = await setup(1_000, 'drop-newest');
    const first = new EnvelopeRecorder(s.client.envelopes);
    s.script.emit('x', 'a');
    await first.waitFor((r) => r.messages.length === 1);
    await s.service.detachClient(s.session);
    await flood(s, 500);
    const again = await s.service.attachClient(s.session);
    const second = new EnvelopeRecorder(again.envelopes);
    await second.waitFor((r) => r.messages.length === 500);
    expect(second.messages.map((m) => m.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 2));
    expect(second.notices('dropped')).toEqual([]);
  });

  it('a slow client never slows the others', async () => {
    const s = await setup(10, 'drop-newest');
    s.client.pause();
    const fastSession = await s.service.newSession();
    const fast = new EnvelopeRecorder((await s.service.attachClient(fastSession, { outBuffer: 100_000 })).envelopes);
    await s.service.configureSession(fastSession, ['feed::*']);
    await flood(s, 20_000);
    await fast.waitFor((r) => r.messages.length === 20_000);
    const stats = await s.service.stats();
    expect(stats.sessions.find((x) => x.id === s.session)).toMatchObject({ buffered: 10, dropped: 19_990 });
    expect(stats.sessions.find((x) => x.id === fastSession)).toMatchObject({ delivered: 20_000, dropped: 0 });
  });
});
