import fc from 'fast-check';
import type { JsonValue } from '../common/json';
import { binanceNormalizer } from '../providers/binance/normalize';
import { streamOf } from '../providers/binance/streams';
import { parseIdentifier } from '../router/identifier';
import { startRig, stopRigs, waitFor } from './support/binance-context';
import { decimalText, epochMs, notADecimal, push, SCHEMA_KEYS } from './support/market-arbitraries';

// Frames follow Binance's USD-M "Websocket Market Streams" pages (Aggregate Trade, Individual
// Symbol Book Ticker, Mark Price, Liquidation Order): `data` objects with the documented keys.

describe('binance normalized kinds: identifiers', () => {
  it.each([
    ['binance::btcusdt.trade', 'btcusdt@aggTrade', 'market', 'trade'],
    ['binance::btcusdt.quote', 'btcusdt@bookTicker', 'public', 'quote'],
    ['binance::btcusdt.derivative', 'btcusdt@markPrice', 'market', 'derivative'],
    ['binance::btcusdt.liquidation', 'btcusdt@forceOrder', 'market', 'liquidation'],
  ])('%s reads %s on /%s', (text, stream, endpoint, normalized) => {
    expect(streamOf(parseIdentifier(text))).toEqual({ ok: true, stream, endpoint, normalized });
  });

  it.each([
    ['binance::trade', /trade needs a symbol/],
    ['binance::btcusdt.trade[speed=1s]', /takes none/],
    ['binance::btcusdt.trade.aggTrade', /more than one stream kind/],
    ['binance::BTCUSDT.quote', /must be lower case/],
  ])('refuses %s', (text, why) => {
    const ref = streamOf(parseIdentifier(text));
    expect(ref.ok).toBe(false);
    if (!ref.ok) expect(ref.reason).toMatch(why);
  });
});

describe('binance normalized kinds: mapping', () => {
  it('trade: aggTrade p q a T, the taker side from m', () => {
    fc.assert(
      fc.property(decimalText, decimalText, fc.nat(), epochMs, fc.boolean(), (p, q, a, T, m) => {
        const data = { e: 'aggTrade', E: T + 5, s: 'BTCUSDT', a, p, q, f: a, l: a + 1, T, m };
        const { accepted, out } = push(binanceNormalizer('trade'), data);
        expect(accepted).toBe(true);
        expect(out).toEqual([{ payload: { price: Number(p), amount: Number(q), side: m ? 'sell' : 'buy', tradeId: String(a) }, eventTs: T }]);
      }),
    );
  });

  it('quote: bookTicker b B a A at its event time', () => {
    fc.assert(
      fc.property(decimalText, decimalText, decimalText, decimalText, epochMs, (b, B, a, A, E) => {
        const data = { e: 'bookTicker', u: 400900217, E, T: E - 2, s: 'BTCUSDT', b, B, a, A };
        expect(push(binanceNormalizer('quote'), data).out).toEqual([
          { payload: { bidPrice: Number(b), bidAmount: Number(B), askPrice: Number(a), askAmount: Number(A) }, eventTs: E },
        ]);
      }),
    );
  });

  it('derivative: markPrice p i r T; no open interest on this stream', () => {
    fc.assert(
      fc.property(decimalText, decimalText, fc.option(decimalText, { nil: '' }), fc.option(epochMs, { nil: 0 }), epochMs, (p, i, r, T, E) => {
        const data = { e: 'markPriceUpdate', E, s: 'BTCUSDT', p, i, P: p, r, T };
        const [{ payload, eventTs }] = push(binanceNormalizer('derivative'), data).out;
        expect(eventTs).toBe(E);
        const expected: Record<string, number> = { markPrice: Number(p), indexPrice: Number(i) };
        if (r !== '') expected.fundingRate = Number(r);
        if (T !== 0) expected.nextFundingTs = T;
        expect(payload).toEqual(expected);
      }),
    );
  });

  it('liquidation: forceOrder o.S is the order side; filled quantity at the average price', () => {
    fc.assert(
      fc.property(fc.constantFrom('BUY', 'SELL'), decimalText, decimalText, decimalText, decimalText, epochMs, (S, p, ap, q, z, E) => {
        const data = { e: 'forceOrder', E, o: { s: 'BTCUSDT', S, o: 'LIMIT', f: 'IOC', q, p, ap, X: 'FILLED', l: z, z, T: E - 1 } };
        const [{ payload, eventTs }] = push(binanceNormalizer('liquidation'), data).out;
        expect(eventTs).toBe(E);
        expect(payload).toEqual({
          price: Number(ap) > 0 ? Number(ap) : Number(p),
          amount: Number(z) > 0 ? Number(z) : Number(q),
          side: S === 'BUY' ? 'buy' : 'sell',
        });
      }),
    );
  });

  it('a payload carries only its schema keys', () => {
    const samples: [Parameters<typeof binanceNormalizer>[0], JsonValue][] = [
      ['trade', { a: 1, p: '1', q: '2', T: 3, m: false, extra: 'x' }],
      ['quote', { b: '1', B: '2', a: '3', A: '4', E: 5, extra: 'x' }],
      ['derivative', { p: '1', i: '2', r: '0.0001', T: 9, E: 5, P: '7' }],
      ['liquidation', { E: 1, o: { S: 'SELL', p: '1', ap: '1', q: '1', z: '1', X: 'FILLED' } }],
    ];
    for (const [kind, data] of samples) {
      const [{ payload }] = push(binanceNormalizer(kind), data).out;
      for (const key of Object.keys(payload as object)) expect(SCHEMA_KEYS[kind]).toContain(key);
    }
  });

  it('refuses, without emitting, a message whose documented fields are missing or not numbers', () => {
    const kinds = ['trade', 'quote', 'derivative', 'liquidation'] as const;
    const valid: Record<(typeof kinds)[number], Record<string, JsonValue>> = {
      trade: { a: 1, p: '1', q: '2', T: 3, m: false },
      quote: { b: '1', B: '2', a: '3', A: '4', E: 5 },
      derivative: { p: '1', i: '2', r: '0.1', T: 9, E: 5 },
      liquidation: { E: 1, o: { S: 'SELL', p: '1', ap: '1', q: '1', z: '1' } },
    };
    const required: Record<(typeof kinds)[number], string[]> = {
      trade: ['a', 'p', 'q', 'T', 'm'],
      quote: ['b', 'B', 'a', 'A'],
      derivative: ['p', 'i', 'E'],
      liquidation: ['E', 'o'],
    };
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.nat(), notADecimal, (kind, pick, junk) => {
        const keys = required[kind];
        const key = keys[pick % keys.length];
        if (key === 'm' && typeof junk === 'boolean') return;
        const broken = { ...valid[kind], [key]: junk };
        expect(push(binanceNormalizer(kind), broken)).toEqual({ accepted: false, out: [] });
      }),
    );
    for (const kind of kinds) for (const junk of [null, 'x', 3, []]) expect(push(binanceNormalizer(kind), junk).accepted).toBe(false);
  });
});

describe('binance normalized kinds on the provider', () => {
  afterEach(stopRigs);

  it('a raw kind and the normalized kind read from it share one venue stream', async () => {
    const { fake, ctx, provider } = await startRig();
    const [raw, trade] = [parseIdentifier('binance::btcusdt.aggTrade'), parseIdentifier('binance::btcusdt.trade')];
    expect(await provider.subscribe([raw, trade])).toEqual({});
    expect(fake.subscribed()).toEqual(['btcusdt@aggTrade']);

    const data = { e: 'aggTrade', E: 1_700_000_000_123, s: 'BTCUSDT', a: 7, p: '50000.1', q: '0.25', f: 1, l: 2, T: 1_700_000_000_120, m: true };
    fake.publish('btcusdt@aggTrade', data);
    fake.publish('btcusdt@aggTrade', { ...data, p: 'not a price' });
    await waitFor(() => ctx.emits.length === 3 && provider.stats().unmappableMessages === 1, 'both payloads and the refusal');
    expect(ctx.payloadsOf(raw.canonical)).toEqual([data, { ...data, p: 'not a price' }]);
    expect(ctx.emits.find((e) => e.id === trade.canonical)).toMatchObject({ payload: { price: 50000.1, amount: 0.25, side: 'sell', tradeId: '7' }, eventTs: data.T });

    // The venue stream stays while either reads it.
    provider.unsubscribe([raw]);
    expect(fake.subscribed()).toEqual(['btcusdt@aggTrade']);
    provider.unsubscribe([trade]);
    await waitFor(() => fake.subscribed().length === 0, 'the unsubscribe');
  });

  it('a refused venue stream fails every identifier that asked for it', async () => {
    const { provider } = await startRig({}, { refuse: () => ({ code: -1121, msg: 'Invalid symbol.' }) });
    const wanted = [parseIdentifier('binance::badusdt.forceOrder'), parseIdentifier('binance::badusdt.liquidation')];
    const result = await provider.subscribe(wanted);
    expect(result.failed?.map((f) => f.id.canonical).sort()).toEqual(wanted.map((w) => w.canonical).sort());
    expect(provider.stats().streams).toBe(0);
  });
});
