import fc from 'fast-check';
import { isTesseraError, type ErrorCode } from '../common/errors';
import { codePointLength, Identifier, MAX_LENGTH, parseIdentifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';
import { guardPrototypes } from './support/prototype-guard';

// Hostile input for the identifier and pattern parsers: random text over the grammar's own
// characters mixed with NUL, zero-width characters, emoji, lone surrogates and line separators;
// megabyte strings; values that are not strings at all; objects with `__proto__` keys. Only a
// TesseraError with the parser's code may come out, and whatever is accepted is canonical.

/** Runs per property; `FUZZ_RUNS=100000 npx jest test/fuzz-` for a long hunt. */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 400);

// Name characters that are allowed (with zero-width characters and emoji among them), and ones
// that are not; tags are built from mostly the former, so a fair share of the text parses.
const ALLOWED = ['a', 'B', 'k', '1', '_', '-', 'é', 'e\u0301', '\u{1F680}', '\u{1F469}\u200d\u{1F4BB}', '\u200b', '\u200d', '\u2060', '__proto__', 'constructor'];
const HOSTILE = [':', '::', '.', '[', ']', ';', '=', '*', ',', ' ', '\t', '\n', '\0', '\u0007', '\ufeff', '\u2028', '\u00a0', '\ud800', '\udc00'];
const unit = fc.oneof({ arbitrary: fc.constantFrom(...ALLOWED), weight: 15 }, { arbitrary: fc.constantFrom(...HOSTILE), weight: 1 });
const word = fc.string({ unit, minLength: 1, maxLength: 6 });
const keyUnit = fc.oneof({ arbitrary: fc.constantFrom('k', 'm', 'K', '_', '-', '1'), weight: 15 }, { arbitrary: fc.constantFrom(...ALLOWED, ...HOSTILE), weight: 1 });
const key = fc.string({ unit: keyUnit, minLength: 1, maxLength: 3 });
const entry = fc.oneof({ arbitrary: fc.tuple(key, word).map(([k, v]) => `${k}=${v}`), weight: 8 }, { arbitrary: fc.constantFrom('*', '', 'k', '=v'), weight: 1 });
const tag = fc.tuple(word, fc.option(fc.array(entry, { maxLength: 3 }), { nil: undefined })).map(([name, entries]) => (entries ? `${name}[${entries.join(';')}]` : name));
const tags = fc.array(fc.oneof({ arbitrary: tag, weight: 8 }, { arbitrary: fc.constant('*'), weight: 1 }), { maxLength: 5 }).map((list) => list.join('.'));
const body = fc.oneof({ arbitrary: tags, weight: 4 }, { arbitrary: fc.string({ unit: fc.constantFrom(...ALLOWED, ...HOSTILE), maxLength: 30 }), weight: 1 });
const namespace = fc.oneof({ arbitrary: fc.constantFrom('ns', 'NS', 'a_b-1'), weight: 6 }, { arbitrary: fc.constantFrom('', 'n s', '\u212a', 'x'.repeat(65)), weight: 1 });
/** Mostly `namespace::…`; the rest free-form. */
const grammarText = fc.oneof({ arbitrary: fc.tuple(namespace, body).map(([ns, rest]) => `${ns}::${rest}`), weight: 6 }, { arbitrary: body, weight: 1 });
/** Anything a client could send as a string, including invalid UTF-16. */
const anyText = fc.string({ unit: 'binary', maxLength: 120 });
/** Up to a megabyte, sometimes after a plausible prefix so the length check is what stops it. */
const hugeText = fc
  .tuple(fc.constantFrom('', 'ns::', 'ns::a[k=', 'ns::a.'), fc.constantFrom('a', '.', '[k=v]', '\u{1F680}', '\0'), fc.integer({ min: 10_000, max: 1_048_576 }))
  .map(([prefix, piece, units]) => prefix + piece.repeat(Math.ceil(units / piece.length)));
const notText = fc.oneof(
  fc.anything(),
  fc.constantFrom<unknown>(null, undefined, 42, NaN, [], {}, ['ns::a'], { toString: () => 'ns::a' }, Symbol('x'), 10n, () => 'ns::a'),
);

/** Runs `parse` and checks that it either returns or throws a TesseraError with `code`. */
function outcome<T>(parse: () => T, code: ErrorCode): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!isTesseraError(error, code)) throw new Error(`expected a TesseraError ${code}, got ${String(error)}`, { cause: error });
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeLessThan(1_000); // long input is quoted, not echoed
    return undefined;
  }
}

const CONTROL_OR_SURROGATE = /[\p{Cc}\p{Cs}]/u;

function checkIdentifier(id: Identifier): void {
  expect(parseIdentifier(id.canonical).canonical).toBe(id.canonical);
  expect(codePointLength(id.canonical)).toBeLessThanOrEqual(MAX_LENGTH);
  expect(id.canonical).not.toMatch(CONTROL_OR_SURROGATE);
  const exact = parsePattern(id.canonical);
  expect(exact.exact).toBe(true);
  expect(exact.canonical).toBe(id.canonical);
  expect(exact.matches(id)).toBe(true);
}

guardPrototypes();

describe('parseIdentifier on hostile input', () => {
  test.each([
    ['grammar-shaped text', grammarText],
    ['arbitrary UTF-16', anyText],
  ])('%s: INVALID_IDENTIFIER or a canonical identifier', (_what, arb) => {
    fc.assert(
      fc.property(arb, (text) => {
        const id = outcome(() => parseIdentifier(text), 'INVALID_IDENTIFIER');
        if (id) checkIdentifier(id);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('megabyte strings are refused by length, quickly', () => {
    fc.assert(
      fc.property(hugeText, (text) => {
        const started = performance.now();
        expect(outcome(() => parseIdentifier(text), 'INVALID_IDENTIFIER')).toBeUndefined();
        expect(outcome(() => parsePattern(text), 'INVALID_PATTERN')).toBeUndefined();
        // No scan of the whole input: far below what even one pass over a megabyte costs under load.
        expect(performance.now() - started).toBeLessThan(250);
      }),
      { numRuns: 30 },
    );
  });

  test('values that are not strings', () => {
    fc.assert(
      fc.property(notText, (value) => {
        expect(outcome(() => parseIdentifier(value as string), 'INVALID_IDENTIFIER')).toBeUndefined();
        expect(outcome(() => parsePattern(value as string), 'INVALID_PATTERN')).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  test('NUL, zero-width characters and emoji: controls refused, the rest kept exactly', () => {
    expect(outcome(() => parseIdentifier('ns::a\0b'), 'INVALID_IDENTIFIER')).toBeUndefined();
    expect(outcome(() => parseIdentifier('ns::a[k=v\0]'), 'INVALID_IDENTIFIER')).toBeUndefined();
    expect(outcome(() => parseIdentifier('ns::\ufeffa'), 'INVALID_IDENTIFIER')).toBeUndefined();
    // Zero-width joiners are part of emoji sequences and not whitespace: allowed, byte for byte.
    expect(parseIdentifier('ns::\u{1F469}\u200d\u{1F4BB}.x[k=\u200b]').canonical).toBe('ns::x[k=\u200b].\u{1F469}\u200d\u{1F4BB}');
  });
});

describe('Identifier.of on hostile objects', () => {
  const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'x', '\0', '\u{1F680}', ''), anyText);
  const value = fc.oneof(fc.constantFrom<unknown>('1', '', null, 1, {}, [], '__proto__'), anyText);
  // JSON.parse makes `__proto__` an own key, the way a decoded frame would carry it.
  const tagsFromJson = fc
    .dictionary(key, fc.oneof(fc.dictionary(key, value, { maxKeys: 3 }), value), { maxKeys: 4 })
    .map((tags) => JSON.parse(JSON.stringify(tags).replace(/"toString"/g, '"__proto__"')) as unknown);

  test('INVALID_IDENTIFIER or a canonical identifier, and no prototype touched', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('ns', 'NS', '', '__proto__'), anyText), fc.oneof(tagsFromJson, notText), (ns, tags) => {
        const id = outcome(() => Identifier.of(ns, tags as Record<string, Record<string, string>>), 'INVALID_IDENTIFIER');
        if (id) checkIdentifier(id);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('parsePattern on hostile input', () => {
  test.each([
    ['grammar-shaped text', grammarText],
    ['arbitrary UTF-16', anyText],
  ])('%s: INVALID_PATTERN or a canonical pattern', (_what, arb) => {
    fc.assert(
      fc.property(arb, grammarText, (text, idText) => {
        const pattern = outcome(() => parsePattern(text), 'INVALID_PATTERN');
        if (!pattern) return;
        const again = parsePattern(pattern.canonical);
        expect(again.canonical).toBe(pattern.canonical);
        expect(again.exact).toBe(pattern.exact);
        expect(pattern.canonical).not.toMatch(CONTROL_OR_SURROGATE);
        if (pattern.exact) expect(pattern.toIdentifier().canonical).toBe(pattern.canonical);
        else expect(outcome(() => pattern.toIdentifier(), 'INVALID_PATTERN')).toBeUndefined();
        // Matching never throws, whatever the identifier.
        const id = outcome(() => parseIdentifier(idText), 'INVALID_IDENTIFIER');
        if (id) expect(typeof pattern.matches(id)).toBe('boolean');
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
