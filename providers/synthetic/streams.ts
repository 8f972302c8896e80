import { Identifier } from '../../router/identifier';
import { hash32 } from './prng';

/**
 * The kinds of stream the synthetic provider generates. `trade` is the normalized trade (the
 * payload every venue's `trade` has, so workers such as `bars` can read it); the others are the
 * generator's own shapes.
 */
export const SYNTHETIC_KINDS = ['ticks', 'trades', 'quotes', 'trade'] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

/** Bounds on the stream params, so a typo cannot ask for a billion messages a second. */
export const SYNTHETIC_LIMITS = {
  minRate: 0.01,
  maxRate: 100_000,
  defaultRate: 10,
  maxSize: 65_536,
} as const;

/** A catalogue entry; `price` is where the random walk starts (derived from the name if absent). */
export interface SyntheticSymbol {
  readonly symbol: string;
  readonly price?: number;
}

export const DEFAULT_SYMBOLS: readonly SyntheticSymbol[] = [
  { symbol: 'btcusdt', price: 60_000 },
  { symbol: 'ethusdt', price: 3_000 },
  { symbol: 'solusdt', price: 150 },
];

/** Everything a stream's identifier says about it, checked. */
export interface StreamSpec {
  readonly symbol: string;
  readonly basePrice: number;
  readonly kind: SyntheticKind;
  /** Messages per second. */
  readonly rate: number;
  /** Padding characters added to each payload. */
  readonly size: number;
}

function isTagName(name: unknown): boolean {
  try {
    return typeof name === 'string' && Identifier.of('x', { [name]: {} }).tags.length === 1;
  } catch {
    return false;
  }
}

/** Normalises the `symbols` option into name → start price; throws naming the bad entry. */
export function buildCatalogue(symbols: readonly (string | SyntheticSymbol)[]): ReadonlyMap<string, number> {
  const catalogue = new Map<string, number>();
  symbols.forEach((entry, i) => {
    const symbol = typeof entry === 'string' ? entry : entry.symbol;
    const where = `synthetic: option "symbols[${i}]"`;
    if (!isTagName(symbol)) throw new Error(`${where} is not a valid tag name`);
    if ((SYNTHETIC_KINDS as readonly string[]).includes(symbol)) throw new Error(`${where} "${symbol}" clashes with a stream kind`);
    if (catalogue.has(symbol)) throw new Error(`${where} "${symbol}" is listed twice`);
    const price = typeof entry === 'string' ? undefined : entry.price;
    if (price !== undefined && !(Number.isFinite(price) && price > 0)) throw new Error(`${where} price must be a positive number`);
    // Without a price, pick a stable one from the name so every run starts the walk at the same place.
    catalogue.set(symbol, price ?? 1 + (hash32(symbol) % 1000));
  });
  return catalogue;
}

/**
 * Reads `<symbol>.<kind>[rate=…;size=…]` (the two tags in any order). Returns the spec, or the
 * reason the identifier can never be a synthetic stream.
 */
export function describeStream(
  id: Identifier,
  catalogue: ReadonlyMap<string, number>,
  kinds: readonly SyntheticKind[],
  defaultRate: number,
): StreamSpec | string {
  if (id.tags.length !== 2) return `expected two tags, <symbol>.<kind>, got ${id.tags.length}`;
  const kindTag = id.tags.find((t) => (SYNTHETIC_KINDS as readonly string[]).includes(t.name));
  if (!kindTag) return `no stream kind tag (one of ${kinds.join(', ')})`;
  const kind = kindTag.name as SyntheticKind;
  if (!kinds.includes(kind)) return `stream kind "${kind}" is not offered (one of ${kinds.join(', ')})`;
  const symbolTag = id.tags.find((t) => t !== kindTag)!;
  const basePrice = catalogue.get(symbolTag.name);
  if (basePrice === undefined) return `unknown symbol "${symbolTag.name}" (catalogue: ${[...catalogue.keys()].join(', ')})`;
  if (symbolTag.params.size > 0) return `symbol tag "${symbolTag.name}" takes no params`;

  let rate = defaultRate;
  let size = 0;
  for (const [key, value] of kindTag.params) {
    const n = Number(value);
    // `rate=0x10` and `rate=16` would be one stream under two ids: each number has one spelling.
    if ((key === 'rate' || key === 'size') && Number.isFinite(n) && String(n) !== value) {
      return `${key} must be written as ${String(n)}, its shortest decimal form, got "${value}"`;
    }
    switch (key) {
      case 'rate':
        if (!Number.isFinite(n) || n < SYNTHETIC_LIMITS.minRate || n > SYNTHETIC_LIMITS.maxRate) {
          return `rate must be a number from ${SYNTHETIC_LIMITS.minRate} to ${SYNTHETIC_LIMITS.maxRate}, got "${value}"`;
        }
        rate = n;
        break;
      case 'size':
        if (!Number.isInteger(n) || n < 0 || n > SYNTHETIC_LIMITS.maxSize) {
          return `size must be an integer from 0 to ${SYNTHETIC_LIMITS.maxSize}, got "${value}"`;
        }
        size = n;
        break;
      default:
        return `unknown param "${key}" on ${kind} (known: rate, size)`;
    }
  }
  return { symbol: symbolTag.name, basePrice, kind, rate, size };
}
