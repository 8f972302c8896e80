import v8 from 'node:v8';
import vm from 'node:vm';
import { SyntheticProvider } from '../providers/synthetic';
import { EnvelopeRecorder, ManualClock } from '../testkit';
import { startService } from './support/service';

// No per-id state is kept forever: a published id that is idle and unwatched, or the least
// recently used of too many, is let go; a provider stream's counter goes when the stream does;
// one that comes back starts again under a new epoch. Answers that list ids are capped.

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;

async function publisherOn(service: Awaited<ReturnType<typeof startService>>) {
  const session = await service.newSession();
  return { session, client: await service.attachClient(session) };
}

/** How many published ids of `local` the service remembers: explain lists (or counts) them all. */
async function remembered(service: Awaited<ReturnType<typeof startService>>): Promise<number> {
  const answer = await service.explain('local::*');
  return answer.flowing.length + (answer.flowingOmitted ?? 0);
}

describe('published ids', () => {
  test('distinct ids with nobody watching are bounded, and let go once idle', async () => {
    const clock = new ManualClock();
    const service = await startService({ clock, publishNamespaces: ['local'], limits: { maxPublishedStreams: 2_000, publishedIdleMs: 60_000 } });
    const { client } = await publisherOn(service);
    const before = heap();
    for (let i = 0; i < 20_000; i++) await client.publish(`local::order.id${i}`, { i, pad: 'x'.repeat(200) });
    expect(await remembered(service)).toBe(2_000);
    // The explain answer is capped, with a count of what it left out.
    const answer = await service.explain('local::*');
    expect(answer.flowing).toHaveLength(1_000);
    expect(answer.flowingOmitted).toBe(1_000);
    clock.advance(60_000);
    await service.stats(); // the sweep runs in the manager's turn, before this answer
    expect(await remembered(service)).toBe(0);
    expect(heap() - before).toBeLessThan(8 * MB);
  });

  test('a watched id is never idle; one that comes back after being let go has a new epoch', async () => {
    const clock = new ManualClock();
    const service = await startService({ clock, publishNamespaces: ['local'], limits: { publishedIdleMs: 1_000 } });
    const { client } = await publisherOn(service);
    const watcher = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(watcher)).envelopes);
    await service.configureSession(watcher, ['local::watched']);
    await client.publish('local::watched', 1);
    await client.publish('local::other', 1);
    await recorder.waitFor((r) => r.messages.length === 1);
    clock.advance(5_000);
    await service.stats();
    expect((await service.explain('local::*')).flowing).toEqual(['local::watched']);
    await client.publish('local::watched', 2);
    await recorder.waitFor((r) => r.messages.length === 2);
    expect(recorder.messages.map((m) => [m.seq, m.epoch])).toEqual([
      [1, recorder.messages[0].epoch],
      [2, recorder.messages[0].epoch],
    ]);
    // Unwatched and idle: let go. Watched again, it restarts at 1 under another epoch.
    await service.configureSession(watcher, []);
    clock.advance(5_000);
    await service.stats();
    expect(await remembered(service)).toBe(0);
    await service.configureSession(watcher, ['local::watched']);
    await client.publish('local::watched', 3);
    await recorder.waitFor((r) => r.messages.length === 3);
    const third = recorder.messages[2];
    expect(third.seq).toBe(1);
    expect(third.epoch).not.toBe(recorder.messages[0].epoch);
  });
});

describe('provider streams', () => {
  test('reconfiguring through thousands of stream ids leaves nothing behind', async () => {
    const synthetic = new SyntheticProvider({ emitMode: 'manual' });
    const service = await startService();
    await service.addProvider('synthetic', synthetic);
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['synthetic::btcusdt.ticks[rate=100]']);
    const before = heap();
    for (let i = 1; i <= 3_000; i++) {
      await service.configureSession(session, [`synthetic::btcusdt.ticks[rate=${100 + i / 1000}]`]);
      synthetic.pump(1);
    }
    await service.configureSession(session, []);
    await recorder.waitFor((r) => r.messages.length === 3_000, 10_000, 'a message of every stream');
    recorder.stop();
    recorder.envelopes.length = 0;
    expect((await service.explain('synthetic::*')).flowing).toEqual([]);
    expect(heap() - before).toBeLessThan(1 * MB);
  });

  test('numbers spelled two ways are refused rather than made two streams', async () => {
    const service = await startService();
    await service.addProvider('synthetic', new SyntheticProvider({ emitMode: 'manual' }));
    const session = await service.newSession();
    for (const spelling of ['rate=0x10', 'rate=16.0', 'rate=1.6e1', 'rate=016', 'size=+8', 'size=8.'])
      await expect(service.configureSession(session, [`synthetic::btcusdt.ticks[${spelling}]`])).rejects.toMatchObject({ code: 'INVALID_PATTERN', message: expect.stringMatching(/shortest decimal form/) });
    expect(await service.configureSession(session, ['synthetic::btcusdt.ticks[rate=16;size=8]'])).toEqual(['synthetic::btcusdt.ticks[rate=16;size=8]']);
  });

  test('a stream that is gone and comes back starts again under a new epoch', async () => {
    const synthetic = new SyntheticProvider({ emitMode: 'manual' });
    const service = await startService();
    await service.addProvider('synthetic', synthetic);
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, ['synthetic::btcusdt.ticks']);
    synthetic.pump(1);
    await recorder.waitFor((r) => r.messages.length >= 1);
    await service.configureSession(session, []);
    await service.configureSession(session, ['synthetic::btcusdt.ticks']);
    synthetic.pump(1);
    await recorder.waitFor((r) => r.messages.length >= 2);
    const [first, second] = recorder.messages;
    expect(second.seq).toBe(1);
    expect(second.epoch).not.toBe(first.epoch);
  });
});

describe('stats are capped', () => {
  test('at most 1,000 sessions are listed, with a count of the rest', async () => {
    const service = await startService();
    for (let i = 0; i < 1_005; i++) await service.newSession();
    const stats = await service.stats();
    expect(stats.sessions).toHaveLength(1_000);
    expect(stats.sessionsOmitted).toBe(5);
  });
});
