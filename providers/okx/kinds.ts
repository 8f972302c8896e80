import type { Identifier } from '../../router/identifier';
import type { MappedKind } from '../exchange/normalize';
import type { StreamRef } from '../exchange/provider';
import { indexIdOf, instIdOf, type Catalogue } from './instruments';

/**
 * The stream kinds of the OKX provider and the venue channels each one needs. Raw kinds keep the
 * venue's channel names and pass its data elements through; the normalized kinds (`trade`,
 * `quote`, `derivative`, `liquidation`) map them onto the schema in common/market.ts. A venue
 * subscription is named `<channel>:<argument>` (`trades:BTC-USDT-SWAP`,
 * `liquidation-orders:SWAP`), so one subscription serves every stream that needs it.
 */

/** What a channel is subscribed by: the swap's instId, its index, or the instrument type. */
export type ChannelArg = 'instId' | 'index' | 'instType';

/** Channels used here, per the venue's public WebSocket docs; `books` joins with the order book. */
export const CHANNELS = {
  trades: 'instId',
  'bbo-tbt': 'instId',
  tickers: 'instId',
  'mark-price': 'instId',
  'funding-rate': 'instId',
  'open-interest': 'instId',
  'index-tickers': 'index',
  books: 'instId',
  // One subscription carries every swap's liquidations; elements are told apart by instId.
  'liquidation-orders': 'instType',
} as const satisfies Record<string, ChannelArg>;

export type ChannelName = keyof typeof CHANNELS;

/** How a kind turns its channels' pushes into messages: passed through, or normalized. */
export type Mapping = 'raw' | MappedKind | 'book';

export interface KindSpec {
  readonly channels: readonly ChannelName[];
  readonly mapping: Mapping;
  /** Written without a swap: the stream is the whole venue's (every swap's liquidations). */
  readonly allMarket?: true;
  /** Params a wildcard starts it with; absent for the all-market kind, started only when named. */
  readonly expand?: Readonly<Record<string, string>>;
}

const raw = (channel: ChannelName): KindSpec => ({ channels: [channel], mapping: 'raw', expand: {} });

export const KINDS: Readonly<Record<string, KindSpec>> = {
  trade: { channels: ['trades'], mapping: 'trade', expand: {} },
  quote: { channels: ['bbo-tbt'], mapping: 'quote', expand: {} },
  derivative: { channels: ['mark-price', 'funding-rate', 'open-interest', 'index-tickers'], mapping: 'derivative', expand: {} },
  liquidation: { channels: ['liquidation-orders'], mapping: 'liquidation', expand: {} },
  // Kept from the 400-level `books` channel with its checksum (book.ts); started only when named.
  book: { channels: ['books'], mapping: 'book' },
  trades: raw('trades'),
  'bbo-tbt': raw('bbo-tbt'),
  tickers: raw('tickers'),
  'mark-price': raw('mark-price'),
  'funding-rate': raw('funding-rate'),
  'open-interest': raw('open-interest'),
  'index-tickers': raw('index-tickers'),
  'liquidation-orders': { channels: ['liquidation-orders'], mapping: 'raw', allMarket: true },
};

export const KIND_NAMES: readonly string[] = Object.keys(KINDS);

export function isKind(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(KINDS, name);
}

/** Swaps only: the provider is for OKX perpetual swaps. */
const INST_TYPE = 'SWAP';

/** The venue argument a channel takes for swap `tag`. */
export function argumentOf(channel: ChannelName, tag: string): string {
  const arg: ChannelArg = CHANNELS[channel];
  switch (arg) {
    case 'instId':
      return instIdOf(tag);
    case 'index':
      return indexIdOf(tag);
    case 'instType':
      return INST_TYPE;
  }
}

export function subscriptionName(channel: ChannelName, argument: string): string {
  return `${channel}:${argument}`;
}

/** The one endpoint: every channel used here is on the public WebSocket. */
export const ENDPOINT = 'public';

/** The venue subscriptions an identifier needs (the first is `stream`, the rest `also`), or why it cannot be one. */
export function streamOf(id: Identifier, catalogue: Catalogue): StreamRef {
  const kinds = id.tags.filter((t) => isKind(t.name));
  const others = id.tags.filter((t) => !isKind(t.name));
  if (kinds.length !== 1) {
    return refuse(kinds.length === 0 ? `no okx stream kind; expected one of ${KIND_NAMES.join(', ')}` : `more than one stream kind (${kinds.map((t) => t.name).join(', ')})`);
  }
  const kind = kinds[0];
  const spec = KINDS[kind.name];
  if (kind.params.size > 0) return refuse(`${kind.name} takes no params`);
  if (spec.allMarket) {
    if (others.length > 0) return refuse(`${kind.name} carries every swap; write it without a symbol (or use <swap>.liquidation)`);
    return ref(spec, '');
  }
  if (others.length !== 1) {
    return refuse(others.length === 0 ? `${kind.name} needs a swap, e.g. btc-usdt-swap.${kind.name}` : `expected <swap>.<kind>, got more than one symbol (${others.map((t) => t.name).join(', ')})`);
  }
  const symbol = others[0];
  if (symbol.params.size > 0) return refuse(`symbol tag "${symbol.name}" takes no params`);
  const problem = catalogue.problem(symbol.name);
  return problem ? refuse(problem) : ref(spec, symbol.name);
}

/** The swap an identifier of a per-swap kind names (its instId), once `streamOf` accepted it. */
export function instIdOfStream(id: Identifier): string {
  const symbol = id.tags.find((t) => !isKind(t.name));
  return symbol ? instIdOf(symbol.name) : '';
}

function ref(spec: KindSpec, tag: string): StreamRef {
  const [stream, ...also] = spec.channels.map((c) => subscriptionName(c, argumentOf(c, tag)));
  const normalized = spec.mapping === 'raw' ? {} : { normalized: spec.mapping };
  return { ok: true, stream, endpoint: ENDPOINT, ...normalized, ...(also.length > 0 ? { also } : {}) };
}

function refuse(reason: string): StreamRef {
  return { ok: false, reason };
}

