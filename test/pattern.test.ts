import { errorOf } from './support/errors';
import { parseIdentifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';


describe('the README pattern examples', () => {
  it.each([
    ['binance::*', 'binance::btcusdt.kline[interval=1m]', 'synthetic::x.ticks'],
    ['binance::trade.*', 'binance::btcusdt.trade', 'binance::btcusdt.trade[x=1]'],
    ['binance::kline[*].*', 'binance::btcusdt.kline[interval=1m]', 'binance::btcusdt.trade'],
    ['binance::btcusdt.kline[interval=1m]', 'binance::btcusdt.kline[interval=1m]', 'binance::btcusdt.kline[interval=5m]'],
    ['binance::kline[interval=1m;*].*', 'binance::btcusdt.kline[interval=1m;tz=utc]', 'binance::btcusdt.kline[interval=5m]'],
  ])('%s matches %s, not %s', (text, yes, no) => {
    const pattern = parsePattern(text);
    expect(pattern.matches(parseIdentifier(yes))).toBe(true);
    expect(pattern.matches(parseIdentifier(no))).toBe(false);
  });
});

describe('canonical form and exactness', () => {
  it.each([
    ['binance::*', 'binance::*', false],
    ['BINANCE::Trade.*', 'binance::Trade.*', false],
    ['x::*.b.a', 'x::a.b.*', false],
    ['x::b.a', 'x::a.b', true],
    ['x::a[]', 'x::a', true],
    ['x::a[k=1]', 'x::a[k=1]', true],
    ['x::a[m=2;k=1]', 'x::a[k=1;m=2]', true],
    ['x::a[*]', 'x::a[*]', false],
    ['x::a[k=1;*]', 'x::a[k=1;*]', false],
    ['x::a[*;k=1]', 'x::a[k=1;*]', false],
    ['x::a[k=*]', 'x::a[k=*]', true],
    ['x::é.日本[*]', 'x::é.日本[*]', false],
    ['x::__proto__[constructor=1].*', 'x::__proto__[constructor=1].*', false],
  ])('%s → %s (exact: %s)', (text, canonical, exact) => {
    const pattern = parsePattern(text);
    expect(pattern.canonical).toBe(canonical);
    expect(pattern.toString()).toBe(canonical);
    expect(pattern.exact).toBe(exact);
    expect(parsePattern(canonical).canonical).toBe(canonical);
  });

  it('exposes namespace, sorted constraints and rest', () => {
    const pattern = parsePattern('x::b[k=1;*].a[*].c.*');
    expect(pattern.namespace).toBe('x');
    expect(pattern.rest).toBe(true);
    expect(pattern.constraints.map((c) => [c.name, c.match, [...c.params]])).toEqual([
      ['a', 'any', []],
      ['b', 'at-least', [['k', '1']]],
      ['c', 'none', []],
    ]);
  });
});

describe('matching', () => {
  it.each([
    // constraint kinds against a tag without params, with {k=1}, with {k=1;m=2}
    ['x::t', ['x::t'], ['x::t[k=1]', 'x::t[k=1;m=2]']],
    ['x::t[k=1]', ['x::t[k=1]'], ['x::t', 'x::t[k=2]', 'x::t[k=1;m=2]', 'x::t[m=1]']],
    ['x::t[k=1;*]', ['x::t[k=1]', 'x::t[k=1;m=2]'], ['x::t', 'x::t[k=2]', 'x::t[m=2]']],
    ['x::t[*]', ['x::t', 'x::t[k=1]', 'x::t[k=1;m=2]'], ['x::t.u', 'x::u']],
    // without a trailing *, exactly the constrained tags
    ['x::a.b', ['x::b.a', 'x::a[].b'], ['x::a', 'x::a.b.c', 'x::a.c']],
    ['x::a.*', ['x::a', 'x::a.b', 'x::0.a.z'], ['x::b', 'x::a[k=1].b']],
    ['x::*', ['x::a', 'x::a[k=1].b'], ['y::a']],
    ['x::a.c.*', ['x::a.b.c', 'x::a.c.d'], ['x::a.b', 'x::c.d']],
    ['X::a', ['x::a'], ['y::a']],
    ['x::B', ['x::B'], ['x::b']],
    ['x::t[k=a b]', ['x::t[k=a b]'], ['x::t[k=ab]']],
  ])('%s', (text, yes, no) => {
    const pattern = parsePattern(text);
    for (const id of yes) expect([id, pattern.matches(parseIdentifier(id))]).toEqual([id, true]);
    for (const id of no) expect([id, pattern.matches(parseIdentifier(id))]).toEqual([id, false]);
  });

  it('an identifier read as a pattern is exact and matches itself', () => {
    const id = parseIdentifier('binance::kline[tz=utc;interval=1m].btcusdt');
    const pattern = parsePattern(id.canonical);
    expect(pattern.exact).toBe(true);
    expect(pattern.canonical).toBe(id.canonical);
    expect(pattern.matches(id)).toBe(true);
    expect(pattern.toIdentifier().canonical).toBe(id.canonical);
  });

  it.each(['x::*', 'x::a[*]', 'x::a[k=1;*]', 'x::a.*'])('toIdentifier refuses the wildcard pattern %s', (text) => {
    const error = errorOf(() => parsePattern(text).toIdentifier());
    expect(error.code).toBe('INVALID_PATTERN');
    expect(error.message).toContain('wildcards');
  });
});

describe('invalid patterns', () => {
  it.each([
    ['no "::"', 'binance', 'missing "::"'],
    ['empty namespace', '::*', 'empty namespace'],
    ['bad namespace', 'bin.ance::*', 'may only contain a-z 0-9 _ -'],
    ['no constraint and no *', 'binance::', 'nothing after "::"'],
    ['empty constraint', 'x::a..*', 'tag 2 is empty'],
    ['* twice', 'x::*.*', 'tag 2 ("*"): "*" given twice'],
    ['tag constrained twice', 'x::a.b.a[k=1]', 'tag 3 ("a[k=1]"): tag "a" is constrained twice'],
    ['tag constrained twice with [*]', 'x::a[*].a', 'constrained twice'],
    ['key twice', 'x::a[k=1;k=2;*]', 'duplicate param key "k"'],
    ['[*] twice', 'x::a[*;*]', '"*" given twice'],
    ['* with params', 'x::*[k=1]', 'reserved character "*"'],
    ['* inside a name', 'x::a*', 'reserved character "*"'],
    ['* prefix', 'x::*a', 'reserved character "*"'],
    ['empty param', 'x::a[k=1;;*]', 'empty param'],
    ['param without =', 'x::a[k;*]', 'param "k" has no "="'],
    ['empty value', 'x::kline[interval=;*]', 'tag 1 ("kline[interval=;*]"): empty param value for key "interval"'],
    ['whitespace in a name', 'x::a b.*', 'whitespace (U+0020)'],
    ['leading space in a value', 'x::a[k= 1]', 'leading or trailing whitespace'],
    ['unclosed bracket', 'x::a[*', 'never closed'],
    ['text after ]', 'x::a[*]b', 'text after "]"'],
    ['65-char name', `x::${'t'.repeat(65)}.*`, 'the limit is 64'],
    ['33 constraints', `x::${Array.from({ length: 33 }, (_, i) => `t${i}`).join('.')}`, 'more than 32 tags'],
    ['over 512 chars', `x::t[k=${'v'.repeat(510)};*]`, 'the limit is 512'],
    ['a megabyte', `x::${'*'.repeat(1 << 20)}`, 'the limit is 512'],
  ])('%s', (_label, text, message) => {
    const error = errorOf(() => parsePattern(text));
    expect(error.code).toBe('INVALID_PATTERN');
    expect(error.message).toContain(message);
  });
});
