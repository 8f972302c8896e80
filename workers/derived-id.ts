import { Identifier } from '../router/identifier';

/** What a derived identifier `<worker>::<symbol>.<kind>[venue=<ns>;…]` says, before the worker reads its own params. */
export interface DerivedId {
  readonly symbol: string;
  readonly venue: string;
  /** The kind tag's params other than `venue`. */
  readonly params: ReadonlyMap<string, string>;
  /** The venue stream it is derived from: `<venue>::<symbol>.<inputKind>`. */
  readonly input: Identifier;
}

/**
 * Reads the common shape of a shipped worker's stream: two tags, a bare symbol and `kind` with a
 * `venue` param naming the input's namespace. Returns the reason when `id` cannot be one.
 */
export function readDerivedId(id: Identifier, kind: string, inputKind: string): DerivedId | string {
  if (id.tags.length !== 2) return `expected two tags, <symbol>.${kind}[venue=…;…], got ${id.tags.length}`;
  const kindTag = id.tag(kind);
  if (!kindTag) return `no "${kind}" tag`;
  const symbolTag = id.tags[0] === kindTag ? id.tags[1] : id.tags[0];
  if (symbolTag.params.size > 0) return `symbol tag "${symbolTag.name}" takes no params`;
  const venue = kindTag.params.get('venue');
  if (venue === undefined) return `"${kind}" needs a venue param naming the input's namespace`;
  let input: Identifier;
  try {
    input = Identifier.of(venue, { [symbolTag.name]: {}, [inputKind]: {} });
  } catch (error) {
    return `venue "${venue}" and symbol "${symbolTag.name}" make no valid input: ${error instanceof Error ? error.message : String(error)}`;
  }
  // One spelling per input, so the same bars are never computed twice under two names.
  if (input.namespace !== venue) return `venue "${venue}" must be written in lower case`;
  const params = new Map(kindTag.params);
  params.delete('venue');
  return { symbol: symbolTag.name, venue, params, input };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Reads `<n><unit>` (a positive integer and one of `units`) into milliseconds, within `maxMs`. */
export function readDuration(text: string, units: readonly string[], maxMs: number): number | string {
  const match = /^([1-9][0-9]{0,8})(ms|s|m|h)$/.exec(text);
  const unit = match?.[2];
  if (!match || unit === undefined || !units.includes(unit)) return `"${text}" is not <n>${units.join('|')} with n a positive integer`;
  const ms = Number(match[1]) * UNIT_MS[unit];
  if (ms > maxMs) return `"${text}" is longer than ${maxMs / 1000} s`;
  return ms;
}

/** Reads a positive number param; `integer` also requires a whole number. */
export function readPositive(key: string, text: string, integer: boolean, max: number): number | string {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) {
    return `${key} must be a positive ${integer ? 'integer' : 'number'} up to ${max}, got "${text}"`;
  }
  // One spelling per number, so one stream never has two ids.
  if (String(n) !== text) return `${key} must be written in its shortest decimal form ("${String(n)}"), got "${text}"`;
  return n;
}
