/**
 * Against the real venue: run with `npm run test:live` only (never part of `npm test`).
 * Needs outbound access to Bybit's public linear stream.
 */
import { systemClock } from '../common/clock';
import { BybitProvider } from '../providers/bybit';
import { parseIdentifier } from '../router/identifier';
import { CaptureContext } from '../testkit';
import { waitFor } from './support/binance-context';

describe('BybitProvider on the live venue', () => {
  const ctx = new CaptureContext({ name: 'bybit', clock: systemClock });
  const provider = new BybitProvider();

  afterAll(() => {
    provider.stop();
    ctx.dispose();
  });

  it('receives btcusdt trades, raw and normalized, and a quote', async () => {
    provider.start(ctx);
    const [raw, trade, quote] = ['bybit::btcusdt.publicTrade', 'bybit::btcusdt.trade', 'bybit::btcusdt.quote'].map((t) => parseIdentifier(t));
    expect(await provider.subscribe([raw, trade, quote])).toEqual({});
    await waitFor(() => [raw, trade, quote].every((id) => ctx.emits.some((e) => e.id === id.canonical)), 'a message of each', 45_000);
    expect(ctx.emits.find((e) => e.id === raw.canonical)?.payload).toMatchObject({ topic: 'publicTrade.BTCUSDT' });
    const t = ctx.emits.find((e) => e.id === trade.canonical)!;
    expect(t.payload).toEqual({ price: expect.any(Number), amount: expect.any(Number), side: expect.stringMatching(/^(buy|sell)$/), tradeId: expect.any(String) });
    expect(typeof t.eventTs).toBe('number');
    expect(ctx.emits.find((e) => e.id === quote.canonical)?.payload).toEqual({ bidPrice: expect.any(Number), bidAmount: expect.any(Number), askPrice: expect.any(Number), askAmount: expect.any(Number) });
    expect(provider.stats()).toMatchObject({ malformedFrames: 0, unmappableMessages: 0 });
    expect(ctx.failures).toEqual([]);
  });
});
