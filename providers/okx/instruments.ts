/**
 * OKX swap naming. A symbol tag is the venue's instId lower-cased (`BTC-USDT-SWAP` is
 * `btc-usdt-swap`); the instrument's index (the `index-tickers` channel) is its instId without
 * `-SWAP` (`BTC-USDT`), as the venue's "Index tickers channel" documents it.
 */

/** Swaps `expand` uses and `validate` accepts, unless the provider's `instruments` option says otherwise. */
export const DEFAULT_INSTRUMENTS: readonly string[] = ['btc-usdt-swap', 'eth-usdt-swap', 'sol-usdt-swap', 'btc-usd-swap', 'eth-usd-swap'];

const SWAP_TAG = /^[a-z0-9]{1,20}-[a-z0-9]{1,10}-swap$/;

/** Why `tag` cannot name an OKX perpetual swap, or undefined. */
export function swapTagProblem(tag: string): string | undefined {
  if (tag !== tag.toLowerCase()) return `symbol "${tag}" must be lower case (the venue's instId lower-cased, e.g. btc-usdt-swap)`;
  if (!SWAP_TAG.test(tag)) return `symbol "${tag}" is not an OKX perpetual swap (<base>-<quote>-swap, e.g. btc-usdt-swap)`;
  return undefined;
}

/** The venue's instId for a symbol tag: `btc-usdt-swap` → `BTC-USDT-SWAP`. */
export function instIdOf(tag: string): string {
  return tag.toUpperCase();
}

/** The index a swap is priced against: `btc-usdt-swap` → `BTC-USDT`. */
export function indexIdOf(tag: string): string {
  return instIdOf(tag).slice(0, -'-SWAP'.length);
}

/** The set of swaps the provider offers, checked once at construction. */
export class Catalogue {
  private readonly tags: ReadonlySet<string>;

  constructor(list: readonly string[]) {
    this.tags = new Set(list);
  }

  /** Why the venue does not offer `tag`, or undefined when it does. */
  problem(tag: string): string | undefined {
    const shape = swapTagProblem(tag);
    if (shape) return shape;
    if (!this.tags.has(tag)) return `okx offers no swap "${tag}" here (instruments: ${[...this.tags].join(', ')})`;
    return undefined;
  }
}
