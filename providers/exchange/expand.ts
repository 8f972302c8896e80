import { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';

type Params = Readonly<Record<string, string>>;

/** A venue's kinds by name, each with the params a wildcard starts it with (none: wildcards skip it). */
export type ExpandableKinds = Readonly<Record<string, { readonly expand?: Params }>>;

/**
 * The streams a wildcard pattern should start: symbols × kinds, where the symbols are the one the
 * pattern names or else the catalogue, and the kinds the one it names or else every kind a
 * wildcard may start. Params come from the pattern when it pins them (`kline[interval=5m;*]`),
 * else the kind's defaults. Only identifiers `valid` accepts (the venue's `streamOf`) are kept;
 * so all-market streams, which are heavy, start only when named exactly.
 */
export function expandPattern(pattern: Pattern, catalogue: readonly string[], kinds: ExpandableKinds, valid: (id: Identifier) => boolean): Identifier[] {
  const isKind = (name: string): boolean => Object.prototype.hasOwnProperty.call(kinds, name);
  const kindConstraints = pattern.constraints.filter((c) => isKind(c.name));
  const symbolConstraints = pattern.constraints.filter((c) => !isKind(c.name));
  if (kindConstraints.length > 1 || symbolConstraints.length > 1) return [];
  const kindConstraint = kindConstraints[0];
  const symbols = symbolConstraints.length === 1 ? [symbolConstraints[0].name] : catalogue;
  const names = kindConstraint ? [kindConstraint.name] : Object.keys(kinds).filter((k) => kinds[k].expand);
  const pinned = kindConstraint && (kindConstraint.match === 'exact' || kindConstraint.match === 'at-least') ? Object.fromEntries(kindConstraint.params) : undefined;

  const out = new Map<string, Identifier>();
  for (const symbol of symbols) {
    for (const kind of names) {
      const id = tryIdentifier(pattern.namespace, { [symbol]: {}, [kind]: pinned ?? kinds[kind].expand ?? {} });
      if (id && valid(id) && pattern.matches(id)) out.set(id.canonical, id);
    }
  }
  return [...out.values()];
}

function tryIdentifier(namespace: string, tags: Record<string, Record<string, string>>): Identifier | undefined {
  try {
    return Identifier.of(namespace, tags);
  } catch {
    return undefined;
  }
}
