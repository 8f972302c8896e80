import type { Pattern } from '../../router/pattern';
import type { StreamPayload } from '../exchange/connection-types';
import { ExchangeProvider, type ExchangeStats, type Venue } from '../exchange/provider';
import { BinanceConnection } from './binance-connection';
import { expandPattern } from '../exchange/expand';
import { BinanceBook } from './book';
import { binanceNormalizer } from './normalize';
import { resolveOptions, type BinanceOptions } from './options';
import { KINDS, streamOf } from './streams';

export type BinanceStats = ExchangeStats;

/**
 * Binance USD-M futures market streams over combined-stream websockets (see README.md beside this
 * file). Identifiers are `<namespace>::<symbol>.<kind>[params]`; see `streams.ts` for the kinds.
 */
export class BinanceProvider extends ExchangeProvider<BinanceConnection> {
  constructor(options: BinanceOptions = {}) {
    const o = resolveOptions(options);
    const venue: Venue<BinanceConnection> = {
      name: 'binance',
      streamOf,
      expand: (pattern: Pattern) => expandPattern(pattern, o.symbols, KINDS, (id) => streamOf(id).ok),
      eventTime,
      normalizer: binanceNormalizer,
      book: new BinanceBook(o),
      connect: (endpoint, host, settings) => new BinanceConnection(host, settings, endpoint, o.baseUrl),
    };
    super(venue, o);
  }
}

/** The exchange's event time `E` (of the first element for the all-market arrays). */
function eventTime(payload: StreamPayload): number | undefined {
  const first = Array.isArray(payload) ? payload[0] : payload;
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return undefined;
  return typeof first.E === 'number' ? first.E : undefined;
}
