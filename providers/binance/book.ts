import type { JsonValue } from '../../common/json';
import type { Identifier } from '../../router/identifier';
import type { BookKeeper } from '../exchange/book/book-keeper';
import type { BookTimers, BookVenue } from '../exchange/book/book-stream';
import { BinanceSequencer } from '../exchange/book/sequencers';
import { isObject } from '../exchange/json';

/** REST weight of one depth snapshot of 1000 levels (USD-M futures "Order Book" endpoint). */
const DEPTH_WEIGHT = 20;
const DEPTH_LIMIT = 1000;
const WINDOW_MS = 60_000;

export interface BinanceBookOptions {
  readonly restUrl: string;
  /** Request weight per rolling minute the snapshots may use (the venue allows 2400 per IP). */
  readonly depthWeightPerMinute: number;
  readonly snapshotTimeoutMs: number;
}

/**
 * Binance USD-M books: `<symbol>@depth@100ms` deltas on the socket, the snapshot from REST
 * (`GET <restUrl>/fapi/v1/depth?symbol=…&limit=1000`), fetched only when a book needs one and
 * paced so that all of them stay under `depthWeightPerMinute`; the rest wait their turn.
 * See "How to manage a local order book correctly" in the USD-M futures docs.
 */
export class BinanceBook implements BookVenue {
  /** Weight spent in the last minute, oldest first. */
  private readonly spent: number[] = [];
  private readonly queue: (() => void)[] = [];
  private cancelWait: (() => void) | undefined;

  constructor(private readonly options: BinanceBookOptions) {}

  sequencer(): BinanceSequencer {
    return new BinanceSequencer();
  }

  /** A depth update `{e:"depthUpdate",E,U,u,pu,b,a}`. */
  push(message: JsonValue, keeper: BookKeeper): boolean {
    if (!isObject(message) || message.e !== 'depthUpdate') return false;
    const { U, u, pu, E } = message;
    if (typeof U !== 'number' || typeof u !== 'number' || typeof pu !== 'number') return false;
    keeper.delta(message.b, message.a, U, u, pu, NaN, 0, typeof E === 'number' ? E : undefined);
    return true;
  }

  fetch(id: Identifier, ticket: number, keeper: BookKeeper, timers: BookTimers): void {
    const symbol = symbolOf(id);
    this.queue.push(() => this.get(symbol, ticket, keeper, timers));
    this.drain(timers);
  }

  private drain(timers: BookTimers): void {
    if (this.cancelWait) return;
    const now = timers.now();
    while (this.spent.length > 0 && this.spent[0] <= now - WINDOW_MS) this.spent.shift();
    while (this.queue.length > 0 && (this.spent.length + 1) * DEPTH_WEIGHT <= this.options.depthWeightPerMinute) {
      this.spent.push(now);
      this.queue.shift()!();
    }
    if (this.queue.length === 0) return;
    this.cancelWait = timers.setTimeout(() => {
      this.cancelWait = undefined;
      this.drain(timers);
    }, Math.max(1, this.spent[0] + WINDOW_MS - now));
  }

  private get(symbol: string, ticket: number, keeper: BookKeeper, timers: BookTimers): void {
    const controller = new AbortController();
    const cancel = timers.setTimeout(() => controller.abort(), this.options.snapshotTimeoutMs);
    const url = `${this.options.restUrl}/fapi/v1/depth?symbol=${symbol.toUpperCase()}&limit=${DEPTH_LIMIT}`;
    fetch(url, { signal: controller.signal })
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return (await response.json()) as JsonValue;
      })
      .then(
        (body) => {
          cancel();
          if (!isObject(body) || typeof body.lastUpdateId !== 'number') return keeper.snapshotFailed(ticket);
          keeper.snapshot(body.bids, body.asks, body.lastUpdateId, NaN, 0, typeof body.E === 'number' ? body.E : undefined, ticket);
        },
        () => {
          cancel();
          keeper.snapshotFailed(ticket);
        },
      )
      .catch(() => keeper.snapshotFailed(ticket));
  }
}

function symbolOf(id: Identifier): string {
  const tag = id.tags.find((t) => t.name !== 'book');
  return tag?.name ?? '';
}
