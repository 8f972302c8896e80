import fc from 'fast-check';
import type { JsonValue } from '../common/json';
import { decodeFrame } from '../providers/bybit/connection';
import { bybitNormalizer } from '../providers/bybit/normalize';
import { KINDS, topicOf } from '../providers/bybit/topics';
import { expandPattern } from '../providers/exchange/expand';
import { parseIdentifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';
import { decimalText, epochMs, notADecimal, push, SCHEMA_KEYS } from './support/market-arbitraries';

// Frames follow Bybit's v5 docs: "WebSocket Connect" for the answers and pongs, and the public
// topic pages (Trade, Orderbook, Ticker, All Liquidation) for the pushes.

const catalogue = new Set(['btcusdt', 'ethusdt', '1000pepeusdt']);
const topic = (text: string) => topicOf(parseIdentifier(text), catalogue);

describe('bybit identifier → topic', () => {
  it.each([
    ['bybit::btcusdt.publicTrade', 'publicTrade.BTCUSDT', undefined],
    ['bybit::btcusdt.orderbook[depth=50]', 'orderbook.50.BTCUSDT', undefined],
    ['bybit::ethusdt.tickers', 'tickers.ETHUSDT', undefined],
    ['bybit::btcusdt.allLiquidation', 'allLiquidation.BTCUSDT', undefined],
    ['bybit::1000pepeusdt.kline[interval=D]', 'kline.D.1000PEPEUSDT', undefined],
    ['bybit::btcusdt.trade', 'publicTrade.BTCUSDT', 'trade'],
    ['bybit::btcusdt.quote', 'orderbook.1.BTCUSDT', 'quote'],
    ['bybit::btcusdt.derivative', 'tickers.BTCUSDT', 'derivative'],
    ['bybit::btcusdt.liquidation', 'allLiquidation.BTCUSDT', 'liquidation'],
  ])('%s → %s', (text, name, normalized) => {
    expect(topic(text)).toEqual(normalized ? { ok: true, topic: name, normalized } : { ok: true, topic: name });
  });

  it.each([
    ['bybit::solusdt.trade', /lists no instrument "solusdt".*symbols/],
    ['bybit::BTCUSDT.trade', /not a Bybit instrument name/],
    ['bybit::btc-usdt.trade', /not a Bybit instrument name/],
    ['bybit::btcusdt.trades', /no stream kind/],
    ['bybit::btcusdt', /no stream kind/],
    ['bybit::trade', /trade needs a symbol/],
    ['bybit::btcusdt.ethusdt.trade', /more than one symbol/],
    ['bybit::btcusdt.trade.quote', /more than one stream kind/],
    ['bybit::btcusdt.orderbook', /orderbook needs depth=<1\|50\|200>/],
    ['bybit::btcusdt.orderbook[depth=25]', /depth must be one of 1, 50, 200/],
    ['bybit::btcusdt.trade[depth=1]', /takes none/],
    ['bybit::btcusdt.kline[interval=2]', /interval must be one of/],
    ['bybit::btcusdt[x=1].trade', /takes no params/],
  ])('refuses %s', (text, why) => {
    const ref = topic(text);
    expect(ref.ok).toBe(false);
    if (!ref.ok) expect(ref.reason).toMatch(why);
  });

  it('maps every valid identifier to a topic Bybit spells: upper-case symbol last', () => {
    const kind = fc.constantFrom(...Object.keys(KINDS)).chain((k) =>
      fc.record(Object.fromEntries(Object.entries(KINDS[k].params).map(([key, values]) => [key, fc.constantFrom(...values)]))).map((params) => ({ k, params })),
    );
    fc.assert(
      fc.property(kind, fc.constantFrom(...catalogue), ({ k, params }, symbol) => {
        const p = Object.entries(params);
        const tag = p.length > 0 ? `${k}[${p.map(([key, v]) => `${key}=${v}`).join(';')}]` : k;
        const ref = topic(`bybit::${symbol}.${tag}`);
        expect(ref.ok).toBe(true);
        if (ref.ok) expect(ref.topic.split('.').pop()).toBe(symbol.toUpperCase());
      }),
    );
  });
});

describe('bybit expand', () => {
  const expand = (text: string): string[] =>
    expandPattern(parsePattern(text), [...catalogue], KINDS, (id) => topicOf(id, catalogue).ok)
      .map((id) => id.canonical)
      .sort();

  it('crosses the catalogue with every kind, raw and normalized', () => {
    const all = expand('bybit::*');
    expect(all).toHaveLength(3 * 9);
    const canonical = (text: string): string => parseIdentifier(text).canonical;
    for (const kind of ['trade', 'quote', 'derivative', 'liquidation', 'publicTrade', 'tickers', 'allLiquidation', 'orderbook[depth=1]', 'kline[interval=1]']) {
      expect(all).toContain(canonical(`bybit::btcusdt.${kind}`));
    }
  });

  it('takes a kind or a symbol from the pattern and never leaves the catalogue', () => {
    expect(expand('bybit::trade.*')).toEqual(['bybit::1000pepeusdt.trade', 'bybit::btcusdt.trade', 'bybit::ethusdt.trade'].map((t) => parseIdentifier(t).canonical).sort());
    expect(expand('bybit::orderbook[depth=200].*')).toHaveLength(3);
    expect(expand('bybit::ethusdt.*')).toHaveLength(9);
    expect(expand('bybit::solusdt.*')).toEqual([]);
  });
});

describe('bybit frames', () => {
  it('decodes answers, pongs, pushes and garbage', () => {
    expect(decodeFrame('{"success":true,"ret_msg":"","conn_id":"c1","req_id":"3","op":"subscribe"}')).toEqual({ kind: 'reply', id: '3' });
    expect(decodeFrame('{"success":false,"ret_msg":"Invalid symbol :[publicTrade.X]","conn_id":"c1","req_id":"4","op":"subscribe"}')).toEqual({
      kind: 'reply',
      id: '4',
      error: 'Invalid symbol :[publicTrade.X]',
    });
    expect(decodeFrame('{"success":true,"ret_msg":"pong","conn_id":"c1","op":"ping"}')).toEqual({ kind: 'heartbeat' });
    expect(decodeFrame('{"req_id":"x","op":"pong","args":["1675418560633"],"conn_id":"c"}')).toEqual({ kind: 'heartbeat' });
    const push = '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[]}';
    expect(decodeFrame(push)).toEqual({ kind: 'data', stream: 'publicTrade.BTCUSDT', payload: JSON.parse(push) });
    for (const junk of ['', 'nope', '[]', '7', 'null', '{"topic":3,"data":[]}', '{"topic":"x"}', '{"op":"subscribe","success":true}', '{"success":true}']) {
      expect(decodeFrame(junk).kind).toBe('malformed');
    }
  });

  it('never throws, whatever arrives', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => void decodeFrame(text)));
  });
});

const frame = (topicName: string, type: string, data: JsonValue, ts = 1_700_000_000_000): JsonValue => ({ topic: topicName, type, ts, data });

describe('bybit normalized kinds', () => {
  const tradeItem = fc.record({ T: epochMs, S: fc.constantFrom('Buy', 'Sell'), v: decimalText, p: decimalText, i: fc.uuid(), BT: fc.boolean() });

  it('trade: one message per trade of a publicTrade push, side = the taker side', () => {
    fc.assert(
      fc.property(fc.array(tradeItem, { minLength: 1, maxLength: 5 }), (items) => {
        const data = items.map((t) => ({ ...t, s: 'BTCUSDT', L: 'PlusTick' }));
        const { accepted, out } = push(bybitNormalizer('trade'), frame('publicTrade.BTCUSDT', 'snapshot', data));
        expect(accepted).toBe(true);
        expect(out).toEqual(items.map((t) => ({ payload: { price: Number(t.p), amount: Number(t.v), side: t.S.toLowerCase(), tradeId: t.i }, eventTs: t.T })));
      }),
    );
  });

  it('liquidation: S names the position, so a long liquidated is a sell', () => {
    fc.assert(
      fc.property(fc.constantFrom('Buy', 'Sell'), decimalText, decimalText, epochMs, (S, v, p, ts) => {
        const { out } = push(bybitNormalizer('liquidation'), frame('allLiquidation.BTCUSDT', 'snapshot', [{ T: ts - 3, s: 'BTCUSDT', S, v, p }], ts));
        expect(out).toEqual([{ payload: { price: Number(p), amount: Number(v), side: S === 'Buy' ? 'sell' : 'buy' }, eventTs: ts }]);
      }),
    );
  });

  it('quote: the best level of orderbook.1 after the snapshot and every delta', () => {
    const level = fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 3 })).map(([p, q]) => [String(p), String(q)] as [string, string]);
    const delta = fc.record({ b: fc.array(level, { maxLength: 2 }), a: fc.array(level, { maxLength: 2 }) });
    fc.assert(
      fc.property(level, level, fc.array(delta, { maxLength: 8 }), (bid, ask, deltas) => {
        const n = bybitNormalizer('quote');
        // A level-1 book holds one level a side: model it the same way and compare every step.
        const model = { b: new Map([[Number(bid[0]), Number(bid[1])]]), a: new Map([[Number(ask[0]), Number(ask[1])]]) };
        for (const side of [model.b, model.a]) for (const [p, q] of side) if (q === 0) side.delete(p);
        const expectQuote = (out: ReturnType<typeof push>['out']): void => {
          const best = (m: Map<number, number>, pick: (a: number, b: number) => number): [number, number] | undefined => {
            if (m.size === 0) return undefined;
            const top = [...m.keys()].reduce((x, y) => pick(x, y));
            for (const k of [...m.keys()]) if (k !== top) m.delete(k);
            return [top, m.get(top)!];
          };
          const b = best(model.b, Math.max);
          const a = best(model.a, Math.min);
          expect(out).toEqual(b && a ? [{ payload: { bidPrice: b[0], bidAmount: b[1], askPrice: a[0], askAmount: a[1] }, eventTs: 7 }] : []);
        };
        expectQuote(push(n, frame('orderbook.1.BTCUSDT', 'snapshot', { s: 'BTCUSDT', b: [bid], a: [ask], u: 5, seq: 9 }, 7)).out);
        for (const d of deltas) {
          for (const [side, changes] of [[model.b, d.b], [model.a, d.a]] as const) for (const [p, q] of changes) (Number(q) === 0 ? side.delete(Number(p)) : side.set(Number(p), Number(q)));
          expectQuote(push(n, frame('orderbook.1.BTCUSDT', 'delta', { s: 'BTCUSDT', ...d, u: 6, seq: 10 }, 7)).out);
        }
      }),
    );
  });

  it('quote: u = 1 is a fresh snapshot, and reset forgets the book', () => {
    const n = bybitNormalizer('quote');
    push(n, frame('orderbook.1.BTCUSDT', 'snapshot', { b: [['10', '1']], a: [['11', '1']], u: 3 }));
    const restart = push(n, frame('orderbook.1.BTCUSDT', 'delta', { b: [['9', '2']], a: [], u: 1 }));
    expect(restart.out).toEqual([]); // no ask yet since the venue's restart
    n.reset();
    expect(push(n, frame('orderbook.1.BTCUSDT', 'delta', { b: [], a: [['12', '1']], u: 2 })).out).toEqual([]);
  });

  it('derivative: tickers deltas merged onto the snapshot, emitted once markPrice is known', () => {
    const delta = fc.record(
      { markPrice: decimalText, indexPrice: decimalText, fundingRate: decimalText, nextFundingTime: epochMs.map(String), openInterest: decimalText, lastPrice: decimalText, volume24h: decimalText },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(delta, fc.array(delta, { maxLength: 6 }), (snapshot, deltas) => {
        const n = bybitNormalizer('derivative');
        const state: Record<string, string | undefined> = {};
        const names: Record<string, string> = { markPrice: 'markPrice', indexPrice: 'indexPrice', fundingRate: 'fundingRate', nextFundingTime: 'nextFundingTs', openInterest: 'openInterest' };
        [snapshot, ...deltas].forEach((d, i) => {
          if (i === 0) for (const k of Object.keys(state)) delete state[k];
          Object.assign(state, d);
          const { accepted, out } = push(n, frame('tickers.BTCUSDT', i === 0 ? 'snapshot' : 'delta', { symbol: 'BTCUSDT', ...d }, 100 + i));
          expect(accepted).toBe(true);
          const carried = i === 0 || Object.keys(d).some((k) => k in names);
          if (state.markPrice === undefined || !carried) return expect(out).toEqual([]);
          const expected: Record<string, number> = {};
          for (const [from, to] of Object.entries(names)) if (state[from] !== undefined && !(to === 'nextFundingTs' && Number(state[from]) === 0)) expected[to] = Number(state[from]);
          expect(out).toEqual([{ payload: expected, eventTs: 100 + i }]);
        });
      }),
    );
  });

  it('derivative: an empty field means the venue has no value', () => {
    const n = bybitNormalizer('derivative');
    push(n, frame('tickers.BTCUSDT', 'snapshot', { markPrice: '10', fundingRate: '0.0001', nextFundingTime: '1700000000000' }));
    expect(push(n, frame('tickers.BTCUSDT', 'delta', { fundingRate: '' }, 5)).out).toEqual([{ payload: { markPrice: 10, nextFundingTs: 1_700_000_000_000 }, eventTs: 5 }]);
  });

  it('a payload carries only its schema keys', () => {
    const samples: [Parameters<typeof bybitNormalizer>[0], JsonValue][] = [
      ['trade', frame('t', 'snapshot', [{ T: 1, S: 'Buy', v: '1', p: '2', i: 'x', BT: false, L: 'ZeroPlusTick', s: 'BTCUSDT' }])],
      ['liquidation', frame('t', 'snapshot', [{ T: 1, S: 'Buy', v: '1', p: '2', s: 'BTCUSDT' }])],
      ['quote', frame('t', 'snapshot', { s: 'BTCUSDT', b: [['1', '2']], a: [['3', '4']], u: 1, seq: 2 })],
      ['derivative', frame('t', 'snapshot', { symbol: 'BTCUSDT', markPrice: '1', indexPrice: '2', lastPrice: '3', bid1Price: '4', fundingRate: '0', nextFundingTime: '5', openInterest: '6' })],
    ];
    for (const [kind, message] of samples) {
      const { out } = push(bybitNormalizer(kind), message);
      expect(out).toHaveLength(1);
      for (const key of Object.keys(out[0].payload as object)) expect(SCHEMA_KEYS[kind]).toContain(key);
    }
  });

  it('refuses, without emitting any of it, a push whose documented fields are missing or not numbers', () => {
    const good: Record<string, JsonValue> = { T: 1, S: 'Buy', v: '1', p: '2', i: 'x' };
    fc.assert(
      fc.property(fc.constantFrom('T', 'v', 'p', 'i', 'S'), notADecimal, fc.constantFrom('trade', 'liquidation') as fc.Arbitrary<'trade' | 'liquidation'>, (key, junk, kind) => {
        if (kind === 'liquidation' && (key === 'T' || key === 'i')) return; // liquidation uses neither
        if (kind === 'trade' && (key === 'S' || (key === 'i' && typeof junk === 'string'))) return; // any side text is 'unknown'; any id text is an id
        const items = [good, { ...good, [key]: junk }];
        expect(push(bybitNormalizer(kind), frame('t', 'snapshot', items))).toEqual({ accepted: false, out: [] });
      }),
    );
    for (const kind of ['trade', 'quote', 'derivative', 'liquidation'] as const) {
      const junks: JsonValue[] = [null, 'x', [], { topic: 't' }, { topic: 't', type: 'snapshot', ts: 'soon', data: [] }];
      for (const junk of junks) expect(push(bybitNormalizer(kind), junk).accepted).toBe(false);
    }
    expect(push(bybitNormalizer('quote'), frame('t', 'snapshot', { b: [['x', '1']], a: [] })).accepted).toBe(false);
    expect(push(bybitNormalizer('derivative'), frame('t', 'snapshot', { markPrice: 'high' })).accepted).toBe(false);
  });
});
