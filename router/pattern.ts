import { assertNever } from '../common/assert-never';
import {
  Identifier,
  checkLength,
  checkTagName,
  compareCodePoints,
  fail,
  formatTag,
  paramMap,
  quote,
  splitEntry,
  splitText,
  type Syntax,
} from './identifier';

/** `name` | `name[k=v]` | `name[k=v;*]` | `name[*]` (README, "Identifiers and patterns"). */
export type ParamMatch = 'none' | 'exact' | 'at-least' | 'any';

export interface TagConstraint {
  readonly name: string;
  readonly match: ParamMatch;
  /** Sorted by key; empty for 'none' and 'any'. */
  readonly params: ReadonlyMap<string, string>;
}

/** The class's constructor, opened (by the static block below) to `parsePattern` only. */
let build: (namespace: string, constraints: readonly TagConstraint[], rest: boolean) => Pattern;

/** A set of identifiers in one namespace. Immutable; build with `parsePattern`. */
export class Pattern {
  readonly canonical: string;
  /** Names exactly one identifier: no `[*]`, no `;*`, no trailing `*`. */
  readonly exact: boolean;

  private constructor(
    readonly namespace: string,
    readonly constraints: readonly TagConstraint[],
    readonly rest: boolean,
  ) {
    const parts = constraints.map((c) => formatTag(c.name, c.params, c.match === 'any' || c.match === 'at-least' ? '*' : undefined));
    if (rest) parts.push('*');
    this.canonical = `${namespace}::${parts.join('.')}`;
    this.exact = !rest && constraints.every((c) => c.match === 'none' || c.match === 'exact');
  }

  toString(): string {
    return this.canonical;
  }

  matches(id: Identifier): boolean {
    if (id.namespace !== this.namespace) return false;
    const tags = id.tags;
    const constraints = this.constraints;
    if (this.rest ? tags.length < constraints.length : tags.length !== constraints.length) return false;
    // Both lists are sorted the same way and names are unique, so a greedy walk finds each constraint.
    let j = 0;
    for (const c of constraints) {
      while (j < tags.length && tags[j].name !== c.name) {
        if (!this.rest) return false;
        j++;
      }
      if (j === tags.length || !paramsMatch(c, tags[j].params)) return false;
      j++;
    }
    return true;
  }

  /** The one identifier an exact pattern names; throws TesseraError INVALID_PATTERN when not exact. */
  toIdentifier(): Identifier {
    if (!this.exact) fail({ code: 'INVALID_PATTERN', what: 'pattern', input: this.canonical }, 'has wildcards, so it names no single identifier');
    return Identifier.fromTags(this.namespace, this.constraints);
  }

  static {
    build = (namespace, constraints, rest) => new Pattern(namespace, constraints, rest);
  }
}

function readConstraint(name: string, entries: readonly string[], where: string, syntax: Syntax): TagConstraint {
  checkTagName(name, where, syntax);
  let star = false;
  const pairs: [string, string][] = [];
  for (const entry of entries) {
    if (entry !== '*') pairs.push(splitEntry(entry, where, syntax));
    else if (star) fail(syntax, `${where}: "*" given twice in ${quote(name)}'s params`);
    else star = true;
  }
  const params = paramMap(pairs, where, syntax);
  const match: ParamMatch = star ? (params.size > 0 ? 'at-least' : 'any') : params.size > 0 ? 'exact' : 'none';
  return Object.freeze({ name, match, params });
}

function paramsMatch(c: TagConstraint, params: ReadonlyMap<string, string>): boolean {
  switch (c.match) {
    case 'none':
      return params.size === 0;
    case 'any':
      return true;
    case 'exact':
      if (params.size !== c.params.size) return false;
      break;
    case 'at-least':
      if (params.size < c.params.size) return false;
      break;
    default:
      return assertNever(c.match);
  }
  for (const [key, value] of c.params) if (params.get(key) !== value) return false;
  return true;
}

/** Parses and canonicalises a pattern; throws TesseraError `INVALID_PATTERN` saying what and where. */
export function parsePattern(text: string): Pattern {
  const { syntax, namespace, tags } = splitText(text, 'INVALID_PATTERN', 'pattern');
  let rest = false;
  const seen = new Map<string, TagConstraint>();
  for (const raw of tags) {
    if (raw.text === '*') {
      if (rest) fail(syntax, `${raw.where}: "*" given twice`);
      rest = true;
      continue;
    }
    const constraint = readConstraint(raw.name, raw.entries, raw.where, syntax);
    if (seen.has(constraint.name)) fail(syntax, `${raw.where}: tag "${constraint.name}" is constrained twice`);
    seen.set(constraint.name, constraint);
  }
  const sorted = [...seen.values()].sort((a, b) => compareCodePoints(a.name, b.name));
  const pattern = build(namespace, Object.freeze(sorted), rest);
  checkLength(pattern.canonical, syntax);
  return Object.freeze(pattern);
}
