import fc from 'fast-check';
import { expandPattern } from '../providers/exchange/expand';
import { identifierOf, KINDS, streamOf } from '../providers/binance/streams';
import { parseIdentifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';

const stream = (text: string) => streamOf(parseIdentifier(text));
const reason = (text: string): string => {
  const ref = stream(text);
  if (ref.ok) throw new Error(`${text} was accepted as ${ref.stream}`);
  return ref.reason;
};

describe('binance identifier → stream name', () => {
  it.each([
    ['binance::btcusdt.aggTrade', 'btcusdt@aggTrade', 'market'],
    ['binance::btcusdt.kline[interval=1m]', 'btcusdt@kline_1m', 'market'],
    ['binance::ethusdt.kline[interval=1M]', 'ethusdt@kline_1M', 'market'],
    ['binance::btcusdt.continuousKline[contractType=perpetual;interval=5m]', 'btcusdt_perpetual@continuousKline_5m', 'market'],
    ['binance::btcusdt.markPrice', 'btcusdt@markPrice', 'market'],
    ['binance::btcusdt.markPrice[speed=1s]', 'btcusdt@markPrice@1s', 'market'],
    ['binance::btcusdt.miniTicker', 'btcusdt@miniTicker', 'market'],
    ['binance::btcusdt.ticker', 'btcusdt@ticker', 'market'],
    ['binance::btcusdt.forceOrder', 'btcusdt@forceOrder', 'market'],
    ['binance::defiusdt.compositeIndex', 'defiusdt@compositeIndex', 'market'],
    ['binance::adausd.assetIndex', 'adausd@assetIndex', 'market'],
    ['binance::btcusdt.bookTicker', 'btcusdt@bookTicker', 'public'],
    ['binance::btcusdt.depth', 'btcusdt@depth', 'public'],
    ['binance::btcusdt.depth[speed=100ms]', 'btcusdt@depth@100ms', 'public'],
    ['binance::btcusdt.depth[levels=20;speed=100ms]', 'btcusdt@depth20@100ms', 'public'],
    ['binance::btcusdt.depth[levels=5]', 'btcusdt@depth5', 'public'],
    // All-market variants: the kind alone.
    ['binance::ticker', '!ticker@arr', 'market'],
    ['binance::miniTicker', '!miniTicker@arr', 'market'],
    ['binance::markPrice[speed=1s]', '!markPrice@arr@1s', 'market'],
    ['binance::forceOrder', '!forceOrder@arr', 'market'],
    ['binance::bookTicker', '!bookTicker', 'public'],
    ['binance::contractInfo', '!contractInfo', 'market'],
    ['binance::assetIndex', '!assetIndex@arr', 'market'],
    // The symbol is whichever tag is not a kind, whatever the sort order puts first.
    ['binance::zzzusdt.aggTrade', 'zzzusdt@aggTrade', 'market'],
    ['binance::1000pepeusdt.depth[levels=10;speed=500ms]', '1000pepeusdt@depth10@500ms', 'public'],
  ])('%s → %s on /%s', (text, name, endpoint) => {
    expect(stream(text)).toEqual({ ok: true, stream: name, endpoint });
  });

  it.each([
    ['binance::btcusdt.trades', /no stream kind/],
    ['binance::btcusdt', /no stream kind/],
    ['binance::btcusdt.aggtrade', /no stream kind/], // tag names are case-sensitive
    ['binance::btcusdt.kline', /kline needs interval=/],
    ['binance::btcusdt.kline[interval=7m]', /interval must be one of/],
    ['binance::btcusdt.kline[interval=1m;tz=utc]', /kline has no param "tz"/],
    ['binance::btcusdt.aggTrade[x=1]', /takes none/],
    ['binance::btcusdt.markPrice[speed=3s]', /is the default; leave it out/],
    ['binance::btcusdt.depth[speed=250ms]', /is the default; leave it out/],
    ['binance::btcusdt.depth[levels=15]', /levels must be one of 5, 10, 20/],
    ['binance::btcusdt.continuousKline[interval=1m]', /needs contractType=/],
    ['binance::btcusdt.ticker.bookTicker', /more than one stream kind/],
    ['binance::btcusdt.ethusdt.ticker', /more than one symbol/],
    ['binance::BTCUSDT.ticker', /must be lower case/],
    ['binance::btcusdt[x=1].ticker', /takes no params/],
    ['binance::aggTrade', /aggTrade needs a symbol/],
    ['binance::depth[levels=5]', /depth needs a symbol/],
    ['binance::btcusdt.contractInfo', /only for the whole market/],
  ])('refuses %s', (text, why) => {
    expect(reason(text)).toMatch(why);
  });
});

describe('binance stream name → identifier', () => {
  it.each([
    ['btcusdt@aggTrade', 'binance::aggTrade.btcusdt'],
    ['btcusdt@depth20@100ms', 'binance::btcusdt.depth[levels=20;speed=100ms]'],
    ['btcusdt@depth@500ms', 'binance::btcusdt.depth[speed=500ms]'],
    ['btcusdt_current_quarter@continuousKline_1h', 'binance::btcusdt.continuousKline[contractType=current_quarter;interval=1h]'],
    ['!markPrice@arr', 'binance::markPrice'],
    ['!contractInfo', 'binance::contractInfo'],
    ['btcusdt_250328@aggTrade', 'binance::aggTrade.btcusdt_250328'],
  ])('%s → %s', (name, canonical) => {
    expect(identifierOf('binance', name)?.canonical).toBe(canonical);
  });

  it.each(['', 'btcusdt', '@aggTrade', 'btcusdt@nope', 'btcusdt@kline_7m', 'BTCUSDT@aggTrade', '!ticker', 'x@depth15', 'a@b@aggTrade'])(
    'refuses %j',
    (name) => {
      expect(identifierOf('binance', name)).toBeUndefined();
    },
  );

  it('round-trips every valid identifier', () => {
    const values = (kind: string, key: string): string[] => [...KINDS[kind].params[key].values];
    const kindWithParams = fc.constantFrom(...Object.keys(KINDS)).chain((kind) =>
      fc.record(Object.fromEntries(Object.keys(KINDS[kind].params).map((key) => [key, fc.option(fc.constantFrom(...values(kind, key)), { nil: undefined })]))).map((params) => ({ kind, params })),
    );
    const name = fc.stringMatching(/^[a-z0-9]{1,10}(_[a-z0-9]{1,8})?$/).filter((s) => !(s in KINDS));
    const symbol = fc.option(name, { nil: undefined });
    fc.assert(
      fc.property(kindWithParams, symbol, ({ kind, params }, sym) => {
        const p = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
        const tag = p.length > 0 ? `${kind}[${p.map(([k, v]) => `${k}=${v}`).join(';')}]` : kind;
        const id = parseIdentifier(`binance::${sym ? `${sym}.` : ''}${tag}`);
        const ref = streamOf(id);
        if (!ref.ok || ref.normalized) return; // e.g. a required param left out; a stream name names its raw kind
        expect(identifierOf('binance', ref.stream)?.canonical).toBe(id.canonical);
      }),
      { numRuns: 500 },
    );
  });
});

describe('binance expand', () => {
  const catalogue = ['btcusdt', 'ethusdt'];
  const expand = (text: string): string[] => expandPattern(parsePattern(text), catalogue, KINDS, (id) => streamOf(id).ok).map((id) => id.canonical).sort();

  it('crosses the catalogue with every per-symbol kind at its default params', () => {
    const all = expand('binance::*');
    expect(all).toContain('binance::btcusdt.kline[interval=1m]');
    expect(all).toContain('binance::depth.ethusdt');
    expect(all).toContain('binance::btcusdt.continuousKline[contractType=perpetual;interval=1m]');
    expect(all.filter((s) => s.includes('btcusdt'))).toHaveLength(13);
    expect(all).toHaveLength(26);
    // The normalized kinds are offered beside the raw ones.
    for (const kind of ['trade', 'quote', 'derivative', 'liquidation']) expect(all).toContain(`binance::btcusdt.${kind}`);
    // Index symbols and all-market streams are never started by a wildcard.
    expect(all.some((s) => /compositeIndex|assetIndex|contractInfo/.test(s))).toBe(false);
    for (const s of all) expect(stream(s).ok).toBe(true);
  });

  it('takes a kind, params or a symbol from the pattern', () => {
    expect(expand('binance::kline[interval=5m].*')).toEqual(['binance::btcusdt.kline[interval=5m]', 'binance::ethusdt.kline[interval=5m]']);
    expect(expand('binance::depth[levels=20;*].*')).toEqual(['binance::btcusdt.depth[levels=20]', 'binance::depth[levels=20].ethusdt']);
    expect(expand('binance::kline[*].*')).toEqual(['binance::btcusdt.kline[interval=1m]', 'binance::ethusdt.kline[interval=1m]']);
    expect(expand('binance::aggTrade.*')).toEqual(['binance::aggTrade.btcusdt', 'binance::aggTrade.ethusdt']);
    expect(expand('binance::solusdt.*')).toHaveLength(13);
    expect(expand('binance::solusdt.markPrice[*]')).toEqual(['binance::markPrice.solusdt']);
  });

  it('expands to nothing what it cannot start', () => {
    expect(expand('binance::kline[interval=7m].*')).toEqual([]);
    expect(expand('binance::ticker.bookTicker.*')).toEqual([]);
    expect(expand('binance::btcusdt.ethusdt.*')).toEqual([]);
  });
});
