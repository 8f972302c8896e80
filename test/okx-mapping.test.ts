import fc from 'fast-check';
import { decodeFrame } from '../providers/okx/frames';
import { Catalogue, DEFAULT_INSTRUMENTS } from '../providers/okx/instruments';
import { streamOf } from '../providers/okx/kinds';
import { DerivativeState, derivativeUpdate, toLiquidations, toQuote, toTrade, type DerivativeChannel, type DerivativeUpdate } from '../providers/okx/normalize';
import { parseIdentifier } from '../router/identifier';

// Frame shapes follow the venue's public WebSocket docs: "Trades channel", "BBO-TBT" (order book
// channel, one level), "Mark price channel", "Funding rate channel", "Open interest channel",
// "Index tickers channel" and "Liquidation orders channel".

const catalogue = new Catalogue(DEFAULT_INSTRUMENTS);
const stream = (text: string) => streamOf(parseIdentifier(text), catalogue);
const reason = (text: string): string => {
  const ref = stream(text);
  if (ref.ok) throw new Error(`${text} was accepted`);
  return ref.reason;
};

describe('okx identifier → venue subscriptions', () => {
  it.each([
    ['okx::btc-usdt-swap.trade', ['trades:BTC-USDT-SWAP']],
    ['okx::btc-usdt-swap.quote', ['bbo-tbt:BTC-USDT-SWAP']],
    ['okx::eth-usd-swap.derivative', ['mark-price:ETH-USD-SWAP', 'funding-rate:ETH-USD-SWAP', 'open-interest:ETH-USD-SWAP', 'index-tickers:ETH-USD']],
    ['okx::btc-usdt-swap.liquidation', ['liquidation-orders:SWAP']],
    ['okx::btc-usdt-swap.trades', ['trades:BTC-USDT-SWAP']],
    ['okx::btc-usdt-swap.bbo-tbt', ['bbo-tbt:BTC-USDT-SWAP']],
    ['okx::btc-usdt-swap.index-tickers', ['index-tickers:BTC-USDT']],
    ['okx::sol-usdt-swap.liquidation-orders', ['liquidation-orders:SWAP']],
  ])('%s → %j', (text, subscriptions) => {
    const ref = stream(text);
    expect(ref.ok && ref.subscriptions).toEqual(subscriptions);
  });

  it.each([
    ['okx::btc-usdt-swap', /no okx stream kind/],
    ['okx::btc-usdt-swap.book2', /no okx stream kind/],
    ['okx::btc-usdt-swap.trade.quote', /more than one stream kind/],
    ['okx::trade', /trade needs a swap/],
    ['okx::btc-usdt-swap.eth-usdt-swap.trade', /more than one symbol/],
    ['okx::BTC-USDT-SWAP.trade', /must be lower case/],
    ['okx::btcusdt.trade', /not an OKX perpetual swap/],
    ['okx::btc-usdt.trade', /not an OKX perpetual swap/],
    ['okx::doge-usdt-swap.trade', /offers no swap "doge-usdt-swap"/],
    ['okx::btc-usdt-swap.trade[x=1]', /takes no params/],
    ['okx::btc-usdt-swap[x=1].trade', /takes no params/],
  ])('refuses %s', (text, why) => {
    expect(reason(text)).toMatch(why);
  });

  it('a configured catalogue decides what is offered', () => {
    const small = new Catalogue(['doge-usdt-swap']);
    expect(streamOf(parseIdentifier('okx::doge-usdt-swap.trade'), small).ok).toBe(true);
    expect(streamOf(parseIdentifier('okx::btc-usdt-swap.trade'), small).ok).toBe(false);
  });
});

const decimalText = fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.nat({ max: 99_999_999 })).map(([i, f]) => (f === 0 ? String(i) : `${i}.${f}`));
const msText = fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }).map(String);
const levelOf = fc.tuple(decimalText, decimalText, fc.constant('0'), fc.integer({ min: 1, max: 99 }).map(String));

describe('okx elements → normalized payloads (property)', () => {
  it('trades: px, sz, side of the taker, tradeId', () => {
    fc.assert(
      fc.property(decimalText, decimalText, fc.constantFrom('buy', 'sell'), fc.bigInt({ min: 1n, max: 2n ** 63n }).map(String), msText, (px, sz, side, tradeId, ts) => {
        const element = { instId: 'BTC-USDT-SWAP', tradeId, px, sz, side, ts, count: '1', seqId: 1 };
        expect(toTrade(element)).toEqual({ price: Number(px), amount: Number(sz), side, tradeId });
      }),
    );
  });

  it('trades: a side the venue does not document is unknown; a non-numeric price is refused', () => {
    expect(toTrade({ tradeId: '1', px: '1', sz: '2', side: 'x' })).toEqual({ price: 1, amount: 2, side: 'unknown', tradeId: '1' });
    expect(toTrade({ tradeId: '1', px: '', sz: '2', side: 'buy' })).toBeUndefined();
    expect(toTrade({ tradeId: '1', px: '0x10', sz: '2', side: 'buy' })).toBeUndefined();
    expect(toTrade({ px: '1', sz: '2', side: 'buy' })).toBeUndefined();
  });

  it('bbo-tbt: the first bid and ask level', () => {
    fc.assert(
      fc.property(levelOf, levelOf, msText, (bid, ask, ts) => {
        const element = { asks: [ask], bids: [bid], ts, seqId: 7 };
        expect(toQuote(element)).toEqual({ bidPrice: Number(bid[0]), bidAmount: Number(bid[1]), askPrice: Number(ask[0]), askAmount: Number(ask[1]) });
      }),
    );
    expect(toQuote({ asks: [], bids: [['1', '1', '0', '1']], ts: '1' })).toBeUndefined();
  });

  it('liquidation-orders: one liquidation per detail, side = the liquidation order side, price = bkPx', () => {
    const detail = fc.record({
      side: fc.constantFrom('buy', 'sell'),
      posSide: fc.constantFrom('long', 'short', 'net'),
      bkPx: decimalText,
      sz: decimalText,
      bkLoss: decimalText,
      ccy: fc.constant(''),
      ts: msText,
    });
    fc.assert(
      fc.property(fc.array(detail, { minLength: 1, maxLength: 4 }), (details) => {
        const element = { instType: 'SWAP', instId: 'BTC-USDT-SWAP', uly: 'BTC-USDT', instFamily: 'BTC-USDT', details };
        expect(toLiquidations(element)).toEqual(details.map((d) => ({ payload: { price: Number(d.bkPx), amount: Number(d.sz), side: d.side }, ts: Number(d.ts) })));
      }),
    );
    // A short position is closed by a buy liquidation order (the docs' example: posSide short, side buy).
    expect(toLiquidations({ details: [{ side: 'buy', posSide: 'short', bkPx: '0.007831', sz: '13', ts: '1692266434010' }] })).toEqual([
      { payload: { price: 0.007831, amount: 13, side: 'buy' }, ts: 1692266434010 },
    ]);
  });

  it('derivative: merged across the four channels, emitted only once markPrice is known', () => {
    const update = fc.oneof(
      fc.record({ channel: fc.constant<DerivativeChannel>('mark-price'), element: fc.record({ instId: fc.constant('BTC-USDT-SWAP'), markPx: decimalText, ts: msText }) }),
      fc.record({
        channel: fc.constant<DerivativeChannel>('funding-rate'),
        element: fc.record({ instId: fc.constant('BTC-USDT-SWAP'), fundingRate: decimalText, fundingTime: msText, nextFundingTime: msText, ts: msText }),
      }),
      fc.record({ channel: fc.constant<DerivativeChannel>('open-interest'), element: fc.record({ instId: fc.constant('BTC-USDT-SWAP'), oi: decimalText, oiCcy: decimalText, ts: msText }) }),
      fc.record({ channel: fc.constant<DerivativeChannel>('index-tickers'), element: fc.record({ instId: fc.constant('BTC-USDT'), idxPx: decimalText, ts: msText }) }),
    );
    fc.assert(
      fc.property(fc.array(update, { maxLength: 20 }), (updates) => {
        const state = new DerivativeState();
        const model: DerivativeUpdate = {};
        for (const { channel, element } of updates) {
          const e = element as Record<string, string>;
          if (channel === 'mark-price') model.markPrice = Number(e.markPx);
          if (channel === 'funding-rate') Object.assign(model, { fundingRate: Number(e.fundingRate), nextFundingTs: Number(e.fundingTime) });
          if (channel === 'open-interest') model.openInterest = Number(e.oi);
          if (channel === 'index-tickers') model.indexPrice = Number(e.idxPx);
          const out = state.apply(derivativeUpdate(channel, element)!);
          expect(out).toEqual(model.markPrice === undefined ? undefined : model);
        }
      }),
    );
  });

  it('derivative: an element without its field contributes nothing', () => {
    expect(derivativeUpdate('mark-price', { ts: '1' })).toBeUndefined();
    expect(derivativeUpdate('funding-rate', { fundingRate: '' })).toBeUndefined();
  });
});

describe('okx frames', () => {
  it('tells pong, acks, errors, notices and pushes apart', () => {
    expect(decodeFrame('pong')).toEqual({ kind: 'pong' });
    expect(decodeFrame('{"id":"7","event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"connId":"a4d3ae55"}')).toEqual({
      kind: 'ack',
      op: 'subscribe',
      id: '7',
      subscription: 'trades:BTC-USDT-SWAP',
    });
    expect(decodeFrame('{"event":"unsubscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"a"}')).toMatchObject({ op: 'unsubscribe', subscription: 'liquidation-orders:SWAP' });
    expect(decodeFrame('{"id":"8","event":"error","code":"60012","msg":"Invalid request","connId":"a"}')).toEqual({ kind: 'error', id: '8', code: '60012', msg: 'Invalid request' });
    expect(decodeFrame('{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade.","connId":"a"}')).toMatchObject({ kind: 'notice', code: '64008' });
    expect(decodeFrame('{"event":"channel-conn-count","channel":"orders","connCount":"2","connId":"a"}')).toEqual({ kind: 'info', event: 'channel-conn-count' });
    expect(decodeFrame('{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":[{"px":"1"}]}')).toEqual({
      kind: 'data',
      channel: 'trades',
      argument: 'BTC-USDT-SWAP',
      data: [{ px: '1' }],
    });
  });

  it('any other text is malformed, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const frame = decodeFrame(text);
        expect(typeof frame.kind).toBe('string');
      }),
    );
    for (const text of ['', 'PONG', '[]', 'null', '{"arg":{"channel":"trades"},"data":[]}', '{"arg":{"channel":"trades","instId":"X"}}', '{"data":[]}']) {
      expect(decodeFrame(text).kind).toBe('malformed');
    }
  });
});
