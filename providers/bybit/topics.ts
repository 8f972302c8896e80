import type { Identifier } from '../../router/identifier';
import type { MappedKind } from '../exchange/normalize';

/**
 * Identifiers ↔ Bybit v5 public linear topics. An identifier is `<symbol>.<kind>[params]`; the
 * symbol tag is Bybit's instrument name in lower case (`btcusdt` → `BTCUSDT`) and must be in the
 * provider's catalogue. Raw kinds keep Bybit's topic names (`publicTrade`, `orderbook`,
 * `tickers`, `allLiquidation`, `kline`) and pass the push frame on as it came; the normalized
 * kinds read one of those topics and map it (see normalize.ts).
 */

type Params = Readonly<Record<string, string>>;

interface KindSpec {
  /** Params the kind requires, with the values Bybit accepts. */
  readonly params: Readonly<Record<string, readonly string[]>>;
  readonly topic: (symbol: string, p: Params) => string;
  /** Set for a normalized kind: the schema its payloads follow. */
  readonly normalized?: MappedKind | 'book';
  /** Params `expand` uses; absent when wildcards should not start the kind. */
  readonly expand?: Params;
}

const trades = (s: string): string => `publicTrade.${s}`;
const tickers = (s: string): string => `tickers.${s}`;
const liquidations = (s: string): string => `allLiquidation.${s}`;

export const KINDS: Readonly<Record<string, KindSpec>> = {
  publicTrade: { params: {}, topic: trades, expand: {} },
  // Linear books come in these depths; depth 1 is the best bid and offer.
  orderbook: { params: { depth: ['1', '50', '200'] }, topic: (s, p) => `orderbook.${p.depth}.${s}`, expand: { depth: '1' } },
  tickers: { params: {}, topic: tickers, expand: {} },
  allLiquidation: { params: {}, topic: liquidations, expand: {} },
  kline: {
    params: { interval: ['1', '3', '5', '15', '30', '60', '120', '240', '360', '720', 'D', 'W', 'M'] },
    topic: (s, p) => `kline.${p.interval}.${s}`,
    expand: { interval: '1' },
  },
  trade: { params: {}, topic: trades, normalized: 'trade', expand: {} },
  quote: { params: {}, topic: (s) => `orderbook.1.${s}`, normalized: 'quote', expand: {} },
  derivative: { params: {}, topic: tickers, normalized: 'derivative', expand: {} },
  liquidation: { params: {}, topic: liquidations, normalized: 'liquidation', expand: {} },
  // Kept from the 200-level feed's snapshot and deltas (book.ts); started only when named.
  book: { params: {}, topic: (s) => `orderbook.200.${s}`, normalized: 'book' },
};

export const KIND_NAMES: readonly string[] = Object.keys(KINDS);

export function isKind(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(KINDS, name);
}

export type TopicRef = { readonly ok: true; readonly topic: string; readonly normalized?: MappedKind | 'book' } | { readonly ok: false; readonly reason: string };

/** The topic an identifier names, or why there is none (checked before any network traffic). */
export function topicOf(id: Identifier, catalogue: ReadonlySet<string>): TopicRef {
  const kinds = id.tags.filter((t) => isKind(t.name));
  const symbols = id.tags.filter((t) => !isKind(t.name));
  if (kinds.length !== 1) {
    return refuse(kinds.length === 0 ? `no stream kind; expected one of ${KIND_NAMES.join(', ')}` : `more than one stream kind (${kinds.map((t) => t.name).join(', ')})`);
  }
  const kind = kinds[0];
  const spec = KINDS[kind.name];
  if (symbols.length !== 1) {
    return refuse(symbols.length === 0 ? `${kind.name} needs a symbol, e.g. btcusdt.${kind.name}` : `expected <symbol>.<kind>, got more than one symbol (${symbols.map((t) => t.name).join(', ')})`);
  }
  const params: Record<string, string> = {};
  for (const [key, value] of kind.params) {
    const allowed = spec.params[key];
    if (!allowed) return refuse(`${kind.name} has no param "${key}"${Object.keys(spec.params).length === 0 ? ' (it takes none)' : ` (it takes ${Object.keys(spec.params).join(', ')})`}`);
    if (!allowed.includes(value)) return refuse(`${kind.name}: ${key} must be one of ${allowed.join(', ')}, got "${value}"`);
    params[key] = value;
  }
  for (const [key, allowed] of Object.entries(spec.params)) {
    if (params[key] === undefined) return refuse(`${kind.name} needs ${key}=<${allowed.join('|')}>`);
  }
  const symbol = symbols[0];
  if (symbol.params.size > 0) return refuse(`symbol tag "${symbol.name}" takes no params`);
  if (!/^[a-z0-9]{1,32}$/.test(symbol.name)) return refuse(`symbol "${symbol.name}" is not a Bybit instrument name (lower-case letters and digits, e.g. btcusdt)`);
  if (!catalogue.has(symbol.name)) return refuse(`bybit linear lists no instrument "${symbol.name}" (known: ${[...catalogue].join(', ')}; the provider's "symbols" option sets the list)`);
  const topic = spec.topic(symbol.name.toUpperCase(), params);
  return spec.normalized ? { ok: true, topic, normalized: spec.normalized } : { ok: true, topic };
}

function refuse(reason: string): TopicRef {
  return { ok: false, reason };
}
