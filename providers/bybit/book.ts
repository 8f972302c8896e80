import type { JsonValue } from '../../common/json';
import type { BookKeeper } from '../exchange/book/book-keeper';
import type { BookVenue } from '../exchange/book/book-stream';
import { BybitSequencer } from '../exchange/book/sequencers';
import { isObject } from '../exchange/json';

/**
 * Bybit v5 books from `orderbook.200.<SYMBOL>` ("Orderbook" in the v5 public WebSocket docs):
 * `{topic,type:"snapshot"|"delta",ts,data:{s,b,a,u,seq},cts}`. The snapshot comes on the socket
 * after subscribing; a later snapshot (or `u` = 1, a venue restart) replaces the book. A resync
 * subscribes the topic again.
 */
export const bybitBook: BookVenue = {
  sequencer: () => new BybitSequencer(),
  push(message: JsonValue, keeper: BookKeeper): boolean {
    if (!isObject(message) || !isObject(message.data)) return false;
    const { b, a, u, seq } = message.data;
    if (typeof u !== 'number') return false;
    const s = typeof seq === 'number' ? seq : NaN;
    const ts = typeof message.ts === 'number' ? message.ts : undefined;
    if (message.type === 'snapshot' || u === 1) keeper.snapshot(b, a, u, s, 0, ts);
    else if (message.type === 'delta') keeper.delta(b, a, u, u, NaN, s, 0, ts);
    else return false;
    return true;
  },
};
