import fc from 'fast-check';
import { Identifier, parseIdentifier } from '../router/identifier';
import { parsePattern, type Pattern } from '../router/pattern';
import { RoutingTable } from '../router/table';

// Small alphabets so random identifiers and patterns actually meet. The names include an upper-case
// letter and BMP/astral code points whose UTF-16 order differs from code-point order.
const NAMESPACES = ['a', 'b'];
const NAMES = ['x', 'y', 'Y', 'é', '\uFF21', '\u{1F600}'];
const KEYS = ['k', 'm'];
const VALUES = ['1', '2', 'a b'];

type Params = [string, string][];
type Parts = { ns: string; tags: [string, Params][] };

const shuffled = <T>(items: readonly T[]) => fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });
const paramsArb = (keys = KEYS, values = VALUES) =>
  fc.uniqueArray(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...values)), { selector: ([k]) => k, maxLength: 2 });
const partsArb = (names = NAMES, maxTags = 3, params = paramsArb()): fc.Arbitrary<Parts> =>
  fc.record({
    ns: fc.constantFrom(...NAMESPACES),
    tags: fc.uniqueArray(fc.tuple(fc.constantFrom(...names), params), { selector: ([n]) => n, minLength: 1, maxLength: maxTags }),
  });

const bracket = (params: Params, extra: string[] = []) => [...params.map(([k, v]) => `${k}=${v}`), ...extra].join(';');

/** Any one of the many spellings of `parts`: tags and params in any order, `[]` or bare, namespace in any case. */
const spellingArb = (parts: Parts) =>
  fc.tuple(
    shuffled(parts.tags).chain((tags) => fc.tuple(...tags.map(([n, ps]) => fc.tuple(fc.constant(n), shuffled(ps), fc.boolean())))),
    fc.boolean(),
  ).map(([tags, upper]) => {
    const body = tags.map(([n, ps, empty]) => (ps.length > 0 ? `${n}[${bracket(ps)}]` : empty ? `${n}[]` : n));
    return `${upper ? parts.ns.toUpperCase() : parts.ns}::${body.join('.')}`;
  });

const idTextArb = (names?: string[], maxTags?: number, params?: fc.Arbitrary<Params>) =>
  partsArb(names, maxTags, params).chain(spellingArb);

const patternTextArb = (names = NAMES, params = paramsArb()) =>
  fc
    .record({
      ns: fc.constantFrom(...NAMESPACES),
      cs: fc.uniqueArray(fc.tuple(fc.constantFrom(...names), fc.constantFrom('none', 'exact', 'at-least', 'any'), params), {
        selector: ([n]) => n,
        maxLength: 3,
      }),
      rest: fc.boolean(),
    })
    .filter(({ cs, rest }) => cs.length > 0 || rest)
    .map(({ ns, cs, rest }) => {
      const body = cs.map(([n, match, ps]) => {
        if (match === 'none' || (match === 'exact' && ps.length === 0)) return n;
        if (match === 'exact') return `${n}[${bracket(ps)}]`;
        return `${n}[${bracket(match === 'any' ? [] : ps, ['*'])}]`;
      });
      return `${ns}::${[...body, ...(rest ? ['*'] : [])].join('.')}`;
    });

describe('identifier properties', () => {
  it('canonicalisation is idempotent and parse∘print round-trips', () => {
    fc.assert(
      fc.property(idTextArb(), (text) => {
        const id = parseIdentifier(text);
        const again = parseIdentifier(id.canonical);
        expect(again.canonical).toBe(id.canonical);
        expect(again.tags).toEqual(id.tags);
      }),
    );
  });

  it('tag and param order, [] and namespace case never matter', () => {
    const arb = partsArb().chain((parts) => fc.tuple(fc.constant(parts), spellingArb(parts), spellingArb(parts)));
    fc.assert(
      fc.property(arb, ([parts, one, two]) => {
        const canonical = Identifier.of(parts.ns, Object.fromEntries(parts.tags.map(([n, ps]) => [n, Object.fromEntries(ps)]))).canonical;
        expect(parseIdentifier(one).canonical).toBe(canonical);
        expect(parseIdentifier(two).canonical).toBe(canonical);
      }),
    );
  });

  it('an identifier read as a pattern is exact and matches only itself', () => {
    fc.assert(
      fc.property(idTextArb(), idTextArb(), (a, b) => {
        const id = parseIdentifier(a);
        const other = parseIdentifier(b);
        const pattern = parsePattern(id.canonical);
        expect(pattern.exact).toBe(true);
        expect(pattern.canonical).toBe(id.canonical);
        expect(pattern.matches(id)).toBe(true);
        expect(pattern.matches(other)).toBe(other.canonical === id.canonical);
        expect(pattern.toIdentifier().canonical).toBe(id.canonical);
      }),
    );
  });

  it('pattern canonicalisation is idempotent and keeps the meaning', () => {
    fc.assert(
      fc.property(patternTextArb(), idTextArb(), (text, idText) => {
        const pattern = parsePattern(text);
        const again = parsePattern(pattern.canonical);
        const id = parseIdentifier(idText);
        expect(again.canonical).toBe(pattern.canonical);
        expect(again.exact).toBe(pattern.exact);
        expect(again.matches(id)).toBe(pattern.matches(id));
      }),
    );
  });
});

type Op =
  | { kind: 'bind' | 'unbind'; pattern: number; sub: number }
  | { kind: 'unbindAll'; sub: number }
  | { kind: 'lookup'; id: number };

describe('routing table against a naive reference matcher', () => {
  // Even smaller alphabets here, so most lookups have several candidate patterns.
  const names = ['x', 'y', '\u{1F600}'];
  const params = paramsArb(['k'], ['1', '2']);
  const SUBS = [0, 1, 2].map((n) => ({ n }));

  const scenarioArb = fc
    .record({
      ids: fc.array(fc.oneof({ arbitrary: idTextArb(names, 3, params), weight: 5 }, { arbitrary: fc.constant('not an id'), weight: 1 }), { minLength: 1, maxLength: 8 }),
      random: fc.array(patternTextArb(names, params), { maxLength: 6 }),
      maxCacheEntries: fc.oneof(fc.constant(100_000), fc.integer({ min: 1, max: 4 })),
    })
    // Add patterns that surely overlap: every namespace's `*` and each identifier as an exact pattern.
    .map(({ ids, random, maxCacheEntries }) => ({
      ids,
      maxCacheEntries,
      patterns: [...random, ...NAMESPACES.map((ns) => `${ns}::*`), ...ids.filter((id) => id !== 'not an id')],
    }))
    .chain((s) => {
      const pattern = fc.nat(s.patterns.length - 1);
      const sub = fc.nat(SUBS.length - 1);
      // Weighted so subscribers pile up overlapping bindings before they are taken apart.
      const op: fc.Arbitrary<Op> = fc.oneof(
        { arbitrary: fc.record({ kind: fc.constant('bind' as const), pattern, sub }), weight: 4 },
        { arbitrary: fc.record({ kind: fc.constant('unbind' as const), pattern, sub }), weight: 2 },
        { arbitrary: fc.record({ kind: fc.constant('unbindAll' as const), sub }), weight: 1 },
        { arbitrary: fc.record({ kind: fc.constant('lookup' as const), id: fc.nat(s.ids.length - 1) }), weight: 4 },
      );
      // size 'max': by default fast-check keeps arrays near 10 elements, too few to build overlaps.
      return fc.record({ s: fc.constant(s), ops: fc.array(op, { maxLength: 60, size: 'max' }) });
    });

  it('lookup equals iterate-all-bindings over random bind/unbind/unbindAll/lookup interleavings', () => {
    fc.assert(
      fc.property(scenarioArb, ({ s, ops }) => {
        const table = new RoutingTable<{ n: number }>({ maxCacheEntries: s.maxCacheEntries });
        const patterns = s.patterns.map(parsePattern);
        const model = new Map<string, { pattern: Pattern; subs: Set<{ n: number }> }>();
        const reference = (text: string) => {
          let id: Identifier;
          try {
            id = parseIdentifier(text);
          } catch {
            return [];
          }
          const out = new Set<number>();
          for (const { pattern, subs } of model.values()) if (pattern.matches(id)) subs.forEach((sub) => out.add(sub.n));
          return [...out].sort();
        };
        const seen: [readonly { n: number }[], number[]][] = [];
        const check = (text: string) => {
          const got = table.lookup(text);
          expect([text, got.map((sub) => sub.n).sort()]).toEqual([text, reference(text)]);
          seen.push([got, got.map((sub) => sub.n)]);
        };

        for (const op of ops) {
          if (op.kind === 'lookup') check(s.ids[op.id]);
          else if (op.kind === 'unbindAll') {
            table.unbindAll(SUBS[op.sub]);
            for (const b of model.values()) b.subs.delete(SUBS[op.sub]);
          } else {
            const pattern = patterns[op.pattern];
            table[op.kind](pattern, SUBS[op.sub]);
            const entry = model.get(pattern.canonical) ?? { pattern, subs: new Set() };
            model.set(pattern.canonical, entry);
            if (op.kind === 'bind') entry.subs.add(SUBS[op.sub]);
            else entry.subs.delete(SUBS[op.sub]);
          }
          expect(table.bindingCount).toBe([...model.values()].reduce((n, b) => n + b.subs.size, 0));
          expect(table.cacheSize).toBeLessThanOrEqual(s.maxCacheEntries);
        }
        for (const text of s.ids) check(text);
        for (const text of s.ids) {
          if (text === 'not an id') continue;
          expect(table.match(parseIdentifier(text)).map((sub) => sub.n).sort()).toEqual(reference(text));
        }
        // Snapshots handed out earlier were never mutated.
        for (const [array, copy] of seen) expect(array.map((sub) => sub.n)).toEqual(copy);
      }),
      { numRuns: 100 },
    );
  });
});
