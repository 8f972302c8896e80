import { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import { KINDS, isKind, streamOf } from './streams';

/**
 * The streams a wildcard pattern should start: symbols × kinds, where the symbols are the one the
 * pattern names or else the catalogue, and the kinds the one it names or else every kind that
 * makes sense per trading symbol. Params come from the pattern when it pins them
 * (`kline[interval=5m;*]`), else the kind's defaults. All-market streams are never expanded:
 * they are heavy, so they start only when named exactly.
 */
export function expandPattern(pattern: Pattern, catalogue: readonly string[]): Identifier[] {
  const kindConstraints = pattern.constraints.filter((c) => isKind(c.name));
  const symbolConstraints = pattern.constraints.filter((c) => !isKind(c.name));
  if (kindConstraints.length > 1 || symbolConstraints.length > 1) return [];
  const kindConstraint = kindConstraints[0];
  const symbols = symbolConstraints.length === 1 ? [symbolConstraints[0].name] : catalogue;
  const kinds = kindConstraint ? [kindConstraint.name] : Object.keys(KINDS).filter((k) => KINDS[k].expand);
  const pinned = kindConstraint && (kindConstraint.match === 'exact' || kindConstraint.match === 'at-least') ? Object.fromEntries(kindConstraint.params) : undefined;

  const out = new Map<string, Identifier>();
  for (const symbol of symbols) {
    for (const kind of kinds) {
      const id = tryIdentifier(pattern.namespace, { [symbol]: {}, [kind]: pinned ?? KINDS[kind].expand ?? {} });
      if (id && streamOf(id).ok && pattern.matches(id)) out.set(id.canonical, id);
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
