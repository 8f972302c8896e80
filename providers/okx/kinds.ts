import type { Identifier } from '../../router/identifier';
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
  // One subscription carries every swap's liquidations; elements are told apart by instId.
  'liquidation-orders': 'instType',
} as const satisfies Record<string, ChannelArg>;

export type ChannelName = keyof typeof CHANNELS;

/** How a kind turns its channels' elements into messages. */
export type Mapping = 'raw' | 'trade' | 'quote' | 'derivative' | 'liquidation';

export interface KindSpec {
  readonly channels: readonly ChannelName[];
  readonly mapping: Mapping;
}

const raw = (channel: ChannelName): KindSpec => ({ channels: [channel], mapping: 'raw' });

export const KINDS: Readonly<Record<string, KindSpec>> = {
  trade: { channels: ['trades'], mapping: 'trade' },
  quote: { channels: ['bbo-tbt'], mapping: 'quote' },
  derivative: { channels: ['mark-price', 'funding-rate', 'open-interest', 'index-tickers'], mapping: 'derivative' },
  liquidation: { channels: ['liquidation-orders'], mapping: 'liquidation' },
  trades: raw('trades'),
  'bbo-tbt': raw('bbo-tbt'),
  tickers: raw('tickers'),
  'mark-price': raw('mark-price'),
  'funding-rate': raw('funding-rate'),
  'open-interest': raw('open-interest'),
  'index-tickers': raw('index-tickers'),
  'liquidation-orders': raw('liquidation-orders'),
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

/** A valid stream: its swap, kind and the venue subscriptions it needs. */
export interface OkxStream {
  readonly ok: true;
  readonly tag: string;
  readonly kind: string;
  readonly spec: KindSpec;
  /** The swap's instId, as elements carry it. */
  readonly instId: string;
  readonly subscriptions: readonly string[];
}

export type StreamRef = OkxStream | { readonly ok: false; readonly reason: string };

/** The stream an identifier names, or why the venue does not offer it. */
export function streamOf(id: Identifier, catalogue: Catalogue): StreamRef {
  const kinds = id.tags.filter((t) => isKind(t.name));
  const others = id.tags.filter((t) => !isKind(t.name));
  if (kinds.length !== 1) {
    return refuse(kinds.length === 0 ? `no okx stream kind; expected one of ${KIND_NAMES.join(', ')}` : `more than one stream kind (${kinds.map((t) => t.name).join(', ')})`);
  }
  const kind = kinds[0];
  if (kind.params.size > 0) return refuse(`${kind.name} takes no params`);
  if (others.length !== 1) return refuse(others.length === 0 ? `${kind.name} needs a swap, e.g. btc-usdt-swap.${kind.name}` : `expected <swap>.<kind>, got more than one symbol (${others.map((t) => t.name).join(', ')})`);
  const symbol = others[0];
  if (symbol.params.size > 0) return refuse(`symbol tag "${symbol.name}" takes no params`);
  const problem = catalogue.problem(symbol.name);
  if (problem) return refuse(problem);
  const spec = KINDS[kind.name];
  const subscriptions = spec.channels.map((c) => subscriptionName(c, argumentOf(c, symbol.name)));
  return { ok: true, tag: symbol.name, kind: kind.name, spec, instId: instIdOf(symbol.name), subscriptions };
}

function refuse(reason: string): StreamRef {
  return { ok: false, reason };
}
