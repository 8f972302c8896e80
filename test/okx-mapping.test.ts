import fc from 'fast-check';
import { decodeFrame } from '../providers/okx/frames';
import { Catalogue, DEFAULT_INSTRUMENTS } from '../providers/okx/instruments';
import { streamOf } from '../providers/okx/kinds';
import { okxNormalizer } from '../providers/okx/normalize';
import { parseIdentifier } from '../router/identifier';
import { decimalText, epochMs, notADecimal, push, SCHEMA_KEYS } from './support/market-arbitraries';

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
    ['okx::liquidation-orders', ['liquidation-orders:SWAP']],
  ])('%s → %j', (text, subscriptions) => {
    const ref = stream(text);
    expect(ref.ok && [ref.stream, ...(ref.also ?? [])]).toEqual(subscriptions);
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
    ['okx::btc-usdt-swap.liquidation-orders', /carries every swap; write it without a symbol/],
  ])('refuses %s', (text, why) => {
    expect(reason(text)).toMatch(why);
  });

  it('a configured catalogue decides what is offered', () => {
    const small = new Catalogue(['doge-usdt-swap']);
    expect(streamOf(parseIdentifier('okx::doge-usdt-swap.trade'), small).ok).toBe(true);
    expect(streamOf(parseIdentifier('okx::btc-usdt-swap.trade'), small).ok).toBe(false);
  });
});

const msText = epochMs.map(String);
const levelOf = fc.tuple(decimalText, decimalText, fc.constant('0'), fc.integer({ min: 1, max: 99 }).map(String));
const BTC = 'BTC-USDT-SWAP';

describe('okx pushes → normalized payloads (property)', () => {
  it('trades: px, sz, side of the taker, tradeId, ts; one message per element', () => {
    const element = fc.record({
      instId: fc.constant(BTC),
      tradeId: fc.bigInt({ min: 1n, max: 2n ** 63n }).map(String),
      px: decimalText,
      sz: decimalText,
      side: fc.constantFrom('buy', 'sell'),
      ts: msText,
      count: fc.constant('1'),
      seqId: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 5 }), (data) => {
        const { accepted, out } = push(okxNormalizer('trade', BTC), data);
        expect(accepted).toBe(true);
        expect(out).toEqual(data.map((e) => ({ payload: { price: Number(e.px), amount: Number(e.sz), side: e.side, tradeId: e.tradeId }, eventTs: Number(e.ts) })));
        for (const { payload } of out) expect(Object.keys(payload as object).sort()).toEqual([...SCHEMA_KEYS.trade].sort());
      }),
    );
  });

  it('trades: a side the venue does not document is unknown; a push with a bad price is refused whole', () => {
    expect(push(okxNormalizer('trade', BTC), [{ tradeId: '1', px: '1', sz: '2', side: 'x', ts: '5' }]).out).toEqual([{ payload: { price: 1, amount: 2, side: 'unknown', tradeId: '1' }, eventTs: 5 }]);
    fc.assert(
      fc.property(notADecimal, (bad) => {
        const good = { tradeId: '1', px: '1', sz: '1', side: 'buy', ts: '1' };
        expect(push(okxNormalizer('trade', BTC), [good, { ...good, px: bad }])).toEqual({ accepted: false, out: [] });
      }),
    );
    expect(push(okxNormalizer('trade', BTC), { px: '1' }).accepted).toBe(false);
  });

  it('bbo-tbt: the first bid and ask level', () => {
    fc.assert(
      fc.property(levelOf, levelOf, msText, (bid, ask, ts) => {
        const { out } = push(okxNormalizer('quote', BTC), [{ asks: [ask], bids: [bid], ts, seqId: 7 }]);
        expect(out).toEqual([{ payload: { bidPrice: Number(bid[0]), bidAmount: Number(bid[1]), askPrice: Number(ask[0]), askAmount: Number(ask[1]) }, eventTs: Number(ts) }]);
      }),
    );
    expect(push(okxNormalizer('quote', BTC), [{ asks: [], bids: [['1', '1', '0', '1']], ts: '1' }]).accepted).toBe(false);
  });

  it('liquidation-orders: the swap’s own elements, one liquidation per detail; side = the liquidation order’s, price = bkPx', () => {
    const detail = fc.record({ side: fc.constantFrom('buy', 'sell'), posSide: fc.constantFrom('long', 'short', 'net'), bkPx: decimalText, sz: decimalText, bkLoss: decimalText, ccy: fc.constant(''), ts: msText });
    const element = fc.record({ instType: fc.constant('SWAP'), instId: fc.constantFrom(BTC, 'ETH-USDT-SWAP'), uly: fc.constant('X'), details: fc.array(detail, { minLength: 1, maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 4 }), (data) => {
        const { accepted, out } = push(okxNormalizer('liquidation', BTC), data);
        expect(accepted).toBe(true);
        const expected = data.filter((e) => e.instId === BTC).flatMap((e) => e.details.map((d) => ({ payload: { price: Number(d.bkPx), amount: Number(d.sz), side: d.side }, eventTs: Number(d.ts) })));
        expect(out).toEqual(expected);
      }),
    );
    // The docs' example: a short position (posSide short) is closed by a buy liquidation order.
    expect(push(okxNormalizer('liquidation', 'IOST-USDT-SWAP'), [{ instId: 'IOST-USDT-SWAP', details: [{ side: 'buy', posSide: 'short', bkPx: '0.007831', sz: '13', ts: '1692266434010' }] }]).out).toEqual([
      { payload: { price: 0.007831, amount: 13, side: 'buy' }, eventTs: 1692266434010 },
    ]);
  });

  it('derivative: merged across the four feeds, emitted only once markPrice is known, started over after a break', () => {
    const feed = fc.oneof(
      fc.record({ stream: fc.constant('mark-price:BTC-USDT-SWAP'), e: fc.record({ instId: fc.constant(BTC), markPx: decimalText, ts: msText }) }),
      fc.record({ stream: fc.constant('funding-rate:BTC-USDT-SWAP'), e: fc.record({ instId: fc.constant(BTC), fundingRate: decimalText, fundingTime: msText, nextFundingTime: msText, ts: msText }) }),
      fc.record({ stream: fc.constant('open-interest:BTC-USDT-SWAP'), e: fc.record({ instId: fc.constant(BTC), oi: decimalText, oiCcy: decimalText, ts: msText }) }),
      fc.record({ stream: fc.constant('index-tickers:BTC-USDT'), e: fc.record({ instId: fc.constant('BTC-USDT'), idxPx: decimalText, ts: msText }) }),
      fc.constant({ stream: 'reset', e: {} as Record<string, string> }),
    );
    fc.assert(
      fc.property(fc.array(feed, { maxLength: 25 }), (updates) => {
        const normalizer = okxNormalizer('derivative', BTC);
        let model: Record<string, number> = {};
        for (const { stream, e } of updates as { stream: string; e: Record<string, string> }[]) {
          if (stream === 'reset') {
            normalizer.reset();
            model = {};
            continue;
          }
          if (stream.startsWith('mark-price')) model.markPrice = Number(e.markPx);
          if (stream.startsWith('funding-rate')) Object.assign(model, { fundingRate: Number(e.fundingRate), nextFundingTs: Number(e.fundingTime) });
          if (stream.startsWith('open-interest')) model.openInterest = Number(e.oi);
          if (stream.startsWith('index-tickers')) model.indexPrice = Number(e.idxPx);
          const out: unknown[] = [];
          expect(normalizer.push([e], (payload, eventTs) => out.push({ payload, eventTs }), stream)).toBe(true);
          expect(out).toEqual(model.markPrice === undefined ? [] : [{ payload: model, eventTs: Number(e.ts) }]);
        }
      }),
    );
  });

  it('derivative: an element without its feed’s field is refused', () => {
    const normalizer = okxNormalizer('derivative', BTC);
    expect(normalizer.push([{ ts: '1' }], () => {}, 'mark-price:BTC-USDT-SWAP')).toBe(false);
    expect(normalizer.push([{ fundingRate: '' }], () => {}, 'funding-rate:BTC-USDT-SWAP')).toBe(false);
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
    expect(decodeFrame('{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"snapshot","data":[]}')).toMatchObject({ kind: 'data', channel: 'books', action: 'snapshot' });
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
