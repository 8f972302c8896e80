import { Identifier } from '../../router/identifier';
import type { MappedKind } from '../exchange/normalize';
import type { StreamRef } from '../exchange/provider';

/**
 * Identifiers ↔ USD-M futures stream names. An identifier is `<symbol>.<kind>[params]` (the
 * symbol tag is the one that is not a kind), or a bare `<kind>[params]` for the all-market
 * variant (`ticker` → `!ticker@arr`). Optional params are written only when they differ from the
 * exchange's default (`markPrice` is the 3 s stream; `markPrice[speed=3s]` is refused), so each
 * stream has exactly one identifier.
 */

/** `/public` carries the high-frequency book streams, `/market` everything else. */
export type Endpoint = 'public' | 'market';


type Params = Readonly<Record<string, string>>;

interface ParamSpec {
  readonly values: readonly string[];
  /** The value implied when the param is left out; writing it out is refused. */
  readonly implied?: string;
  /** May be left out though nothing is implied (the stream is then a different one). */
  readonly optional?: boolean;
}

interface KindSpec {
  readonly endpoint: Endpoint;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Stream name for one symbol; absent for all-market-only kinds. */
  readonly single?: (symbol: string, p: Params) => string;
  /** Stream name of the all-market variant, if the exchange has one. */
  readonly all?: (p: Params) => string;
  /** Params `expand` uses for this kind; absent when wildcards should not start it. */
  readonly expand?: Params;
  /** Set for a normalized kind: its payloads are mapped from the stream to this schema. */
  readonly normalized?: MappedKind | 'book';
}

const INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];
const interval: ParamSpec = { values: INTERVALS };
const at = (value: string | undefined): string => (value === undefined ? '' : `@${value}`);

export const KINDS: Readonly<Record<string, KindSpec>> = {
  aggTrade: { endpoint: 'market', params: {}, single: (s) => `${s}@aggTrade`, expand: {} },
  markPrice: {
    endpoint: 'market',
    params: { speed: { values: ['1s'], implied: '3s' } },
    single: (s, p) => `${s}@markPrice${at(p.speed)}`,
    all: (p) => `!markPrice@arr${at(p.speed)}`,
    expand: {},
  },
  kline: { endpoint: 'market', params: { interval }, single: (s, p) => `${s}@kline_${p.interval}`, expand: { interval: '1m' } },
  continuousKline: {
    endpoint: 'market',
    params: { contractType: { values: ['perpetual', 'current_quarter', 'next_quarter'] }, interval },
    single: (s, p) => `${s}_${p.contractType}@continuousKline_${p.interval}`,
    expand: { contractType: 'perpetual', interval: '1m' },
  },
  miniTicker: { endpoint: 'market', params: {}, single: (s) => `${s}@miniTicker`, all: () => '!miniTicker@arr', expand: {} },
  ticker: { endpoint: 'market', params: {}, single: (s) => `${s}@ticker`, all: () => '!ticker@arr', expand: {} },
  bookTicker: { endpoint: 'public', params: {}, single: (s) => `${s}@bookTicker`, all: () => '!bookTicker', expand: {} },
  forceOrder: { endpoint: 'market', params: {}, single: (s) => `${s}@forceOrder`, all: () => '!forceOrder@arr', expand: {} },
  depth: {
    endpoint: 'public',
    params: { levels: { values: ['5', '10', '20'], optional: true }, speed: { values: ['100ms', '500ms'], implied: '250ms' } },
    // Without `levels` it is the diff-depth stream, with it the partial book of that many levels.
    single: (s, p) => `${s}@depth${p.levels ?? ''}${at(p.speed)}`,
    expand: {},
  },
  // Index and asset symbols are not trading symbols, so wildcards over the catalogue skip these.
  compositeIndex: { endpoint: 'market', params: {}, single: (s) => `${s}@compositeIndex` },
  assetIndex: { endpoint: 'market', params: {}, single: (s) => `${s}@assetIndex`, all: () => '!assetIndex@arr' },
  contractInfo: { endpoint: 'market', params: {}, all: () => '!contractInfo' },
  // The normalized kinds, each read from one raw stream (per symbol only).
  trade: { endpoint: 'market', params: {}, single: (s) => `${s}@aggTrade`, expand: {}, normalized: 'trade' },
  quote: { endpoint: 'public', params: {}, single: (s) => `${s}@bookTicker`, expand: {}, normalized: 'quote' },
  derivative: { endpoint: 'market', params: {}, single: (s) => `${s}@markPrice`, expand: {}, normalized: 'derivative' },
  liquidation: { endpoint: 'market', params: {}, single: (s) => `${s}@forceOrder`, expand: {}, normalized: 'liquidation' },
  // Kept from the REST snapshot and the 100 ms diff stream (book.ts); started only when named,
  // as each one costs REST weight.
  book: { endpoint: 'public', params: {}, single: (s) => `${s}@depth@100ms`, normalized: 'book' },
};

export const KIND_NAMES: readonly string[] = Object.keys(KINDS);

export function isKind(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(KINDS, name);
}

/** Why `name` cannot be a symbol tag, or undefined. */
export function symbolProblem(name: string): string | undefined {
  if (isKind(name)) return `"${name}" is a stream kind, not a symbol`;
  if (name !== name.toLowerCase()) return `symbol "${name}" must be lower case`;
  if (/[@/!&?#%\s]/.test(name)) return `symbol "${name}" contains a character stream names cannot carry`;
  return undefined;
}

/** The exchange stream an identifier names and its endpoint, or why there is none. */
export function streamOf(id: Identifier): StreamRef {
  const kinds = id.tags.filter((t) => isKind(t.name));
  const others = id.tags.filter((t) => !isKind(t.name));
  if (kinds.length !== 1) {
    return refuse(kinds.length === 0 ? `no stream kind; expected one of ${KIND_NAMES.join(', ')}` : `more than one stream kind (${kinds.map((t) => t.name).join(', ')})`);
  }
  if (others.length > 1) return refuse(`expected <symbol>.<kind>, got more than one symbol (${others.map((t) => t.name).join(', ')})`);
  const kind = kinds[0];
  const symbol = others[0];
  const spec = KINDS[kind.name];
  const params: Record<string, string> = {};
  for (const [key, value] of kind.params) {
    const p = spec.params[key];
    if (!p) return refuse(`${kind.name} has no param "${key}"${hint(Object.keys(spec.params))}`);
    if (value === p.implied) return refuse(`${kind.name}: ${key}=${value} is the default; leave it out`);
    if (!p.values.includes(value)) return refuse(`${kind.name}: ${key} must be one of ${p.values.join(', ')}, got "${value}"`);
    params[key] = value;
  }
  for (const [key, p] of Object.entries(spec.params)) {
    if (params[key] === undefined && p.implied === undefined && !p.optional) {
      return refuse(`${kind.name} needs ${key}=<${p.values.join('|')}>`);
    }
  }
  if (symbol === undefined) {
    if (!spec.all) return refuse(`${kind.name} needs a symbol, e.g. btcusdt.${kind.name}`);
    return { ok: true, stream: spec.all(params), endpoint: spec.endpoint };
  }
  if (symbol.params.size > 0) return refuse(`symbol tag "${symbol.name}" takes no params`);
  const problem = symbolProblem(symbol.name);
  if (problem) return refuse(problem);
  if (!spec.single) return refuse(`${kind.name} exists only for the whole market; write it without a symbol`);
  const stream = spec.single(symbol.name, params);
  return spec.normalized ? { ok: true, stream, endpoint: spec.endpoint, normalized: spec.normalized } : { ok: true, stream, endpoint: spec.endpoint };
}

/** The identifier (in `namespace`) of an exchange stream name, or undefined if it is not one. */
export function identifierOf(namespace: string, stream: string): Identifier | undefined {
  const match = reverseTable().find((t) => (t.symbol ? stream.endsWith(t.suffix) && stream.length > t.suffix.length : stream === t.suffix));
  if (!match) return undefined;
  const tags: Record<string, Params> = { [match.kind]: match.params };
  if (match.symbol) {
    const symbol = stream.slice(0, stream.length - match.suffix.length);
    if (symbolProblem(symbol)) return undefined;
    tags[symbol] = {};
  }
  let id: Identifier;
  try {
    id = Identifier.of(namespace, tags);
  } catch {
    return undefined;
  }
  const back = streamOf(id);
  return back.ok && back.stream === stream && !back.normalized ? id : undefined;
}

interface Template {
  readonly kind: string;
  readonly params: Params;
  readonly symbol: boolean;
  /** Whole name (all-market) or what follows the symbol. */
  readonly suffix: string;
}

let templates: Template[] | undefined;

/** Every stream name shape, longest suffix first so `@depth5@100ms` wins over shorter ones. */
function reverseTable(): Template[] {
  if (templates) return templates;
  const out: Template[] = [];
  for (const [kind, spec] of Object.entries(KINDS)) {
    if (spec.normalized) continue; // a stream name names its raw kind
    for (const params of combinations(spec.params)) {
      if (spec.single) out.push({ kind, params, symbol: true, suffix: spec.single('', params) });
      if (spec.all) out.push({ kind, params, symbol: false, suffix: spec.all(params) });
    }
  }
  templates = out.sort((a, b) => b.suffix.length - a.suffix.length);
  return templates;
}

function combinations(specs: Readonly<Record<string, ParamSpec>>): Params[] {
  let out: Record<string, string>[] = [{}];
  for (const [key, spec] of Object.entries(specs)) {
    const next: Record<string, string>[] = [];
    for (const partial of out) {
      if (spec.implied !== undefined || spec.optional) next.push(partial);
      for (const value of spec.values) next.push({ ...partial, [key]: value });
    }
    out = next;
  }
  return out;
}

function refuse(reason: string): StreamRef {
  return { ok: false, reason };
}

function hint(keys: string[]): string {
  return keys.length === 0 ? ' (it takes none)' : ` (it takes ${keys.join(', ')})`;
}
