import { BybitProvider } from '../providers/bybit';
import { EnvelopeRecorder } from '../testkit/wait';
import { waitFor } from './support/binance-context';
import { FakeBybit } from './support/fake-bybit';
import { startService } from './support/service';

let fake: FakeBybit | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('Bybit through the service', () => {
  it('delivers normalized trades, refuses unknown instruments with the reason, and survives venue garbage', async () => {
    fake = await FakeBybit.start();
    const venue = fake;
    const service = await startService();
    await service.addProvider('bybit', () => new BybitProvider({ baseUrl: venue.url, symbols: ['btcusdt', 'ethusdt'] }));
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);

    await expect(service.configureSession(session, ['bybit::dogeusdt.trade'])).rejects.toMatchObject({
      code: 'INVALID_PATTERN',
      message: expect.stringMatching(/lists no instrument "dogeusdt"/),
    });
    expect(venue.connections).toHaveLength(0);

    await service.configureSession(session, ['bybit::btcusdt.trade']);
    await waitFor(() => venue.subscribed().length === 1, 'the venue subscription');
    for (const junk of ['garbage', '{"topic":"publicTrade.BTCUSDT"}', '{"op":"subscribe","req_id":"1"}']) venue.open[0].send(junk);
    venue.publish('publicTrade.BTCUSDT', 'snapshot', [{ T: 1_700_000_000_005, s: 'BTCUSDT', S: 'Sell', v: '0.010', p: '91000.5', L: 'MinusTick', i: 't-1', BT: false }]);
    await recorder.waitFor((r) => r.messages.length === 1);
    expect(recorder.messages[0]).toMatchObject({
      id: 'bybit::btcusdt.trade',
      seq: 1,
      eventTs: 1_700_000_000_005,
      payload: { price: 91000.5, amount: 0.01, side: 'sell', tradeId: 't-1' },
    });
    const [stats] = (await service.stats()).providers;
    expect(stats).toMatchObject({ name: 'bybit', streams: 1 });
  });
});
