import { parseIdentifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';
import { RoutingTable } from '../router/table';

const p = parsePattern;

describe('RoutingTable', () => {
  it('lists a subscriber once even when several of its patterns match', () => {
    const table = new RoutingTable<string>();
    table.bind(p('x::a.*'), 's1');
    table.bind(p('x::*'), 's1');
    table.bind(p('x::a.b'), 's1');
    expect(table.lookup('x::a.b')).toEqual(['s1']);
    table.unbind(p('x::*'), 's1');
    table.unbind(p('x::a.b'), 's1');
    expect(table.lookup('x::a.b')).toEqual(['s1']);
    table.unbind(p('x::a.*'), 's1');
    expect(table.lookup('x::a.b')).toEqual([]);
  });

  it('bind is idempotent per canonical pattern and subscriber; unbind of nothing is a no-op', () => {
    const table = new RoutingTable<string>();
    table.bind(p('x::b.a'), 's1');
    table.bind(p('X::a.b'), 's1');
    table.bind(p('x::a[].b'), 's2');
    expect(table.bindingCount).toBe(2);
    table.unbind(p('x::zzz'), 's1');
    table.unbind(p('x::a.b'), 's3');
    table.unbind(p('y::a.b'), 's1');
    expect(table.bindingCount).toBe(2);
    expect([...table.lookup('x::a.b')].sort()).toEqual(['s1', 's2']);
  });

  it('returns frozen snapshots that later changes replace, never mutate', () => {
    const table = new RoutingTable<string>();
    table.bind(p('x::*'), 's1');
    const before = table.lookup('x::a');
    expect(table.lookup('x::a')).toBe(before); // cached: the same array, no allocation
    table.bind(p('x::a'), 's2');
    const after = table.lookup('x::a');
    expect(before).toEqual(['s1']);
    expect(after).toEqual(['s1', 's2']);
    expect(Object.isFrozen(before) && Object.isFrozen(after)).toBe(true);
    table.unbindAll('s1');
    expect(after).toEqual(['s1', 's2']);
    expect(table.lookup('x::a')).toEqual(['s2']);
  });

  it('memoises one entry per identifier text, including invalid text', () => {
    const table = new RoutingTable<string>();
    table.bind(p('x::*'), 's1');
    expect(table.cacheSize).toBe(0);
    table.lookup('x::a');
    table.lookup('x::a');
    table.lookup('y::a');
    expect(table.lookup('not an identifier')).toEqual([]);
    expect(table.lookup('not an identifier')).toEqual([]);
    expect(table.cacheSize).toBe(3);
    expect(table.lookup('X::a')).toEqual(['s1']); // non-canonical text still answers
    expect(table.cacheSize).toBe(4);
  });

  it('keeps memo entries in other namespaces untouched by a bind', () => {
    const table = new RoutingTable<string>();
    const other = table.lookup('y::a');
    table.bind(p('x::*'), 's1');
    expect(table.lookup('y::a')).toBe(other);
    expect(table.lookup('x::a')).toEqual(['s1']);
  });

  it('evicts the oldest entries beyond maxCacheEntries and still answers correctly', () => {
    const table = new RoutingTable<string>({ maxCacheEntries: 2 });
    table.bind(p('x::*'), 's1');
    table.lookup('x::a');
    table.lookup('x::b');
    table.lookup('x::c');
    expect(table.cacheSize).toBe(2);
    table.bind(p('x::a'), 's2');
    table.unbind(p('x::*'), 's1');
    expect(table.lookup('x::a')).toEqual(['s2']); // evicted earlier: answered afresh
    expect(table.lookup('x::c')).toEqual([]);
    expect(table.cacheSize).toBe(2);
    expect(() => new RoutingTable({ maxCacheEntries: 0 })).toThrow(RangeError);
  });

  it('unbindAll removes every binding of one subscriber only', () => {
    const table = new RoutingTable<{ name: string }>();
    const s1 = { name: 's1' };
    const s2 = { name: 's2' };
    table.bind(p('x::a.*'), s1);
    table.bind(p('x::a.b'), s1);
    table.bind(p('y::*'), s1);
    table.bind(p('x::*'), s2);
    expect(table.lookup('x::a.b')).toEqual([s1, s2]);
    table.unbindAll(s1);
    expect(table.bindingCount).toBe(1);
    expect(table.lookup('x::a.b')).toEqual([s2]);
    expect(table.lookup('y::q')).toEqual([]);
    table.unbindAll(s1);
  });

  it('match answers uncached, and clear forgets everything', () => {
    const table = new RoutingTable<string>();
    table.bind(p('x::a[*]'), 's1');
    table.bind(p('x::a[k=1]'), 's2');
    expect(table.match(parseIdentifier('x::a[k=1]')).sort()).toEqual(['s1', 's2']);
    expect(table.cacheSize).toBe(0);
    table.lookup('x::a');
    table.clear();
    expect([table.cacheSize, table.bindingCount]).toEqual([0, 0]);
    expect(table.lookup('x::a[k=1]')).toEqual([]);
  });
});
