import { EnvelopeRecorder } from '../testkit/wait';
import type { WorkerStats } from '../common/service-types';
import { startService } from './support/service';
import { BAR, startBarsRig } from './support/bars-rig';

/** Polls the worker's stats until `check` holds. */
async function workerUntil(service: Awaited<ReturnType<typeof startService>>, check: (w: WorkerStats) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check((await service.stats()).workers[0])) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

const trade = (price: number, amount = 1, side: 'buy' | 'sell' = 'buy') => ({ price, amount, side, tradeId: String(price) });

async function setup() {
  const rig = await startBarsRig();
  await rig.service.configureSession(rig.session, [BAR]);
  return rig;
}

describe('workers: continuity', () => {
  it('a crash mid-bar gives a gap notice, and the bar after the partial one is right', async () => {
    const { clock, service, script, recorder } = await setup();
    script.emit('btcusdt.trade', trade(10), 1_000);
    script.emit('btcusdt.trade', trade(11), 1_200);
    await workerUntil(service, (w) => w.received === 2, 'trades in');
    await service.crash({ worker: 'bars' });
    await recorder.waitFor((r) => r.notices('provider-down').length === 1);
    expect(recorder.notices('gap')).toEqual([{ type: 'notice', kind: 'gap', id: BAR, reason: 'provider-restart' }]);
    clock.advance(300);
    await recorder.waitFor((r) => r.notices('provider-up').length === 1);
    await workerUntil(service, (w) => w.inputs === 1 && w.state === 'running', 'inputs bound again');
    // The restarted worker lost 1_000 and 1_200: the bar it closes is partial (the gap said so).
    for (const [price, ts] of [[12, 1_500], [20, 2_100], [21, 2_900], [30, 3_000]]) script.emit('btcusdt.trade', trade(price), ts);
    await recorder.waitFor((r) => r.messages.length === 2);
    const [partial, next] = recorder.messages.map((m) => m.payload);
    expect(partial).toMatchObject({ startTs: 1_000, trades: 1, open: 12 });
    expect(next).toEqual({ open: 20, high: 21, low: 20, close: 21, volume: 2, buyVolume: 2, sellVolume: 0, trades: 2, vwap: 20.5, startTs: 2_000, endTs: 3_000, closed: true });
    const order = recorder.envelopes.map((e) => (e.type === 'message' ? 'bar' : e.kind));
    expect(order.indexOf('gap')).toBeLessThan(order.indexOf('bar'));
    expect((await service.stats()).workers[0]).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('a session joining gets the bar in progress first, marked state, then the same closed bars as everyone', async () => {
    const { service, script, recorder } = await setup();
    script.emit('btcusdt.trade', trade(10), 1_000);
    script.emit('btcusdt.trade', trade(11, 2, 'sell'), 2_000);
    script.emit('btcusdt.trade', trade(12), 2_500);
    await recorder.waitFor((r) => r.messages.length === 1);
    await workerUntil(service, (w) => w.received === 3, 'trades in');
    const late = await service.newSession();
    const joiner = new EnvelopeRecorder((await service.attachClient(late)).envelopes);
    await service.configureSession(late, [BAR]);
    script.emit('btcusdt.trade', trade(13), 3_000);
    await joiner.waitFor((r) => r.messages.length === 2);
    await recorder.waitFor((r) => r.messages.length === 2);
    const [state, closed] = joiner.messages;
    expect(state).toMatchObject({ id: BAR, state: true, payload: { startTs: 2_000, endTs: 3_000, trades: 2, volume: 3, sellVolume: 2, closed: false } });
    expect(closed).toEqual(recorder.messages[1]);
    expect(closed.payload).toMatchObject({ startTs: 2_000, trades: 2, closed: true });
    expect(recorder.messages.some((m) => m.state === true)).toBe(false);
  });

  it('a gap on an input becomes a gap on the streams it feeds, in order with the bars', async () => {
    const { script, recorder } = await setup();
    script.emit('btcusdt.trade', trade(10), 1_000);
    script.emit('btcusdt.trade', trade(10), 2_000);
    script.gap('btcusdt.trade', 'reconnect');
    script.emit('btcusdt.trade', trade(10), 3_000);
    await recorder.waitFor((r) => r.messages.length === 2 && r.notices('gap').length === 1);
    expect(recorder.envelopes.map((e) => (e.type === 'message' ? (e.payload as { startTs: number }).startTs : `${e.kind} ${'reason' in e ? e.reason : ''}`))).toEqual([
      1_000,
      'gap input feed::btcusdt.trade: reconnect',
      2_000,
    ]);
  });
});
