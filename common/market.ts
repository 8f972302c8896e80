/**
 * The normalized market-data schema: one payload shape per kind, whatever the venue. Numbers are
 * parsed from the venue's decimal strings, in the venue's own units (no conversion: OKX swap
 * amounts are contracts). A message's `eventTs` is the venue's own time for it.
 */

/** The five normalized kinds. Raw venue kinds keep the venue's spelling and never take these names. */
export const NORMALIZED_KINDS = ['trade', 'quote', 'book', 'derivative', 'liquidation'] as const;
export type NormalizedKind = (typeof NORMALIZED_KINDS)[number];

export function isNormalizedKind(name: string): name is NormalizedKind {
  return (NORMALIZED_KINDS as readonly string[]).includes(name);
}

export type Side = 'buy' | 'sell';

/** `<symbol>.trade`: one trade; `side` is the taker's. */
export interface Trade {
  readonly price: number;
  readonly amount: number;
  readonly side: Side | 'unknown';
  readonly tradeId: string;
}

/** `<symbol>.quote`: the best bid and offer, from the venue's best-bid/offer feed. */
export interface Quote {
  readonly bidPrice: number;
  readonly bidAmount: number;
  readonly askPrice: number;
  readonly askAmount: number;
}

/** `<symbol>.derivative`: emitted once `markPrice` is known; a field the venue does not carry is absent. */
export interface Derivative {
  readonly markPrice: number;
  readonly indexPrice?: number;
  readonly fundingRate?: number;
  readonly nextFundingTs?: number;
  readonly openInterest?: number;
}

/** `<symbol>.liquidation`: `side` is the liquidation order's (a long position liquidated is a `sell`). */
export interface Liquidation {
  readonly price: number;
  readonly amount: number;
  readonly side: Side;
}

/** One price level: `[price, amount]`; in a change, amount 0 removes the level. */
export type Level = readonly [price: number, amount: number];

/**
 * `<symbol>.book`: a snapshot (best first on both sides), then changes. A client that takes the
 * first snapshot and applies every later change in order holds the venue's book. A snapshot
 * sent after a break carries `resync: true`.
 */
export type BookPayload =
  | { readonly type: 'snapshot'; readonly bids: readonly Level[]; readonly asks: readonly Level[]; readonly resync?: true }
  | { readonly type: 'change'; readonly bids: readonly Level[]; readonly asks: readonly Level[] };
