/**
 * Against the real exchange: run with `npm run test:live` only (never part of `npm test`).
 * Needs outbound access to wss://fstream.binance.com.
 */
import { systemClock } from '../common/clock';
import { BinanceProvider } from '../providers/binance';
import { parseIdentifier } from '../router/identifier';
import { CaptureContext } from '../testkit';
import { waitFor } from './support/binance-context';

describe('BinanceProvider on the live exchange', () => {
  const ctx = new CaptureContext({ name: 'binance', clock: systemClock });
  const provider = new BinanceProvider();

  afterAll(() => {
    provider.stop();
    ctx.dispose();
  });

  it('receives a btcusdt aggTrade', async () => {
    provider.start(ctx);
    const id = parseIdentifier('binance::btcusdt.aggTrade');
    expect(await provider.subscribe([id])).toEqual({});
    await waitFor(() => ctx.emits.length > 0, 'a btcusdt aggTrade', 45_000);
    const [first] = ctx.emits;
    expect(first.id).toBe(id.canonical);
    expect(first.payload).toMatchObject({ e: 'aggTrade', s: 'BTCUSDT' });
    expect(typeof first.eventTs).toBe('number');
    expect(ctx.failures).toEqual([]);
  });
});
