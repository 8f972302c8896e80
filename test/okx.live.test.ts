/**
 * Against the real venue: run with `npm run test:live` only (never part of `npm test`).
 * Needs outbound access to the OKX v5 public WebSocket (the provider's default baseUrl).
 */
import { systemClock } from '../common/clock';
import { OkxProvider } from '../providers/okx';
import { parseIdentifier } from '../router/identifier';
import { CaptureContext } from '../testkit';
import { waitFor } from './support/binance-context';

describe('OkxProvider on the live venue', () => {
  const ctx = new CaptureContext({ name: 'okx', clock: systemClock });
  const provider = new OkxProvider();

  afterAll(() => {
    provider.stop();
    ctx.dispose();
  });

  it('receives a normalized btc-usdt-swap trade and derivative', async () => {
    provider.start(ctx);
    const [trade, derivative] = ['okx::btc-usdt-swap.trade', 'okx::btc-usdt-swap.derivative'].map((t) => parseIdentifier(t));
    expect(await provider.subscribe([trade, derivative])).toEqual({});
    await waitFor(() => ctx.payloadsOf(trade.canonical).length > 0 && ctx.payloadsOf(derivative.canonical).length > 0, 'a trade and a derivative', 45_000);
    const first = ctx.emits.find((e) => e.id === trade.canonical)!;
    expect(first.payload).toEqual({ price: expect.any(Number), amount: expect.any(Number), side: expect.stringMatching(/^(buy|sell)$/), tradeId: expect.any(String) });
    expect(typeof first.eventTs).toBe('number');
    expect(ctx.payloadsOf(derivative.canonical)[0]).toMatchObject({ markPrice: expect.any(Number) });
    expect(provider.stats()).toMatchObject({ malformedFrames: 0, unmappableMessages: 0 });
    expect(ctx.failures).toEqual([]);
  });
});
