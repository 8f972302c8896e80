import type { JsonValue } from '../../common/json';
import type { BookKeeper } from '../exchange/book/book-keeper';
import type { BookVenue } from '../exchange/book/book-stream';
import { okxChecksum } from '../exchange/book/okx-checksum';
import { OkxSequencer } from '../exchange/book/sequencers';
import { isObject, millis } from '../exchange/normalize';

/**
 * OKX v5 books from the `books` channel ("Order book channel" in the v5 public WebSocket docs):
 * each push is `{action:"snapshot"|"update",data:[{asks,bids,ts,checksum,prevSeqId,seqId}]}`,
 * levels `[px, sz, "0", numOrders]`. The snapshot comes first on the socket (`prevSeqId` -1);
 * every message's checksum is verified (0, which the venue sends once it stops computing them,
 * counts as none). A resync subscribes the channel again.
 */
export const okxBook: BookVenue = {
  sequencer: () => new OkxSequencer(),
  checksum: okxChecksum,
  push(message: JsonValue, keeper: BookKeeper): boolean {
    // The connection hands on `{action, data}` when the push names its action, else the data array.
    const data = isObject(message) ? message.data : message;
    const action = isObject(message) ? message.action : undefined;
    const element = Array.isArray(data) && data.length === 1 ? data[0] : undefined;
    if (!isObject(element)) return false;
    const { seqId, prevSeqId, checksum } = element;
    if (typeof seqId !== 'number' || typeof prevSeqId !== 'number') return false;
    const sum = typeof checksum === 'number' ? checksum : 0;
    const ts = millis(element.ts);
    if (action === 'snapshot' || (action === undefined && prevSeqId === -1)) keeper.snapshot(element.bids, element.asks, seqId, NaN, sum, ts);
    else keeper.delta(element.bids, element.asks, seqId, seqId, prevSeqId, NaN, sum, ts);
    return true;
  },
};
