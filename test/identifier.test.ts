import { errorOf } from './support/errors';
import { Identifier, parseIdentifier } from '../router/identifier';


const tags = (n: number, width = 1) => Array.from({ length: n }, (_, i) => `t${String(i).padStart(width, '0')}`);

describe('parseIdentifier: valid input and its canonical form', () => {
  it.each([
    ['spec example', 'binance::btcusdt.kline[interval=1m]', 'binance::btcusdt.kline[interval=1m]'],
    ['spec example', 'synthetic::ethusdt.ticks[rate=100]', 'synthetic::ethusdt.ticks[rate=100]'],
    ['tags sorted', 'binance::kline[interval=1m].btcusdt', 'binance::btcusdt.kline[interval=1m]'],
    ['params sorted by key', 'x::t[b=2;a=1;C=3]', 'x::t[C=3;a=1;b=2]'],
    ['tag[] is the bare tag', 'x::trade[]', 'x::trade'],
    ['namespace lower-cased', 'BiNaNcE::btcusdt', 'binance::btcusdt'],
    ['tag names keep case', 'x::btc.BTC', 'x::BTC.btc'],
    ['param keys and values keep case', 'x::t[K=V;k=v]', 'x::t[K=V;k=v]'],
    ['namespace chars', 'a-b_9::x', 'a-b_9::x'],
    ['key chars', 'x::t[a-b_C9=1]', 'x::t[a-b_C9=1]'],
    ['unicode names and values', 'x::日本.café[k=値]', 'x::café[k=値].日本'],
    ['code-point order, not UTF-16 order', 'x::\u{1F600}.\uFF21', 'x::\uFF21.\u{1F600}'],
    ['space inside a value', 'x::t[note=a b]', 'x::t[note=a b]'],
    ['no-break space inside a value', 'x::t[note=a\u00A0b]', 'x::t[note=a\u00A0b]'],
    ['. : * , are fine in values', 'x::t[p=0.5;q=a:b;r=*;s=1,2]', 'x::t[p=0.5;q=a:b;r=*;s=1,2]'],
    ['"::" inside a value', 'x::t[k=a::b]', 'x::t[k=a::b]'],
    ['__proto__ and constructor', 'x::__proto__[constructor=1].constructor', 'x::__proto__[constructor=1].constructor'],
    ['64-char namespace', `${'n'.repeat(64)}::x`, `${'n'.repeat(64)}::x`],
    ['64-char tag name', `x::${'t'.repeat(64)}`, `x::${'t'.repeat(64)}`],
    ['64 astral code points', `x::${'\u{1F600}'.repeat(64)}`, `x::${'\u{1F600}'.repeat(64)}`],
    ['32 tags', `x::${tags(32, 2).join('.')}`, `x::${tags(32, 2).join('.')}`],
    ['exactly 512 chars', `x::t[k=${'v'.repeat(512 - 8)}]`, `x::t[k=${'v'.repeat(512 - 8)}]`],
  ])('%s', (_label, input, canonical) => {
    const id = parseIdentifier(input);
    expect(id.canonical).toBe(canonical);
    expect(id.toString()).toBe(canonical);
    expect(parseIdentifier(canonical).canonical).toBe(canonical);
  });
});

describe('parseIdentifier: invalid input', () => {
  it.each([
    ['no "::"', 'binance.btcusdt', 'missing "::"'],
    ['single ":"', 'binance:btcusdt', 'missing "::"'],
    ['empty namespace', '::x', 'empty namespace'],
    ['namespace with "."', 'bin.ance::x', 'may only contain a-z 0-9 _ -'],
    ['namespace with space', 'bin ance::x', 'may only contain'],
    ['namespace with unicode', 'bé::x', 'may only contain'],
    ['Kelvin sign lower-cases to k', '\u212Aline::x', 'may only contain'],
    ['65-char namespace', `${'n'.repeat(65)}::x`, 'namespace is 65 chars long; the limit is 64'],
    ['nothing after "::"', 'binance::', 'nothing after "::"'],
    ['empty tag in the middle', 'x::a..b', 'tag 2 is empty'],
    ['empty first tag', 'x::.a', 'tag 1 is empty'],
    ['trailing dot', 'x::a.', 'tag 2 is empty'],
    ['duplicate tag', 'x::a.b.a', 'tag 3 ("a"): duplicate tag "a"'],
    ['duplicate tag, other params', 'x::a.a[k=1]', 'duplicate tag "a"'],
    ['duplicate key', 'x::a[k=1;k=2]', 'duplicate param key "k"'],
    ['empty param', 'x::a[k=1;]', 'empty param'],
    ['only ";"', 'x::a[;]', 'empty param'],
    ['param without "="', 'x::a[k]', 'param "k" has no "="'],
    ['empty key', 'x::a[=1]', 'empty param key'],
    ['key with space', 'x::a[k k=1]', 'param key "k k" may only contain'],
    ['key with unicode', 'x::a[ké=1]', 'may only contain'],
    ['empty value', 'binance::btcusdt.kline[interval=]', 'tag 2 ("kline[interval=]"): empty param value for key "interval"'],
    ['"=" in value', 'x::a[k=1=2]', 'contains the reserved character "="'],
    ['leading space in value', 'x::a[k= 1]', 'leading or trailing whitespace'],
    ['trailing space in value', 'x::a[k=1 ]', 'leading or trailing whitespace'],
    ['trailing ideographic space', 'x::a[k=1\u3000]', 'leading or trailing whitespace'],
    ['tab in value', 'x::a[k=1\t2]', 'control character (U+0009)'],
    ['NUL in value', 'x::a[k=1\u00002]', 'control character (U+0000)'],
    ['nested "["', 'x::a[k=[1]]', '"[" inside brackets'],
    ['unclosed "["', 'x::a[k=1', '"[" is never closed'],
    ['"]" without "["', 'x::a]b', '"]" without "["'],
    ['text after "]"', 'x::a[k=1]b', 'tag 1 ("a[k=1]b"): text after "]"'],
    ['two bracket groups', 'x::a[k=1][m=2]', 'text after "]"'],
    ['":" in tag', 'x::a:b', 'reserved character ":"'],
    ['"::" in tags', 'x::a::b', 'reserved character ":"'],
    ['";" in tag', 'x::a;b', 'reserved character ";"'],
    ['"=" in tag', 'x::a=b', 'reserved character "="'],
    ['"*" in tag', 'x::a*', 'reserved character "*"'],
    ['"*" as tag', 'x::*', 'reserved character "*"'],
    ['"," in tag', 'x::a,b', 'reserved character ","'],
    ['space in tag', 'x::a b', 'whitespace (U+0020)'],
    ['tab in tag', 'x::a\tb', 'control character (U+0009)'],
    ['no-break space in tag', 'x::a\u00A0b', 'whitespace (U+00A0)'],
    ['em space in tag', 'x::a\u2003b', 'whitespace (U+2003)'],
    ['line separator in tag', 'x::a\u2028b', 'whitespace (U+2028)'],
    ['ideographic space in tag', 'x::a\u3000b', 'whitespace (U+3000)'],
    ['BOM in tag', 'x::\uFEFFa', 'whitespace (U+FEFF)'],
    ['control in tag', 'x::a\u0007', 'control character (U+0007)'],
    ['lone surrogate in tag', 'x::a\uD800', 'unpaired surrogate (U+D800)'],
    ['lone surrogate in value', 'x::a[k=\uDC00]', 'unpaired surrogate (U+DC00)'],
    ['65-char tag name', `x::${'t'.repeat(65)}`, 'tag name is 65 chars long; the limit is 64'],
    ['65 astral code points', `x::${'\u{1F600}'.repeat(65)}`, 'tag name is 65 chars long'],
    ['33 tags', `x::${tags(33, 2).join('.')}`, 'more than 32 tags'],
    ['513 chars', `x::t[k=${'v'.repeat(513 - 8)}]`, 'canonical form is 513 chars long; the limit is 512'],
    ['a megabyte', `x::${'a'.repeat(1 << 20)}`, `input is ${(1 << 20) + 3} chars long; the limit is 512`],
  ])('%s', (_label, input, message) => {
    const error = errorOf(() => parseIdentifier(input));
    expect(error.code).toBe('INVALID_IDENTIFIER');
    expect(error.message).toContain(message);
  });

  it('refuses non-strings', () => {
    expect(errorOf(() => parseIdentifier(42 as unknown as string)).code).toBe('INVALID_IDENTIFIER');
  });

  it('refuses megabyte inputs of any shape quickly', () => {
    const started = process.hrtime.bigint();
    for (const unit of ['[', '.', ':', 'a[k=', '\u{1F600}']) {
      expect(errorOf(() => parseIdentifier(`x::${unit.repeat(1 << 20)}`)).code).toBe('INVALID_IDENTIFIER');
    }
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
  });
});

describe('Identifier', () => {
  it('exposes sorted tags, sorted params and a tag() lookup', () => {
    const id = parseIdentifier('binance::kline[tz=utc;interval=1m].btcusdt');
    expect(id.namespace).toBe('binance');
    expect(id.tags.map((t) => t.name)).toEqual(['btcusdt', 'kline']);
    expect([...id.tag('kline')!.params]).toEqual([['interval', '1m'], ['tz', 'utc']]);
    expect(id.tag('btcusdt')!.params.size).toBe(0);
    expect(id.tag('nope')).toBeUndefined();
    expect(Object.isFrozen(id) && Object.isFrozen(id.tags)).toBe(true);
  });

  it('tag[] and tag are the same identifier', () => {
    expect(parseIdentifier('x::a[].b').canonical).toBe(parseIdentifier('x::b.a').canonical);
  });

  it.each([
    ['binance', { btcusdt: {}, kline: { interval: '1m' } }, 'binance::btcusdt.kline[interval=1m]'],
    ['X', { b: { z: '1', a: '2' }, a: {} }, 'x::a.b[a=2;z=1]'],
    ['x', { ['__proto__']: { constructor: 'v' } }, 'x::__proto__[constructor=v]'],
  ])('Identifier.of(%j, %j) is %s', (namespace, parts, canonical) => {
    const id = Identifier.of(namespace, parts);
    expect(id.canonical).toBe(canonical);
    expect(parseIdentifier(canonical).canonical).toBe(canonical);
  });

  it.each([
    ['bad namespace', 'a.b', { t: {} }, 'namespace "a.b" may only contain'],
    ['no tags', 'x', {}, 'no tags'],
    ['"." in a tag name', 'x', { 'a.b': {} }, 'tag "a.b": tag name contains the reserved character "."'],
    ['"[" in a tag name', 'x', { 'a[': {} }, 'reserved character "["'],
    ['"]" in a tag name', 'x', { 'a]': {} }, 'reserved character "]"'],
    ['"[" in a value', 'x', { t: { k: 'a[b' } }, 'param value for key "k" contains the reserved character "["'],
    ['"]" in a value', 'x', { t: { k: 'a]b' } }, 'reserved character "]"'],
    ['";" in a value', 'x', { t: { k: 'a;b' } }, 'reserved character ";"'],
    ['"=" in a key', 'x', { t: { 'k=1': 'v' } }, 'param key "k=1" may only contain'],
    ['empty value', 'x', { t: { k: '' } }, 'empty param value for key "k"'],
    ['33 tags', 'x', Object.fromEntries(tags(33, 2).map((t) => [t, {}])), '33 tags; the limit is 32'],
  ])('Identifier.of refuses %s', (_label, namespace, parts, message) => {
    const error = errorOf(() => Identifier.of(namespace, parts as Record<string, Record<string, string>>));
    expect(error.code).toBe('INVALID_IDENTIFIER');
    expect(error.message).toContain(message);
  });
});
