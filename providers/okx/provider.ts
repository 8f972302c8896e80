import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { StreamPayload } from '../exchange/connection-types';
import { isObject, millis, type MappedKind } from '../exchange/normalize';
import { ExchangeProvider, type ExchangeStats, type Venue } from '../exchange/provider';
import { OkxConnection } from './connection';
import { Catalogue } from './instruments';
import { expandPattern } from '../exchange/expand';
import { instIdOfStream, KINDS, streamOf } from './kinds';
import { okxBook } from './book';
import { okxNormalizer } from './normalize';
import { resolveOptions, CONNECTIONS_PER_SECOND, type OkxOptions } from './options';

export type OkxStats = ExchangeStats;

/**
 * OKX v5 public channels of perpetual swaps (see README.md beside this file). Identifiers are
 * `<namespace>::<swap>.<kind>`; see `kinds.ts` for the kinds and the channels behind them.
 */
export class OkxProvider extends ExchangeProvider<OkxConnection> {
  constructor(options: OkxOptions = {}) {
    const o = resolveOptions(options);
    const catalogue = new Catalogue(o.symbols);
    const venue: Venue<OkxConnection> = {
      name: 'okx',
      streamOf: (id: Identifier) => streamOf(id, catalogue),
      expand: (pattern: Pattern) => expandPattern(pattern, o.symbols, KINDS, (id) => streamOf(id, catalogue).ok),
      eventTime,
      normalizer: (kind: MappedKind, id: Identifier) => okxNormalizer(kind, instIdOfStream(id)),
      book: okxBook,
      // "Connection limit: 3 requests per second (based on IP)".
      connectionsPerSecond: CONNECTIONS_PER_SECOND,
      connect: (_endpoint, host, settings) => new OkxConnection(host, { ...settings, requestsPerHour: o.requestsPerHour }, o.baseUrl),
    };
    super(venue, o);
  }
}

/** A raw push's time: its first element's `ts` (a liquidation's first detail's). */
function eventTime(payload: StreamPayload): number | undefined {
  const first = Array.isArray(payload) ? payload[0] : undefined;
  if (!isObject(first)) return undefined;
  if (first.ts !== undefined) return millis(first.ts);
  const detail = Array.isArray(first.details) ? first.details[0] : undefined;
  return isObject(detail) ? millis(detail.ts) : undefined;
}
